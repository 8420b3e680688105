"""Demo templates for the `contraception` and `pregnancy` topics.

In: nothing. Out: `TEMPLATES`, hand-written questions and clinically sound answers (see `base.Template`).
"""

from __future__ import annotations

from typing import Final

from core.demo.content.base import Template

T = Template

CONTRACEPTION: Final = (
    T(
        "contraception-missed-pill",
        "contraception",
        (
            "I missed a pill yesterday. What should I do?",
            "I forgot to take my birth control pill last night, am I still protected?",
            "missed my pill what do i do",
        ),
        (
            "For most combined pills, if you've missed one pill, take it as soon as you remember, even if "
            "that means two pills in one day, then carry on as normal; you're usually still protected. If "
            "you've missed two or more, or you take a progestogen-only pill and are more than 3 hours late "
            "(12 hours for some types), use condoms for 7 days and check whether you need emergency "
            "contraception. The leaflet in your pack or a pharmacist can confirm the rules for your pill.",
            "Take the missed pill now and the next one at the usual time. The rules depend on your type of "
            "pill and how many you've missed, so check your pill leaflet, and if you've had unprotected sex "
            "and are unsure, ask a pharmacist or sexual health clinic about emergency contraception today.",
        ),
    ),
    T(
        "contraception-emergency",
        "contraception",
        (
            "How effective is the morning after pill?",
            "How long after sex can I take the emergency pill?",
            "Does the morning after pill work if I take it the next day?",
        ),
        (
            "Emergency pills work best the sooner you take them. Levonorgestrel can be taken up to 72 hours "
            "after unprotected sex and ulipristal acetate up to 120 hours. A copper IUD fitted within 5 days "
            "is the most effective emergency option, at over 99%. Take a pregnancy test if your next period "
            "is more than a week late, and speak to a pharmacist or clinic about ongoing contraception.",
            "Yes, taking it the next day still works, but sooner is better. Pharmacies and sexual health "
            "clinics can supply it quickly and help you choose between the pill types and the copper coil, "
            "which is the most effective emergency method. Take only the dose you're given.",
        ),
    ),
    T(
        "contraception-implant",
        "contraception",
        ("What are the side effects of the implant?", "Is the contraceptive implant a good option?"),
        (
            "The implant is over 99% effective and lasts for three years. The most common side effect is a "
            "change in bleeding: periods may stop, become lighter, or become irregular or longer. Some "
            "people notice headaches, breast tenderness or skin changes. If bleeding bothers you, a "
            "clinician can suggest treatments or remove it at any time.",
            "It's one of the most effective methods and you don't have to remember anything day to day. "
            "Unpredictable bleeding is the main downside. Talk to a sexual health clinic or your doctor "
            "about whether it suits you.",
        ),
    ),
    T(
        "contraception-copper-iud",
        "contraception",
        ("Does the copper coil make periods heavier?", "Will a copper IUD change my periods?"),
        (
            "The copper IUD can make periods heavier, longer or more painful, especially in the first three "
            "to six months, and this often improves over time. It contains no hormones and works for 5 to "
            "10 years. If your periods become very heavy or painful, see your clinician: the hormonal coil "
            "usually makes periods lighter instead.",
            "Many people do notice heavier periods with a copper coil, mostly in the first months. If "
            "that's a problem for you, a clinician can discuss other methods such as the hormonal IUD.",
        ),
    ),
    T(
        "contraception-most-effective",
        "contraception",
        ("Which birth control is most effective?", "What's the most reliable contraception?"),
        (
            "Long-acting methods, the implant and the hormonal or copper IUD, are the most effective at over "
            "99%, because they don't depend on remembering anything. The pill, patch and ring are about 91% "
            "effective with typical use, and condoms about 82%, though condoms also protect against STIs. "
            "A clinician can help you find what suits your health and preferences.",
            "The implant and coils are the most effective options with typical use. The best method is one "
            "you're comfortable with and can use consistently, so talk it through with a doctor or clinic.",
        ),
    ),
    T(
        "contraception-antibiotics",
        "contraception",
        (
            "Can antibiotics stop the pill from working?",
            "Do any medicines make birth control less effective?",
        ),
        (
            "Most common antibiotics do not affect hormonal contraception. The exceptions are rifampicin and "
            "rifabutin. Some epilepsy medicines, some HIV medicines and St John's wort can also reduce the "
            "effect of the pill, patch, ring and implant. Vomiting within a few hours of taking a pill or "
            "severe diarrhoea can matter too. Always tell the prescriber you use contraception and ask a "
            "pharmacist if unsure.",
            "Standard antibiotics like amoxicillin don't interfere with the pill, but enzyme-inducing "
            "medicines do. Check with a pharmacist whenever you start a new medicine.",
        ),
    ),
    T(
        "contraception-skip-period",
        "contraception",
        (
            "Is it safe to skip my period with the pill?",
            "Can I take my pill packs back to back?",
        ),
        (
            "With the combined pill, taking packs back to back to skip the withdrawal bleed is considered "
            "safe for most people, and many guidelines now support it. You may get some breakthrough "
            "bleeding. It works differently for progestogen-only pills, so check with your prescriber or "
            "pharmacist for your specific pill.",
            "For most combined pills, yes. The monthly bleed on the pill isn't a true period, so skipping "
            "it isn't harmful. Ask your clinician or pharmacist if you're unsure about your pill type.",
        ),
    ),
    T(
        "contraception-withdrawal",
        "contraception",
        ("Is the withdrawal method reliable?", "How effective is pulling out as contraception?"),
        (
            "The withdrawal method is about 78-80% effective with typical use, so around one in five people "
            "relying on it becomes pregnant within a year. It doesn't protect against STIs. Combining it "
            "with condoms or choosing another method is much safer, and emergency contraception is "
            "available if you're worried.",
            "It's much less reliable than other methods. If you want to avoid pregnancy, consider condoms, "
            "the pill or a long-acting method, and speak to a clinic about what suits you.",
        ),
    ),
    T(
        "contraception-hormonal-iud",
        "contraception",
        ("How does the hormonal coil affect periods?", "Will the hormonal IUD stop my periods?"),
        (
            "The hormonal IUD usually makes periods lighter and less painful, and some people stop having "
            "them altogether, which is safe. Irregular spotting is common for the first three to six months. "
            "Depending on the type, it lasts three to eight years. It's also used to treat heavy periods.",
            "Many people find their periods become much lighter or stop, which isn't harmful. Expect some "
            "irregular bleeding in the first months, and contact your clinician if you have pain, fever or "
            "can't feel the threads.",
        ),
    ),
    T(
        "contraception-smoking",
        "contraception",
        (
            "I'm {older_age} and I smoke. Can I take the combined pill?",
            "Is the combined pill safe if I'm over 35 and smoke?",
        ),
        (
            "The combined pill isn't recommended if you're over 35 and smoke, because the oestrogen in it "
            "raises the risk of blood clots, heart attack and stroke, and smoking adds to that risk. "
            "Progestogen-only methods such as the mini pill, implant, injection or coil are good "
            "alternatives. Please talk to your doctor about switching, and about support to stop smoking.",
            "Over 35 and smoking, combined hormonal methods are generally not advised because of clot and "
            "stroke risk. A clinician can help you choose a safe progestogen-only or non-hormonal method.",
        ),
    ),
)

PREGNANCY: Final = (
    T(
        "pregnancy-test-when",
        "pregnancy",
        (
            "How soon can I take a pregnancy test?",
            "When should I take a pregnancy test after unprotected sex?",
            "how early can a pregnancy test work",
        ),
        (
            "Most home tests are reliable from the first day of your missed period. If you don't know when "
            "your period is due, test 21 days after the unprotected sex. Testing earlier can give a false "
            "negative, so if it's negative but your period still doesn't come, test again a few days later.",
            "Wait until the day your period is due, or three weeks after sex if your cycles are irregular. "
            "Use your first morning urine for the most concentrated sample. If you're unsure about the "
            "result, a doctor or clinic can help.",
        ),
    ),
    T(
        "pregnancy-early-signs",
        "pregnancy",
        ("What are the early signs of pregnancy?", "Could I be pregnant? What symptoms should I look for?"),
        (
            "Early signs include a missed period, sore or swollen breasts, tiredness, nausea, needing to pee "
            "more often and a metallic taste. Many of these overlap with PMS, so a pregnancy test after your "
            "period is due is the only reliable way to know.",
            "A missed period is the most reliable early sign; others are tiredness, nausea and breast "
            "tenderness. Take a test, and if it's positive contact your doctor or midwife to start antenatal "
            "care.",
        ),
    ),
    T(
        "pregnancy-implantation",
        "pregnancy",
        ("Is it implantation bleeding or my period?", "What does implantation bleeding look like?"),
        (
            "Implantation bleeding, if it happens, is usually light spotting that is pink or brown, lasts a "
            "day or two, and occurs around the time your period is due. A period is usually heavier and "
            "lasts longer. You can't tell for sure by looking, so take a pregnancy test a few days later.",
            "It tends to be much lighter and shorter than a period, often just spotting. A pregnancy test is "
            "the way to find out. If you have bleeding with one-sided pain and a positive test, get medical "
            "help urgently.",
        ),
    ),
    T(
        "pregnancy-morning-sickness",
        "pregnancy",
        (
            "I'm {weeks} weeks pregnant and have morning sickness all day. Is that normal?",
            "How can I cope with morning sickness?",
        ),
        (
            "Yes, 'morning' sickness often lasts all day and is very common in the first trimester, usually "
            "easing by 16 to 20 weeks. Small, frequent meals, plain snacks, sipping fluids and rest can help, "
            "and ginger works for some people. If you can't keep fluids down, are losing weight, or feel "
            "dizzy, contact your midwife or doctor, as you may have hyperemesis gravidarum, which needs "
            "treatment.",
            "All-day nausea is common at {weeks} weeks. Eat little and often and keep sipping water. Tell "
            "your midwife or doctor if you're vomiting many times a day or can't keep anything down; safe "
            "anti-sickness medicines are available.",
        ),
    ),
    T(
        "pregnancy-during-period",
        "pregnancy",
        ("Can I get pregnant on my period?", "Is it possible to get pregnant right after my period?"),
        (
            "It's unlikely but possible. Sperm can survive up to five days, so if you have a short cycle and "
            "ovulate early, sex at the end of your period can lead to pregnancy. If you want to avoid "
            "pregnancy, use contraception throughout your cycle.",
            "Yes, it can happen, especially with shorter cycles. There is no completely 'safe' time without "
            "contraception. Emergency contraception is available if you're worried.",
        ),
    ),
    T(
        "pregnancy-faint-line",
        "pregnancy",
        ("I got a faint positive test. Am I pregnant?", "Does a faint line on a pregnancy test count?"),
        (
            "A faint line usually does mean the test has detected pregnancy hormone, often because it's "
            "early. Repeat the test in two or three days with first morning urine: the line should get "
            "darker. Contact your doctor or midwife to confirm, and if you have pain or bleeding, seek "
            "advice promptly.",
            "In most cases yes, a faint positive is still a positive. Test again in a few days, and start "
            "taking folic acid if you aren't already. Your doctor or midwife can help with next steps.",
        ),
    ),
    T(
        "pregnancy-avoid",
        "pregnancy",
        (
            "What should I avoid in the first trimester?",
            "What foods should I avoid now that I'm pregnant?",
        ),
        (
            "Avoid alcohol and smoking, limit caffeine to 200 mg a day (about two mugs of instant coffee), "
            "and avoid unpasteurised dairy, raw or undercooked meat and eggs that aren't safety-marked, liver "
            "and vitamin A supplements, and high-mercury fish. Take folic acid until 12 weeks and vitamin D. "
            "Check any medicines with a pharmacist or doctor.",
            "The main things are no alcohol or smoking, less caffeine, and avoiding foods with a risk of "
            "listeria or too much vitamin A. Your midwife will give you a full list at your booking "
            "appointment.",
        ),
    ),
    T(
        "pregnancy-spotting",
        "pregnancy",
        (
            "Is spotting in early pregnancy a sign of miscarriage?",
            "I'm {weeks} weeks pregnant and noticed some light bleeding. Should I worry?",
        ),
        (
            "Light spotting in early pregnancy is common and often settles without any problem, but it should "
            "always be checked. Contact your midwife, doctor or early pregnancy unit. Seek emergency help if "
            "you have heavy bleeding, severe or one-sided tummy pain, shoulder-tip pain, or feel faint, as "
            "these can be signs of an ectopic pregnancy.",
            "Many people have some spotting and go on to have healthy pregnancies, but please let your "
            "midwife or early pregnancy service know today so they can advise you. Severe pain, heavy "
            "bleeding or dizziness need emergency care.",
        ),
    ),
    T(
        "pregnancy-miscarriage-period",
        "pregnancy",
        (
            "How long after a miscarriage will my period come back?",
            "When will my cycle return after a miscarriage?",
        ),
        (
            "Periods usually return four to six weeks after a miscarriage, though the first one may be "
            "heavier or different. You can ovulate before that first period. Please contact your doctor if "
            "you have heavy bleeding, fever, smelly discharge or no period after eight weeks. Support is "
            "available if you're finding things emotionally hard.",
            "Usually within about four to eight weeks. Your body and emotions may need time; be gentle with "
            "yourself, and reach out to your doctor for physical symptoms or emotional support.",
        ),
    ),
)

FOLLOWUPS: Final = (
    T(
        "contraception-followup-choose",
        "contraception",
        (
            "Where can I get advice on choosing contraception?",
            "Thanks. Who can help me pick the right birth control?",
        ),
        (
            "Your GP practice, a sexual health or family planning clinic, or a pharmacist can all talk you "
            "through options. Services are confidential, and many clinics offer free contraception.",
            "A sexual health clinic or your doctor are the best places to start; they'll go through your "
            "health history and what matters to you.",
        ),
        followup=True,
    ),
    T(
        "pregnancy-followup-midwife",
        "pregnancy",
        (
            "When should I book my first pregnancy appointment?",
            "Okay, who should I contact now I'm pregnant?",
        ),
        (
            "Contact your GP or local midwifery service as soon as you know you're pregnant, ideally so that "
            "your booking appointment happens before 10 weeks. Start folic acid if you haven't already.",
            "Get in touch with your doctor or midwife early in pregnancy. They'll arrange your first "
            "appointment, scans and screening, and answer your questions.",
        ),
        followup=True,
    ),
)

TEMPLATES: Final = CONTRACEPTION + PREGNANCY + FOLLOWUPS
