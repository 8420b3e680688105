"""Demo templates for the `ovulation` and `fertility` topics.

In: nothing. Out: `TEMPLATES`, hand-written questions and clinically sound answers (see `base.Template`).
"""

from __future__ import annotations

from typing import Final

from core.demo.content.base import Template

T = Template

OVULATION: Final = (
    T(
        "ovulation-when",
        "ovulation",
        (
            "When do I ovulate if my cycle is {cycle} days?",
            "When am I most likely to ovulate?",
            "I have a {cycle}-day cycle. What day do I ovulate?",
        ),
        (
            "Ovulation usually happens about 12 to 16 days before your next period starts, not always on "
            "day 14. With a {cycle}-day cycle that's most likely around day {ov_day}, give or take a couple "
            "of days. Ovulation tests or tracking your temperature and cervical mucus can help you pinpoint "
            "it for your own body.",
            "Counting back about 14 days from your next expected period gives a rough estimate: for a "
            "{cycle}-day cycle, around day {ov_day}. The exact day can shift from cycle to cycle, so "
            "treat it as a window rather than a date.",
        ),
    ),
    T(
        "ovulation-signs",
        "ovulation",
        (
            "What are the signs of ovulation?",
            "How can I tell when I'm ovulating?",
            "how do i know if im ovulating",
        ),
        (
            "Common signs include clear, slippery, stretchy cervical mucus (like raw egg white), a mild "
            "ache on one side of the lower tummy, a higher sex drive and sometimes breast tenderness. Your "
            "basal body temperature rises slightly after ovulation, and urine ovulation tests detect the "
            "hormone surge that comes just before it.",
            "Your body gives a few clues: wetter, stretchy cervical mucus in the days before ovulation, "
            "sometimes a twinge of one-sided pain, and a small rise in resting temperature afterwards. "
            "Combining two signs, for example mucus and an ovulation test, gives the clearest picture.",
        ),
    ),
    T(
        "ovulation-tests",
        "ovulation",
        (
            "How do ovulation tests work?",
            "When should I start using ovulation tests?",
            "Are ovulation kits accurate?",
        ),
        (
            "Ovulation tests detect the surge of luteinising hormone (LH) in your urine, which happens about "
            "24 to 36 hours before ovulation. Start testing a few days before you expect to ovulate, at about "
            "the same time each day. They are fairly reliable, but can be harder to read if you have PCOS "
            "or are near the menopause.",
            "They look for the LH surge that triggers ovulation. A positive test means ovulation is likely in "
            "the next day or two, which are your most fertile days. If you never get a positive result over "
            "several cycles, it's worth talking to a doctor.",
        ),
    ),
    T(
        "ovulation-pain",
        "ovulation",
        (
            "Is it normal to have pain on one side when I ovulate?",
            "Why do I get a sharp twinge mid-cycle around ovulation?",
        ),
        (
            "Yes, this is called mittelschmerz, or ovulation pain. It's a mild ache or twinge on one side of "
            "the lower tummy that lasts from a few minutes to a day or two. Heat and simple painkillers can "
            "help. Severe pain, pain that lasts longer, fever or pain with a missed period should be checked "
            "by a doctor urgently.",
            "Many people feel a brief one-sided ache when an egg is released; it's usually harmless. See a "
            "clinician if the pain is severe, lasts more than a couple of days, or comes with fever, vomiting "
            "or unusual bleeding.",
        ),
    ),
    T(
        "ovulation-window",
        "ovulation",
        (
            "How long does the fertile window last?",
            "How many days around ovulation can I get pregnant?",
        ),
        (
            "The fertile window is about six days: the five days before ovulation and the day of ovulation "
            "itself. Sperm can survive for up to five days, while the egg lives for about 12 to 24 hours, so "
            "the two or three days before ovulation are the most fertile.",
            "Roughly six days each cycle, ending on the day you ovulate. Because cycles vary, the window "
            "moves too, so tracking signs like cervical mucus helps more than counting days alone.",
        ),
    ),
    T(
        "ovulation-mucus",
        "ovulation",
        (
            "What does cervical mucus look like around ovulation?",
            "How does discharge change before I ovulate?",
        ),
        (
            "After your period, discharge is often dry or sticky, then becomes creamier. In the days before "
            "ovulation it turns clear, wet and stretchy, like raw egg white, which helps sperm travel. After "
            "ovulation it becomes thicker again. Discharge that smells bad, itches or is green or grey may "
            "mean an infection, so get that checked.",
            "Fertile cervical mucus is clear, slippery and stretches between your fingers. Seeing it means "
            "ovulation is likely close. If your discharge changes colour, smells unpleasant or causes "
            "itching, see a nurse or doctor.",
        ),
    ),
    T(
        "ovulation-bbt",
        "ovulation",
        (
            "How do I use basal body temperature to confirm ovulation?",
            "Does my temperature go up after ovulation?",
        ),
        (
            "Take your temperature every morning before getting up, at the same time, with a sensitive "
            "thermometer. After ovulation it rises by about 0.2-0.5°C and stays higher until your period. "
            "A sustained rise for three days suggests you have ovulated. It confirms ovulation after the "
            "fact, so it's most useful for learning your pattern over several cycles.",
            "Yes: progesterone released after ovulation raises your resting temperature slightly. Charting "
            "it daily shows a shift that confirms ovulation has happened. Illness, alcohol and poor sleep "
            "can affect readings.",
        ),
    ),
    T(
        "ovulation-irregular",
        "ovulation",
        (
            "Can I still ovulate with irregular periods?",
            "Do I ovulate every month?",
            "Is it possible to not ovulate in a cycle?",
        ),
        (
            "Yes, many people with irregular cycles still ovulate, just not on a predictable day. Occasional "
            "cycles without ovulation are also normal, especially when you're stressed, unwell or near the "
            "start or end of your reproductive years. Frequent cycles without ovulation can be linked to PCOS "
            "or thyroid problems, so see a doctor if your cycles are often very long or unpredictable.",
            "Most cycles include ovulation, but an occasional cycle without it is normal. If your cycles are "
            "often longer than 35 days or very irregular, a clinician can check whether you're ovulating "
            "with a simple blood test.",
        ),
    ),
    T(
        "ovulation-twice",
        "ovulation",
        ("Can I ovulate twice in one cycle?", "Is it possible to release two eggs when I ovulate?"),
        (
            "You can release more than one egg, but this happens within the same ovulation window, which is "
            "how non-identical twins happen. Separate ovulations days or weeks apart in the same cycle "
            "don't normally occur.",
            "Sometimes two eggs are released around the same time, within about 24 hours. That's different "
            "from ovulating twice at different points in a cycle, which isn't thought to happen.",
        ),
    ),
)

FERTILITY: Final = (
    T(
        "fertility-how-long",
        "fertility",
        (
            "How long does it usually take to conceive?",
            "We've been trying to conceive for {ttc_months} months. Is that normal?",
            "how long does it take to conceive on average",
        ),
        (
            "Most couples conceive within a year of regular unprotected sex, and many within six months, so "
            "{ttc_months} months without success is still common. If you're under 35 and haven't conceived "
            "after 12 months, or 35 or older after 6 months, see a doctor. See one sooner if you have "
            "irregular periods, known health conditions or a history of pelvic infections.",
            "About 8 in 10 couples conceive within a year of trying. Having sex every two to three days "
            "through the cycle gives good chances. Take folic acid, and talk to a doctor after a year of "
            "trying, or after six months if you're 35 or over.",
        ),
    ),
    T(
        "fertility-timing",
        "fertility",
        (
            "When is the best time to have sex if we're trying to conceive?",
            "How often should we have sex when trying to get pregnant?",
        ),
        (
            "The most fertile days are the two or three days before ovulation and the day of ovulation. "
            "Having sex every two to three days throughout your cycle covers the fertile window without the "
            "stress of timing it exactly. Ovulation tests can help if you prefer to focus on certain days.",
            "Sex every two or three days is usually recommended, since sperm can survive up to five days. "
            "If you'd like to time it, aim for the days when your cervical mucus is clear and stretchy or "
            "your ovulation test turns positive.",
        ),
    ),
    T(
        "fertility-age",
        "fertility",
        (
            "Does fertility really drop after 35?",
            "I'm {older_age}. How much has my fertility changed?",
        ),
        (
            "Fertility declines gradually with age, and the decline speeds up after about 35 as the number "
            "and quality of eggs falls. Many people still conceive naturally in their late 30s and 40s, but "
            "it may take longer and the risk of miscarriage rises. If you're over 35 and have been trying "
            "for six months, a doctor can arrange fertility tests.",
            "Fertility does fall with age, more noticeably after 35, but it doesn't drop off a cliff on a "
            "birthday. If you're planning a pregnancy, a clinician can talk through your options and check "
            "things like ovulation and egg reserve.",
        ),
    ),
    T(
        "fertility-improve",
        "fertility",
        (
            "What can I do to improve my fertility?",
            "Are there ways to boost fertility naturally?",
        ),
        (
            "Helpful steps are: take 400 micrograms of folic acid daily, stop smoking, limit alcohol, aim "
            "for a healthy weight, stay active, and manage long-term conditions with your doctor. Your "
            "partner's health matters too, for example smoking and heat exposure affect sperm. Beware of "
            "expensive supplements that promise results without evidence.",
            "A balanced diet, regular exercise, not smoking, cutting down on alcohol and taking folic acid "
            "all support fertility. If you have irregular periods or have been trying for a while, a "
            "doctor can check for treatable causes.",
        ),
    ),
    T(
        "fertility-pcos",
        "fertility",
        ("Can PCOS affect fertility?", "I have PCOS. Will it be harder to conceive?"),
        (
            "PCOS can make ovulation irregular, which may make conceiving take longer, but many people with "
            "PCOS get pregnant, naturally or with help. Weight management, if relevant, and medicines that "
            "help you ovulate are effective. It's a good idea to talk to a doctor before or early in trying.",
            "It can, mainly because ovulation happens less often. Treatments to encourage ovulation work "
            "well for many people, so speak to your doctor, who can refer you to a fertility specialist if "
            "needed.",
        ),
    ),
    T(
        "fertility-after-pill",
        "fertility",
        (
            "Does the pill affect fertility after I stop taking it?",
            "Will being on contraception for years affect my fertility?",
        ),
        (
            "No, the pill doesn't harm long-term fertility. Most people can conceive within a few months of "
            "stopping. The contraceptive injection is the exception: fertility can take up to a year to "
            "return after the last injection. Start folic acid when you stop contraception if you're "
            "planning a pregnancy.",
            "Hormonal contraception doesn't reduce your fertility in the long run. Your natural cycle and "
            "fertility usually come back quickly after stopping, though it can take a few months to settle.",
        ),
    ),
    T(
        "fertility-folic",
        "fertility",
        (
            "Should I take folic acid before conceiving?",
            "When should I start folic acid if we're trying to conceive?",
        ),
        (
            "Yes. Take 400 micrograms of folic acid every day from at least three months before conception "
            "until 12 weeks of pregnancy; it lowers the risk of neural tube defects such as spina bifida. "
            "Some people need a higher dose, for example with diabetes, epilepsy medication or a higher BMI, "
            "so check with your doctor.",
            "Ideally start 400 micrograms daily as soon as you start trying, or before, and continue to 12 "
            "weeks of pregnancy. Ask a doctor or pharmacist whether you need a higher dose.",
        ),
    ),
    T(
        "fertility-stress",
        "fertility",
        ("Can stress cause infertility?", "Is stress stopping me from conceiving?"),
        (
            "Everyday stress is unlikely to cause infertility on its own, but severe stress can delay "
            "ovulation and make cycles irregular. Trying to conceive can itself be stressful, so support "
            "for your wellbeing matters. If you've been trying for a year, or six months over 35, a doctor "
            "can look for other causes.",
            "Stress can affect your cycle, but it's rarely the only reason for difficulty conceiving. Look "
            "after yourself, and speak to a clinician so that treatable causes aren't missed.",
        ),
    ),
    T(
        "fertility-partner",
        "fertility",
        (
            "Does my partner's health affect our chances of conceiving?",
            "Should my male partner get his fertility checked too?",
        ),
        (
            "Yes. Sperm problems contribute to around a third to a half of couples' difficulties "
            "conceiving. Smoking, heavy drinking, obesity, some medicines and overheating the testicles can "
            "lower sperm quality. When a couple seeks fertility tests, a semen analysis is usually one of "
            "the first steps.",
            "Fertility is a shared issue. A simple semen analysis is part of standard fertility testing, and "
            "healthy habits for both partners improve the chances of conceiving.",
        ),
    ),
)

FOLLOWUPS: Final = (
    T(
        "ovulation-followup-apps",
        "ovulation",
        (
            "Can my app tell me exactly when I ovulate?",
            "Thanks! Are app ovulation predictions reliable?",
        ),
        (
            "Apps estimate ovulation from past cycle dates, which can be off by several days. Ovulation "
            "tests, cervical mucus and temperature charting give you direct signs from your own body.",
            "They're a helpful starting point, but only an estimate. Combining the app with an ovulation "
            "test or mucus observations is much more precise.",
        ),
        followup=True,
    ),
    T(
        "fertility-followup-tests",
        "fertility",
        (
            "What fertility tests would a doctor do?",
            "Okay. What happens at a first fertility appointment?",
        ),
        (
            "Usually a blood test to check ovulation and hormones, sometimes an ultrasound scan, tests for "
            "infections, and a semen analysis for a male partner. The doctor will also ask about your "
            "cycle, health and how long you've been trying.",
            "Expect questions about your cycle and health, blood tests for hormones and ovulation, and a "
            "semen analysis for your partner. Depending on results, you may be referred to a fertility "
            "clinic for further tests.",
        ),
        followup=True,
    ),
)

TEMPLATES: Final = OVULATION + FERTILITY + FOLLOWUPS
