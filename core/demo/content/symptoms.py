"""Demo templates for the `pms` and `cramps_pain` topics.

In: nothing. Out: `TEMPLATES`, hand-written questions and clinically sound answers (see `base.Template`).
"""

from __future__ import annotations

from typing import Final

from core.demo.content.base import Template

T = Template

PMS: Final = (
    T(
        "pms-cause",
        "pms",
        ("What causes PMS?", "Why do I get PMS symptoms?", "what actually causes pms"),
        (
            "PMS is linked to the rise and fall of oestrogen and progesterone after ovulation, and to how "
            "sensitive your brain chemistry, such as serotonin, is to those changes. That's why symptoms "
            "appear in the week or two before your period and ease once it starts. Lifestyle changes help "
            "many people, and a doctor can offer treatment if symptoms affect your daily life.",
            "Nobody has exactly the same PMS, but it's driven by normal hormone changes in the second half "
            "of the cycle, which some people are more sensitive to. Tracking symptoms for two or three "
            "cycles helps confirm the pattern and is useful if you talk to a clinician.",
        ),
    ),
    T(
        "pms-relief",
        "pms",
        (
            "How can I ease PMS symptoms naturally?",
            "What helps with PMS?",
            "Any tips for getting through PMS?",
        ),
        (
            "Regular exercise, good sleep, eating regular meals, and cutting back on salt, caffeine and "
            "alcohol in the second half of your cycle can all help. Some people find calcium-rich foods and "
            "stress-reduction techniques useful. If symptoms are severe or affect work and relationships, "
            "speak to a doctor: hormonal contraception, antidepressants or talking therapy can help.",
            "Small changes add up: gentle exercise, steady meals to avoid energy dips, less caffeine and "
            "alcohol, and plenty of sleep. Tracking your symptoms lets you plan ahead for harder days. A "
            "clinician can suggest treatments if self-care isn't enough.",
        ),
    ),
    T(
        "pms-cravings",
        "pms",
        (
            "Why do I crave sugar the week before my period?",
            "Is it normal to be really hungry before my period?",
        ),
        (
            "Yes, cravings and a bigger appetite before your period are common. Hormone changes can affect "
            "blood sugar and serotonin, and your body uses slightly more energy in the second half of the "
            "cycle. Regular meals with protein and fibre help keep energy steady, and an occasional treat "
            "is completely fine.",
            "Many people notice more hunger and sweet cravings in the premenstrual phase. Eating regularly, "
            "including slow-release carbohydrates and protein, tends to take the edge off the cravings.",
        ),
    ),
    T(
        "pms-bloating",
        "pms",
        (
            "Is it normal to feel bloated before my period?",
            "Why do I retain water the week before my period?",
        ),
        (
            "Bloating and water retention are among the most common premenstrual symptoms, caused by hormone "
            "shifts. Reducing salty foods, drinking enough water, staying active and limiting fizzy drinks "
            "can help. Persistent bloating that doesn't follow your cycle, especially after 50, should be "
            "checked by a doctor.",
            "Yes, it's very common and usually settles once your period starts. If bloating is there most "
            "days regardless of your cycle, or comes with other changes like feeling full quickly, please "
            "see a clinician.",
        ),
    ),
    T(
        "pms-pmdd",
        "pms",
        ("What is PMDD and how is it different from PMS?", "Do I have PMDD or just bad PMS?"),
        (
            "PMDD (premenstrual dysphoric disorder) is a severe form of PMS where mood symptoms such as "
            "depression, anxiety, irritability or feeling out of control seriously affect daily life in the "
            "week or two before a period, then lift after it starts. It's a recognised medical condition and "
            "treatments work, so please talk to a doctor. If you ever have thoughts of harming yourself, "
            "seek help straight away.",
            "PMS is common and usually manageable; PMDD is much less common and far more intense, especially "
            "emotionally. Tracking symptoms daily for two cycles helps a doctor tell them apart, and there "
            "are effective treatments for both.",
        ),
    ),
    T(
        "pms-breasts",
        "pms",
        (
            "My breasts get sore before my period, is that PMS?",
            "Why are my breasts tender the week before my period?",
        ),
        (
            "Breast tenderness before a period is a common premenstrual symptom caused by hormone changes, "
            "and it usually eases once bleeding starts. A well-fitting supportive bra and reducing caffeine "
            "may help. See a doctor about any lump, nipple discharge, or pain in one specific spot that "
            "doesn't follow your cycle.",
            "Yes, cyclical breast soreness is very common before a period. If the pain is only in one area, "
            "doesn't change with your cycle, or you notice a lump, get it checked by a clinician.",
        ),
    ),
    T(
        "pms-timing",
        "pms",
        ("When does PMS usually start?", "How many days before my period does PMS start?"),
        (
            "PMS symptoms typically start between a few days and two weeks before your period, after "
            "ovulation, and ease within a few days of your period starting. If symptoms continue all month, "
            "something other than PMS may be going on, so it's worth talking to a doctor.",
            "Usually in the one to two weeks before your period. Keeping a symptom diary shows your own "
            "timing, which helps you plan and helps a clinician if you need support.",
        ),
    ),
    T(
        "pms-age",
        "pms",
        ("Can PMS get worse as I get older?", "I'm {older_age} and my PMS is worse than ever. Why?"),
        (
            "Yes, PMS can change over time and often gets more noticeable in your late 30s and 40s as "
            "hormone levels become more variable in perimenopause. Tracking symptoms helps, and a doctor can "
            "talk through options, including treatment for perimenopausal symptoms if they fit the picture.",
            "It's common for PMS to feel stronger with age, especially as perimenopause approaches. You don't "
            "have to just put up with it: speak to a clinician about what's changed.",
        ),
    ),
    T(
        "pms-acne",
        "pms",
        ("Why do I get spots the week before my period?", "Is premenstrual acne normal?"),
        (
            "Yes. Hormone changes before your period can increase oil production in the skin, leading to "
            "breakouts, often around the chin and jaw. A gentle skincare routine and non-comedogenic products "
            "help. If acne is severe or leaves scars, a doctor can suggest treatments.",
            "Premenstrual breakouts are very common. Cleansing gently and not picking helps; persistent or "
            "painful acne, especially with irregular periods or extra hair growth, is worth checking with a "
            "doctor as it can be linked to PCOS.",
        ),
    ),
)

CRAMPS_PAIN: Final = (
    T(
        "cramps-relief",
        "cramps_pain",
        (
            "What helps with period cramps?",
            "How can I get rid of cramps fast?",
            "what helps period pain",
        ),
        (
            "Heat on your lower tummy or back, gentle exercise like walking or stretching, and anti-"
            "inflammatory painkillers such as ibuprofen or naproxen (taken with food, if they're safe for "
            "you) work well for most people. Hormonal contraception can also reduce period pain. If the pain "
            "stops you from doing normal things or painkillers don't help, please see a doctor.",
            "A heating pad or warm bath, light exercise, and ibuprofen taken as soon as the pain starts are "
            "the most effective self-care options. Period pain that is severe or getting worse is not "
            "something you have to live with, and a clinician can look for causes like endometriosis.",
        ),
    ),
    T(
        "cramps-ibuprofen",
        "cramps_pain",
        (
            "When should I take ibuprofen for cramps?",
            "Is it okay to take painkillers for period pain every month?",
        ),
        (
            "Ibuprofen works best if you take it as soon as cramps or bleeding start, or even the day before "
            "if your periods are predictable, and keep taking it regularly for a day or two. Take it with "
            "food and follow the dose on the pack. Check with a pharmacist first if you have asthma, stomach "
            "ulcers, kidney problems or are pregnant.",
            "Using painkillers for a few days each month is fine for most people when taken as directed. "
            "Anti-inflammatories like ibuprofen tend to work better than paracetamol for cramps. If you need "
            "them for more than a few days or they don't help, see a doctor.",
        ),
    ),
    T(
        "cramps-vomit",
        "cramps_pain",
        (
            "Is it normal for period pain to make me throw up?",
            "My cramps are so bad I feel sick and nearly faint. What should I do?",
        ),
        (
            "Some nausea with period pain can happen, but pain severe enough to make you vomit or nearly "
            "faint isn't something to ignore. Please see a doctor, who can check for conditions such as "
            "endometriosis or adenomyosis and offer stronger treatment. If you have sudden severe pain, "
            "fever, or could be pregnant, get urgent medical help.",
            "That level of pain deserves medical attention. A doctor can help with better pain relief and "
            "look for underlying causes. Seek urgent care if the pain is sudden and severe, or you have "
            "fever, fainting or a positive pregnancy test.",
        ),
    ),
    T(
        "cramps-endometriosis",
        "cramps_pain",
        (
            "What are the signs of endometriosis?",
            "Could my period pain be endometriosis?",
            "how do i know if i have endometriosis",
        ),
        (
            "Endometriosis is when tissue similar to the lining of the womb grows elsewhere, usually in the "
            "pelvis. Common signs are period pain that stops you from doing normal activities, pain during "
            "or after sex, pain when going to the toilet during your period, and difficulty getting "
            "pregnant. It can take time to diagnose, so keep a symptom diary and ask your doctor about it "
            "directly.",
            "Severe period pain that painkillers don't control, pain with sex, bowel or bladder pain around "
            "your period and fertility problems can all point to endometriosis. Only a clinician can "
            "diagnose it, and treatments are available, so please see a doctor and describe how the pain "
            "affects your life.",
        ),
    ),
    T(
        "cramps-back",
        "cramps_pain",
        ("Why do I get lower back pain during my period?", "Is back ache normal on my period?"),
        (
            "Period cramps come from the womb contracting, and the pain often spreads to the lower back and "
            "thighs. Heat, gentle stretching and anti-inflammatory painkillers usually help. Back pain with "
            "fever, pain when peeing, or pain that continues after your period should be checked by a "
            "doctor.",
            "Yes, lower back ache is a common part of period pain. A warm pad on your back, movement and "
            "ibuprofen can help. If it's severe or doesn't match your cycle, see a clinician.",
        ),
    ),
    T(
        "cramps-heat",
        "cramps_pain",
        ("Does a heating pad really help cramps?", "Is a hot water bottle good for period pain?"),
        (
            "Yes. Studies show that heat on the lower tummy can ease period pain about as well as some "
            "painkillers, by relaxing the muscles. Use a covered hot water bottle or heating pad and check "
            "your skin regularly to avoid burns.",
            "Heat is one of the best-evidenced home remedies for cramps. Wrap the hot water bottle or pad "
            "in a cloth and don't fall asleep on it. Combine it with ibuprofen if you need more relief.",
        ),
    ),
    T(
        "cramps-worse",
        "cramps_pain",
        (
            "Why are my cramps worse than they used to be?",
            "My period pain has been getting worse over the last {months} months. Should I worry?",
        ),
        (
            "Period pain that gets worse over time, or starts later in life, can have a cause such as "
            "fibroids, adenomyosis, endometriosis or an infection. It's worth seeing a doctor, who may "
            "suggest an examination or scan. Get urgent help for sudden severe pain or pain with fever.",
            "A change in your usual pattern is a good reason to get checked, even if the pain is manageable. "
            "Keep notes on when it happens and how strong it is, and share them with a clinician.",
        ),
    ),
    T(
        "cramps-no-period",
        "cramps_pain",
        ("Can I get cramps without a period?", "Why do I have cramps but no period?"),
        (
            "Yes. Cramping can come from ovulation, digestive issues, constipation, early pregnancy or "
            "conditions such as endometriosis or ovarian cysts. If your period is late, take a pregnancy "
            "test. Sudden or severe pain, especially on one side, with bleeding, fever or feeling faint, "
            "needs urgent medical care.",
            "Mild cramps without a period are often due to ovulation or your gut. If they keep happening, "
            "are severe, or you might be pregnant, please see a doctor.",
        ),
    ),
    T(
        "cramps-school",
        "cramps_pain",
        (
            "I'm {age} and my period pain stops me going to work. Is that normal?",
            "My cramps are so bad I miss school. What can I do?",
        ),
        (
            "Period pain that makes you miss school or work is not something you should have to put up with. "
            "Regular anti-inflammatory painkillers from the start of your period and heat help many people, "
            "and hormonal treatments can reduce pain a lot. Please see a doctor, who can also check for "
            "conditions like endometriosis.",
            "That's more than typical period pain, and you deserve proper help. A doctor can suggest "
            "stronger or hormonal treatment and look for causes. In the meantime, heat and ibuprofen taken "
            "early usually work better than waiting until the pain peaks.",
        ),
    ),
)

FOLLOWUPS: Final = (
    T(
        "pms-followup-diary",
        "pms",
        ("How should I track my PMS symptoms?", "Thanks. What's the best way to keep a PMS diary?"),
        (
            "Each day, rate your main symptoms such as mood, bloating, breast tenderness and sleep from 0 "
            "to 3, and mark your period days. After two cycles you'll see whether symptoms cluster before "
            "your period, which is useful to show a clinician.",
            "A simple daily note of symptoms and their severity, alongside your period dates, is enough. "
            "Many tracking apps have a symptom log built in.",
        ),
        followup=True,
    ),
    T(
        "cramps-followup-doctor",
        "cramps_pain",
        (
            "When should I see a doctor about period pain?",
            "Okay. At what point is the pain worth seeing someone about?",
        ),
        (
            "See a doctor if the pain stops you from doing normal activities, painkillers don't help, it's "
            "getting worse, or you have pain with sex, bleeding between periods or heavy bleeding. Get "
            "urgent help for sudden severe pain, fever or fainting.",
            "Whenever the pain affects your daily life or changes from your usual pattern. You don't need "
            "to wait until it's unbearable: a clinician can help at any stage.",
        ),
        followup=True,
    ),
)

TEMPLATES: Final = PMS + CRAMPS_PAIN + FOLLOWUPS
