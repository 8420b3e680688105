"""Demo templates for the `menopause` and `mood` topics.

In: nothing. Out: `TEMPLATES`, hand-written questions and clinically sound answers (see `base.Template`).
"""

from __future__ import annotations

from typing import Final

from core.demo.content.base import Template

T = Template

MENOPAUSE: Final = (
    T(
        "menopause-first-signs",
        "menopause",
        (
            "What are the first signs of perimenopause?",
            "How do I know if I'm starting perimenopause?",
            "what are early perimenopause symptoms",
        ),
        (
            "Perimenopause often starts in your 40s. Early signs include changes in your cycle (shorter, "
            "longer, heavier or lighter periods), hot flushes, night sweats, poor sleep, mood changes, "
            "anxiety, brain fog, joint aches and vaginal dryness. If symptoms affect your life, see a doctor: "
            "effective treatments, including HRT, are available, and diagnosis is usually based on symptoms "
            "if you're over 45.",
            "Irregular periods plus symptoms like hot flushes, disturbed sleep or low mood are typical early "
            "signs. Tracking your cycle and symptoms for a few months helps your doctor, who can talk you "
            "through treatment options.",
        ),
    ),
    T(
        "menopause-hot-flashes",
        "menopause",
        (
            "I'm {meno_age} and getting hot flashes. Could this be perimenopause?",
            "Why am I suddenly having hot flushes?",
        ),
        (
            "At {meno_age}, hot flushes are very often a sign of perimenopause, especially if your periods "
            "are also changing. Layered clothing, a fan, and cutting down on alcohol, caffeine and spicy "
            "food can help. If they disturb your sleep or daily life, talk to a doctor about HRT or "
            "non-hormonal treatments. Hot flushes with weight loss, fever or palpitations should be checked "
            "for other causes.",
            "Hot flushes in your 40s or early 50s are most commonly caused by the hormone changes of "
            "perimenopause. You don't have to put up with them: a doctor can offer treatments that work "
            "well for most people.",
        ),
    ),
    T(
        "menopause-duration",
        "menopause",
        ("How long does perimenopause last?", "How many years do menopause symptoms go on for?"),
        (
            "Perimenopause lasts about four years on average but can range from a few months to ten years. "
            "You reach menopause when you haven't had a period for 12 months. Symptoms like hot flushes "
            "continue for several years after that for many people, so it's worth getting support rather "
            "than waiting it out.",
            "It varies a lot: often around four years, sometimes much longer. Treatment can make a big "
            "difference at any stage, so speak to a clinician if symptoms are bothering you.",
        ),
    ),
    T(
        "menopause-hrt-safety",
        "menopause",
        ("Is HRT safe?", "What are the risks of hormone replacement therapy?"),
        (
            "For most people under 60, or within 10 years of their last period, the benefits of HRT for "
            "symptoms and bone health outweigh the risks. Risks depend on the type: oestrogen through the "
            "skin (gel or patch) doesn't raise clot risk, and the small increase in breast cancer risk with "
            "combined HRT depends on how long it's used. A doctor will look at your personal and family "
            "history to find the right option.",
            "HRT is safe and effective for most people who start it around the menopause. The risks are "
            "small and depend on the type and your health history, so discuss them with your doctor, who "
            "can tailor it to you.",
        ),
    ),
    T(
        "menopause-night-sweats",
        "menopause",
        ("How do I deal with night sweats?", "My night sweats are ruining my sleep. What can I do?"),
        (
            "Keep the bedroom cool, use layered bedding and breathable nightwear, keep cold water nearby, and "
            "limit alcohol and caffeine in the evening. If night sweats are due to perimenopause, HRT or "
            "some non-hormonal medicines can help a lot. Night sweats with fever, weight loss or swollen "
            "glands should be checked by a doctor.",
            "Cooling the room, light cotton bedding and avoiding alcohol at night are good first steps. If "
            "they're still disrupting your sleep, see a clinician about treatment.",
        ),
    ),
    T(
        "menopause-pregnancy",
        "menopause",
        (
            "Can I still get pregnant during perimenopause?",
            "Do I need contraception if I'm going through perimenopause?",
        ),
        (
            "Yes, you can still get pregnant during perimenopause because you may still ovulate some cycles. "
            "Use contraception until you've had no periods for 12 months if you're over 50, or for 2 years "
            "if you're under 50. HRT is not a contraceptive. A clinician can help you choose a method that "
            "also suits your symptoms.",
            "Pregnancy is less likely but still possible, so contraception is recommended until your doctor "
            "confirms it's no longer needed, usually a year after your last period over 50.",
        ),
    ),
    T(
        "menopause-age",
        "menopause",
        ("What is the average age of menopause?", "When does menopause usually start?"),
        (
            "The average age of menopause is around 51, and most people reach it between 45 and 55. "
            "Menopause before 45 is called early menopause, and before 40 premature ovarian insufficiency; "
            "both need a doctor's assessment because treatment protects bone and heart health.",
            "Usually between 45 and 55, with 51 as the average. If your periods stop or symptoms start "
            "before 45, please see a doctor.",
        ),
    ),
    T(
        "menopause-mood-sleep",
        "menopause",
        (
            "Can menopause affect my mood and sleep?",
            "Why do I feel anxious and sleep badly since perimenopause started?",
        ),
        (
            "Yes. Falling and fluctuating hormone levels can cause low mood, anxiety, irritability and "
            "trouble sleeping, and night sweats can make sleep worse. HRT can improve these symptoms for "
            "many people, and talking therapies like CBT help too. If you feel very low or hopeless, please "
            "talk to a doctor soon.",
            "Mood and sleep changes are common in perimenopause and are treatable. Tell your doctor about "
            "all your symptoms, not only hot flushes, so they can offer the right support.",
        ),
    ),
    T(
        "menopause-bleeding-after",
        "menopause",
        (
            "Is bleeding after menopause normal?",
            "I've had some spotting a year after my periods stopped at menopause. What should I do?",
        ),
        (
            "No. Any bleeding after menopause, meaning more than 12 months after your last period, should "
            "be checked by a doctor promptly, even if it's only spotting. Often the cause is something "
            "simple like thinning of the vaginal lining, but it needs to be checked to rule out more serious "
            "causes such as womb cancer.",
            "Postmenopausal bleeding is always a reason to see your doctor soon. Most causes are not "
            "serious, but it needs to be investigated, usually with a scan.",
        ),
    ),
    T(
        "menopause-non-hormonal",
        "menopause",
        (
            "Are there non-hormonal treatments for hot flushes?",
            "I can't take HRT. What else helps with menopause symptoms?",
        ),
        (
            "Yes. Some non-hormonal prescription medicines reduce hot flushes, and CBT has good evidence for "
            "hot flushes, sleep and mood. Lifestyle steps such as keeping cool, regular exercise, stopping "
            "smoking and limiting alcohol help too. Vaginal dryness can be treated with moisturisers and, "
            "for many people, low-dose vaginal oestrogen. Ask your doctor what suits you.",
            "There are several options, including prescription non-hormonal medicines and CBT. Be cautious "
            "with herbal remedies, which can interact with other medicines, and discuss choices with a "
            "clinician.",
        ),
    ),
)

MOOD: Final = (
    T(
        "mood-emotional-before-period",
        "mood",
        (
            "Why do I feel so emotional before my period?",
            "Why am I so emotional at certain times of my cycle?",
        ),
        (
            "Feeling more emotional before your period is common. Oestrogen and progesterone drop in the "
            "days before bleeding, and this can affect serotonin and how you handle stress. Sleep, regular "
            "exercise and tracking your mood to plan ahead can help. If it seriously affects your life or "
            "relationships, talk to a doctor about PMDD and treatment options.",
            "Hormone changes in the second half of the cycle affect mood for many people. Noting your mood "
            "each day for a couple of cycles helps you spot the pattern and gives a clinician useful "
            "information if you'd like support.",
        ),
    ),
    T(
        "mood-anxiety",
        "mood",
        ("Can my cycle make my anxiety worse?", "Why is my anxiety worse before my period?"),
        (
            "Yes, many people notice their anxiety gets worse in the week or two before their period, when "
            "hormone levels fall. Tracking helps you see the pattern. Breathing exercises, regular activity "
            "and reducing caffeine can help. If anxiety is hard to manage, please talk to a doctor: there "
            "are effective treatments, and some can be adjusted around your cycle.",
            "Premenstrual worsening of anxiety is common and real. A doctor can help with options ranging "
            "from talking therapy to medication, and tracking your mood alongside your cycle makes that "
            "conversation easier.",
        ),
    ),
    T(
        "mood-crying",
        "mood",
        (
            "I cry for no reason at certain times of the month. Is that normal?",
            "Why do I keep crying before my period?",
        ),
        (
            "Tearfulness in the days before your period is a common premenstrual symptom, linked to hormone "
            "changes. Be kind to yourself, rest, and plan lighter days if you can. If you feel low most of "
            "the month, or the feelings are overwhelming, please talk to a doctor.",
            "It's common, and it doesn't mean something is wrong with you. If it happens every cycle and "
            "affects your life, tracking it and speaking to a clinician can open up treatment options.",
        ),
    ),
    T(
        "mood-swings",
        "mood",
        ("How can I manage mood swings during my cycle?", "Any tips for cycle-related mood swings?"),
        (
            "Tracking your mood helps you predict harder days and plan around them. Regular sleep, exercise, "
            "steady meals, less alcohol and caffeine, and stress-reduction such as walks, breathing exercises "
            "or talking to someone you trust all help. If mood swings are severe, a doctor can discuss "
            "treatment including hormonal options or antidepressants.",
            "Look after the basics, sleep, food and movement, and give yourself extra slack on days you "
            "know are harder. Persistent or severe mood changes deserve a conversation with a clinician.",
        ),
    ),
    T(
        "mood-birth-control",
        "mood",
        ("Can birth control affect my mood?", "Could my contraception be making me depressed?"),
        (
            "Some people notice mood changes on hormonal contraception, while others find their mood "
            "improves, and many notice no difference. If you feel low or anxious since starting a method, "
            "talk to your doctor: switching to a different type or a non-hormonal option can help. Don't "
            "stop without a plan for other contraception.",
            "It's possible. Mood effects vary between people and between methods. A clinician can review "
            "your symptoms and help you find an option that suits you better.",
        ),
    ),
    T(
        "mood-irritable",
        "mood",
        (
            "I feel irritable and angry the week before my period. What can help?",
            "Why do I get so angry before my period?",
        ),
        (
            "Irritability is one of the most common premenstrual symptoms. Exercise, enough sleep, cutting "
            "down on caffeine and alcohol, and giving yourself space when you notice it building can help. "
            "Explaining the pattern to people close to you can ease tension too. If it's severe or affects "
            "your relationships, a doctor can check for PMDD and suggest treatment.",
            "Hormone shifts can make you more irritable before your period. Tracking it helps you plan, "
            "and a clinician can help if self-care isn't enough.",
        ),
    ),
    T(
        "mood-stress-period",
        "mood",
        ("Does stress affect my period?", "I've been really stressed lately and my period is late. Why?"),
        (
            "Yes. Stress affects the part of the brain that regulates your cycle, so it can delay ovulation "
            "and make your period late or irregular. If there's any chance of pregnancy, take a test. "
            "Stress management like sleep, exercise and support helps, and if periods stay irregular or "
            "stress feels overwhelming, please see a doctor.",
            "Stress can definitely shift your cycle. Rule out pregnancy if relevant, look after yourself, "
            "and talk to a clinician if your period doesn't return to normal within a couple of cycles.",
        ),
    ),
    T(
        "mood-when-help",
        "mood",
        ("When should I get help for low mood?", "How do I know if my low mood is more than PMS?"),
        (
            "If you've felt low, hopeless or lost interest in things most days for two weeks or more, or "
            "mood changes affect your work, relationships or sleep, please talk to a doctor. Support works. "
            "If you have thoughts of harming yourself, contact emergency services or a crisis line right "
            "away.",
            "Low mood that lasts beyond your period, or keeps you from everyday life, is worth raising with "
            "a doctor. And if you ever feel unsafe, please reach out to emergency services or a crisis "
            "line immediately.",
        ),
    ),
    T(
        "mood-low-during-period",
        "mood",
        ("Why am I in a low mood during my period?", "Why does my mood drop on the first days of my period?"),
        (
            "Hormone levels are at their lowest at the start of a period, and pain, poor sleep and tiredness "
            "can all pull your mood down. Rest, warmth, gentle movement and good pain relief help. If low "
            "mood lasts well beyond your period, please talk to a doctor.",
            "It's common to feel flat for the first day or two. Low iron from heavy periods can add to "
            "tiredness and low mood, so see a clinician if your periods are heavy or the low feelings "
            "persist.",
        ),
    ),
    T(
        "mood-exercise",
        "mood",
        (
            "Can exercise help with period-related mood changes?",
            "Does exercise help with low mood before my period?",
        ),
        (
            "Yes. Regular moderate exercise like brisk walking, cycling, swimming or yoga can improve mood, "
            "reduce stress and ease premenstrual symptoms. Even short sessions help. It's a good complement "
            "to other support, not a replacement for seeing a doctor if your mood is persistently low.",
            "Exercise is one of the best-supported self-help steps for cycle-related mood changes. Aim for "
            "something you enjoy a few times a week, and talk to a clinician if mood problems persist.",
        ),
    ),
)

FOLLOWUPS: Final = (
    T(
        "menopause-followup-doctor",
        "menopause",
        (
            "What should I tell my doctor about my menopause symptoms?",
            "Thanks. How do I prepare for a menopause appointment?",
        ),
        (
            "List all your symptoms, including mood, sleep and joint pain, when your periods changed, your "
            "medical and family history, and what you'd like help with. A symptom diary for a few weeks is "
            "very helpful.",
            "Bring notes on your cycle and symptoms and any questions about HRT or other treatments. It's "
            "fine to ask for a longer appointment or a clinician with a menopause interest.",
        ),
        followup=True,
    ),
    T(
        "mood-followup-support",
        "mood",
        ("Where can I get support for my mental health?", "Okay. Who can I talk to about my mood?"),
        (
            "Your doctor is a good first step and can refer you to talking therapies. Many areas also let "
            "you self-refer. If you're in crisis or feel unsafe, call emergency services or a crisis line.",
            "Start with your GP, a trusted person in your life, or a local talking-therapy service. In an "
            "emergency, contact emergency services straight away.",
        ),
        followup=True,
    ),
)

TEMPLATES: Final = MENOPAUSE + MOOD + FOLLOWUPS
