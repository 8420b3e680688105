"""Demo templates for the `period` and `cycle_tracking` topics.

In: nothing. Out: `TEMPLATES`, hand-written questions and clinically sound answers (see `base.Template`).
"""

from __future__ import annotations

from typing import Final

from core.demo.content.base import Template

T = Template

PERIOD: Final = (
    T(
        "period-length",
        "period",
        (
            "How long does a normal period last?",
            "Is it normal for my period to last {period_days} days?",
            "My periods usually last about {period_days} days. Is that okay?",
            "how many days should a period last",
        ),
        (
            "Most periods last between 2 and 7 days, so {period_days} days is within the usual range. "
            "Bleeding that regularly lasts longer than 7 days, or is so heavy that you soak a pad or tampon "
            "every hour or two, is worth discussing with a doctor or nurse.",
            "A period of anywhere from 2 to 7 days is typical, and {period_days} days fits comfortably in "
            "that range. What matters most is what is normal for you: if your periods suddenly get much "
            "longer or heavier, it's a good idea to get checked by a clinician.",
        ),
    ),
    T(
        "period-heavy",
        "period",
        (
            "How do I know if my period is too heavy?",
            "I have to change my pad every hour on my heaviest day. Is that heavy bleeding?",
            "What counts as a heavy period?",
        ),
        (
            "Signs of heavy menstrual bleeding include soaking through a pad or tampon every 1-2 hours for "
            "several hours in a row, needing to double up on protection, passing clots bigger than about "
            "2.5 cm, bleeding for more than 7 days, or feeling tired and breathless. Heavy periods are common "
            "and treatable, and they can lead to low iron, so please see a doctor. If you feel faint or "
            "dizzy, get medical help straight away.",
            "Doctors usually call a period heavy when it gets in the way of daily life: changing protection "
            "every hour or two, leaking at night, large clots, or bleeding longer than a week. It's worth "
            "booking an appointment, because a blood test can check for anaemia and there are effective "
            "treatments. Seek urgent care if you feel lightheaded or your heart is racing.",
        ),
    ),
    T(
        "period-late",
        "period",
        (
            "My period is {late_days} days late. Should I be worried?",
            "Why is my period late if I'm not pregnant?",
            "I missed my period this month, what could cause that?",
        ),
        (
            "A period that is a few days late is very common. If there's any chance you could be pregnant, "
            "a home pregnancy test is the first step. Other common causes are stress, illness, travel, "
            "changes in weight or exercise, and conditions such as PCOS or thyroid problems. If your test is "
            "negative and your period still hasn't come after three months, or you have other symptoms, "
            "please see a doctor.",
            "Cycles can shift by several days, especially after stress, illness or a change in routine. If "
            "you've had sex since your last period, take a pregnancy test. If it's negative, wait a week "
            "and test again if needed. Missing periods for three months in a row is a reason to see a "
            "clinician, who can look for causes like PCOS, thyroid issues or low body weight.",
        ),
    ),
    T(
        "period-clots",
        "period",
        (
            "Are blood clots during my period normal?",
            "I pass small clots on heavy days, is that okay?",
            "Why are there clots in my period blood?",
        ),
        (
            "Small clots, smaller than about a 2.5 cm coin, are common on heavier days: they form when blood "
            "collects in the uterus before it leaves the body. Clots that are larger than that, happen often, "
            "or come with very heavy bleeding can be a sign of fibroids or other conditions, so it's worth "
            "seeing a doctor about them.",
            "Yes, small clots now and then are a normal part of many periods. Let a doctor know if the clots "
            "are bigger than a coin, if you pass them every cycle, or if your periods have become heavier "
            "or more painful than they used to be.",
        ),
    ),
    T(
        "period-spotting",
        "period",
        (
            "Why am I spotting between periods?",
            "Is it normal to have light spotting in the middle of my cycle?",
            "I get brown spotting a week after my period ends. What does that mean?",
        ),
        (
            "Light spotting can happen around ovulation, in the first months of hormonal contraception, or "
            "when a pill is missed. It can also be caused by infections, polyps or, rarely, changes in the "
            "cervix, and it can be an early sign of pregnancy. If spotting keeps happening, follows sex, or "
            "comes with pain or unusual discharge, please see a clinician, and make sure your cervical "
            "screening is up to date.",
            "Occasional spotting between periods is often harmless, for example around ovulation or while "
            "your body adjusts to a new contraceptive. Bleeding that keeps coming back, happens after sex, or "
            "appears after the menopause should always be checked by a doctor or nurse.",
        ),
    ),
    T(
        "period-tampons",
        "period",
        (
            "How often should I change my tampon?",
            "Is it safe to sleep with a tampon in?",
            "How long can I leave tampons in?",
        ),
        (
            "Change tampons every 4 to 8 hours and never leave one in for more than 8 hours. Use the lowest "
            "absorbency that handles your flow. Sleeping with a tampon is fine if you put in a fresh one at "
            "bedtime and remove it when you wake up. Toxic shock syndrome is rare but serious: if you get a "
            "sudden fever, a rash, vomiting or feel faint while using tampons, remove the tampon and get "
            "medical help urgently.",
            "Every 4-8 hours is the usual advice, using the lightest absorbency you need. If you sleep longer "
            "than 8 hours, a pad or period underwear overnight is a good option. Seek urgent care for a "
            "high temperature, a sunburn-like rash or dizziness while using a tampon.",
        ),
    ),
    T(
        "period-cup",
        "period",
        (
            "How do menstrual cups work?",
            "Is a menstrual cup better than tampons?",
            "How often do I need to empty a menstrual cup?",
        ),
        (
            "A menstrual cup is a soft silicone cup that sits low in the vagina and collects blood instead "
            "of absorbing it. Most can be worn for up to 12 hours, depending on your flow, then emptied, "
            "rinsed and reinserted; sterilise it in boiling water between periods. Cups are reusable and "
            "cheaper over time. Whether they are better than tampons is personal preference, and it can take "
            "a few cycles to get comfortable with inserting and removing one.",
            "Cups collect rather than absorb, can usually stay in for up to 12 hours, and last for years. "
            "Some people love them, others prefer tampons or pads. Choose a size that suits you, wash your "
            "hands before handling it, and if you have an IUD, ask your clinician first and break the seal "
            "gently before removing the cup.",
        ),
    ),
    T(
        "period-first",
        "period",
        (
            "My daughter is {teen_age} and hasn't started her period yet. Is that normal?",
            "When do girls usually get their first period?",
            "At what age do periods normally start?",
        ),
        (
            "First periods usually start between the ages of 10 and 16, most often around 12, about two "
            "years after breasts start to develop. So at {teen_age}, not having started yet is very likely "
            "normal. It's worth seeing a doctor if there are no periods by 15, or no signs of puberty by 13.",
            "Anywhere from about 10 to 16 is normal for a first period, so there's usually no need to worry "
            "at {teen_age}. A doctor can check things if periods haven't started by 15, or if there are no "
            "other signs of puberty by 13. It may help to have pads ready and talk through what to expect.",
        ),
    ),
    T(
        "period-colour",
        "period",
        (
            "Why is my period blood brown at the start?",
            "What does dark or brown period blood mean?",
            "Is it normal for my period to change colour?",
        ),
        (
            "Brown or dark blood is usually older blood that has taken longer to leave the body, which is "
            "common at the start and end of a period. Bright red blood is typical on heavier days. Grey "
            "discharge, a strong unpleasant smell, itching or fever can point to an infection, so see a "
            "clinician if you notice those.",
            "Colour changes through a period are normal: brown at the beginning or end, brighter red when "
            "the flow is heavier. Talk to a doctor or nurse if the colour comes with a bad smell, "
            "pain, fever or bleeding that doesn't match your usual pattern.",
        ),
    ),
    T(
        "period-exercise",
        "period",
        (
            "Can I go swimming on my period?",
            "Is it okay to exercise during my period?",
            "Should I skip the gym when I'm on my period?",
        ),
        (
            "Yes, you can swim and exercise during your period. A tampon, cup or period swimwear works well "
            "for swimming. Gentle movement can even ease cramps and lift your mood. Listen to your body: if "
            "you feel very tired, lighter exercise is fine. Feeling faint or breathless with heavy bleeding "
            "is a reason to check in with a doctor.",
            "There's no medical reason to avoid exercise or swimming on your period. Many people find it "
            "helps with bloating and cramps. Choose protection you feel comfortable moving in, drink enough "
            "water, and take it easier on days when you feel low on energy.",
        ),
    ),
    T(
        "period-tired",
        "period",
        (
            "Why do I feel so tired during my period?",
            "I feel exhausted every time I have my period. Is that normal?",
        ),
        (
            "Feeling a bit more tired around your period is common, because of hormone changes, disturbed "
            "sleep and cramps. But heavy periods can also lower your iron and lead to anaemia, which causes "
            "tiredness, breathlessness and pale skin. If the tiredness is severe or your periods are heavy, "
            "a doctor can do a simple blood test to check your iron.",
            "Some tiredness is normal, but exhaustion every cycle deserves a look. Iron-rich foods, rest and "
            "gentle exercise can help. If your periods are heavy or you feel breathless or dizzy, please see "
            "a doctor: low iron is common and easy to test for and treat.",
        ),
    ),
)

CYCLE_TRACKING: Final = (
    T(
        "cycle-normal-length",
        "cycle_tracking",
        (
            "What is a normal cycle length?",
            "Is a {cycle}-day cycle normal?",
            "My cycle is {cycle} days long. Is that regular?",
        ),
        (
            "For adults, a cycle anywhere from 21 to 35 days long is considered normal, so a {cycle}-day "
            "cycle is within the typical range. It's also normal for the length to vary by a few days from "
            "one month to the next. If your cycle is often shorter than 21 days or longer than 35, or varies "
            "a lot, it's worth mentioning to a doctor.",
            "Only a minority of people have exactly 28-day cycles. Anything from 21 to 35 days is typical "
            "for adults, and a {cycle}-day cycle fits well within that. Keep tracking: what matters most is "
            "your own pattern and any big changes to it.",
        ),
    ),
    T(
        "cycle-how-to-count",
        "cycle_tracking",
        (
            "How do I calculate my cycle length?",
            "Which day should I count as day one when tracking my cycle?",
            "how do I work out my cycle length",
        ),
        (
            "Day 1 of your cycle is the first day of real bleeding (not spotting). Your cycle length is the "
            "number of days from one day 1 to the day before the next one starts. Tracking a few cycles and "
            "taking the average gives you a good picture of your pattern.",
            "Count the first day of your period, when you need a pad, tampon or cup, as day 1. The cycle "
            "ends the day before your next period starts. Logging this for three to six cycles shows your "
            "typical length and how much it varies.",
        ),
    ),
    T(
        "cycle-irregular",
        "cycle_tracking",
        (
            "Why is my cycle irregular?",
            "My cycle has been irregular for {months} months. What could be causing it?",
            "What makes periods irregular?",
        ),
        (
            "Irregular cycles have many causes: stress, illness, big changes in weight or exercise, starting "
            "or stopping hormonal contraception, breastfeeding, thyroid problems, PCOS, and perimenopause in "
            "your 40s. Cycles are also often irregular in the first years after periods start. If your "
            "cycle has been irregular for {months} months or more, please see a doctor so they can look "
            "for a cause.",
            "A cycle is usually called irregular when its length changes by more than about 7-9 days from "
            "month to month. Common reasons include stress, weight changes, intense exercise, PCOS and "
            "thyroid conditions. Keep tracking your dates and share them with a clinician: {months} months "
            "of irregular cycles is a good reason for a check-up.",
        ),
    ),
    T(
        "cycle-app-accuracy",
        "cycle_tracking",
        (
            "How accurate are period tracking apps?",
            "My app predicted my period for today but nothing happened. Why?",
            "Can I trust my app predictions for my next period?",
        ),
        (
            "Tracking apps estimate your next period from the average of your past cycles, so they are only "
            "as accurate as your cycles are regular. Being a few days off is normal. App predictions of your "
            "fertile days are estimates too, and shouldn't be relied on as contraception unless you're using "
            "a method designed and tested for that.",
            "An app's prediction is an educated guess based on your history. Cycles naturally vary, so a "
            "period arriving a few days early or late is common. If it's much later than usual and you "
            "could be pregnant, take a test; if cycles keep changing, mention it to a doctor.",
        ),
    ),
    T(
        "cycle-what-to-log",
        "cycle_tracking",
        (
            "What should I log in my cycle tracker?",
            "What's worth tracking besides my period dates?",
            "What should I write down when I track my cycle?",
        ),
        (
            "Besides start and end dates, it helps to log how heavy the flow is, pain and where it is, mood, "
            "sleep, discharge, spotting between periods, and any medication. If you're trying to conceive or "
            "avoid pregnancy, temperature and cervical mucus are useful too. A few months of notes make "
            "conversations with your doctor much easier.",
            "Useful things to track are: period dates, flow (light, medium, heavy), pain, mood, energy, "
            "spotting, and anything unusual. Patterns often only appear after three or more cycles, and "
            "your notes help a clinician if you ever need to get something checked.",
        ),
    ),
    T(
        "cycle-varies",
        "cycle_tracking",
        (
            "My cycles vary between 26 and 31 days. Is that irregular?",
            "Is it normal that my cycle length changes every month?",
            "my cycle is different every month, is that bad",
        ),
        (
            "Some variation is completely normal. A difference of up to 7-9 days between your shortest and "
            "longest cycles is generally still considered regular, so cycles of 26 to 31 days are fine. If "
            "the length swings by more than that, or periods stop for months, see a clinician.",
            "Cycles are rarely the same length every time. A few days' difference is expected and can be "
            "caused by stress, sleep or travel. Keep tracking, and talk to a doctor if the differences are "
            "large or you have other symptoms like very heavy or painful periods.",
        ),
    ),
    T(
        "cycle-travel",
        "cycle_tracking",
        (
            "Can travelling or jet lag affect my cycle?",
            "Can a busy month throw off my cycle?",
            "Why was my cycle longer after I changed my routine?",
        ),
        (
            "Yes. Travel, jet lag, shift work, illness and big changes in routine can delay ovulation, and "
            "that makes the cycle longer and the period later. Usually the next cycle goes back to normal. "
            "If changes continue for several months, it's worth talking to a doctor.",
            "The hormones that control your cycle respond to sleep, stress and routine, so one unusually "
            "long or short cycle after a disruption is common. Keep tracking to see whether it settles. "
            "If it doesn't after two or three cycles, a clinician can check for other causes.",
        ),
    ),
    T(
        "cycle-how-long-track",
        "cycle_tracking",
        (
            "How many cycles should I track before I see a pattern?",
            "How long do I need to track my cycle before it's useful?",
        ),
        (
            "Three to six cycles usually give you a reliable picture of your average cycle length, how much "
            "it varies, and when symptoms tend to appear. The longer you track, the better predictions get.",
            "Try to track for at least three cycles; six is even better. That's usually enough to see your "
            "typical cycle length and any recurring symptoms, and it gives a clinician useful information "
            "if you ever need advice.",
        ),
    ),
    T(
        "cycle-calendar",
        "cycle_tracking",
        (
            "Can I track my cycle with a calendar instead of an app?",
            "Do I need an app or can I use a paper calendar to log my period?",
        ),
        (
            "A paper calendar or diary works perfectly well. Mark the first day of each period, note how "
            "heavy it is and any symptoms, and count the days between period start dates. Apps just do the "
            "counting for you, and some people prefer a calendar for privacy.",
            "Absolutely. Mark day 1 of each period, jot down flow and symptoms, and you'll have the same "
            "information an app would use. Bring it along if you see a doctor about your cycle.",
        ),
    ),
    T(
        "cycle-after-pill",
        "cycle_tracking",
        (
            "Will my cycle be irregular after stopping the pill?",
            "How long does it take for my cycle to settle after coming off birth control?",
        ),
        (
            "After stopping hormonal contraception, many people get a period within about a month, but "
            "cycles can be irregular for a few months while your own hormones take over again. If you "
            "haven't had a period within three months of stopping, see a doctor. Remember that you can get "
            "pregnant straight away, even before your cycle settles.",
            "Cycles often take one to three months to settle after the pill, and the pill may have been "
            "masking irregular cycles you had before. Track your dates, use other contraception if you "
            "don't want to get pregnant, and talk to a clinician if periods don't return within three months.",
        ),
    ),
    T(
        "cycle-shorter-age",
        "cycle_tracking",
        (
            "I'm {older_age} and my cycle is getting shorter. Is that normal?",
            "Why has my cycle become shorter as I've got older?",
        ),
        (
            "Cycles often get a little shorter in your late 30s and 40s as hormone levels begin to change, "
            "and this can be an early sign of perimenopause. It's usually not a cause for concern, but see "
            "a doctor if cycles become shorter than 21 days, periods become very heavy, or you bleed "
            "between periods.",
            "A gradually shorter cycle is a common change with age. Keep tracking so you can spot patterns, "
            "and check in with a clinician if the change is sudden, your periods are much heavier, or you "
            "notice bleeding after sex or between periods.",
        ),
    ),
)

FOLLOWUPS: Final = (
    T(
        "period-followup-doctor",
        "period",
        (
            "Thanks. When should I see a doctor about my period?",
            "Okay, and at what point should I get my period checked?",
        ),
        (
            "See a doctor if your periods are very heavy, last longer than 7 days, are very painful, stop "
            "for three months or more, or if you bleed between periods, after sex or after the menopause. "
            "Get urgent help if you feel faint or are bleeding very heavily.",
            "It's worth booking an appointment if your period changes noticeably from your usual pattern, "
            "gets in the way of daily life, or comes with dizziness or severe pain. You never need a "
            "perfect reason: if something worries you, a clinician is happy to check.",
        ),
        followup=True,
    ),
    T(
        "cycle-followup-share",
        "cycle_tracking",
        (
            "Should I show my tracking notes to my doctor?",
            "Is it worth bringing my cycle app to an appointment?",
        ),
        (
            "Yes, please do. Dates, flow, pain and symptom notes from your tracking help a clinician see "
            "patterns quickly and can shorten the path to a diagnosis.",
            "Definitely. A few months of tracking data is one of the most useful things you can bring to an "
            "appointment about your cycle.",
        ),
        followup=True,
    ),
)

TEMPLATES: Final = PERIOD + CYCLE_TRACKING + FOLLOWUPS
