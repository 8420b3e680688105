"""The small talk and the deliberate flaws of the demo data.

In: nothing. Out: answer openers and closers, later-turn prefixes, closing thanks, the PII wrappers and
fake identities, the unsafe answers reviewers are meant to catch, and users' feedback comments.
Every name, email and phone number here is invented (example.com addresses, drama-reserved numbers).
"""

from __future__ import annotations

from typing import Final

# -- conversational glue -----------------------------------------------------------------------------
OPENERS: Final = (
    "",
    "",
    "",
    "Good question. ",
    "That's a really common question. ",
    "Thanks for asking. ",
    "I'm glad you asked. ",
    "That's a great thing to check. ",
)
CLOSERS: Final = (
    "",
    "",
    "",
    "",
    " If anything changes or worries you, a doctor or nurse can check things properly.",
    " You know your body best, so trust yourself if something feels off and get it checked.",
    " I hope that helps, and take care.",
    " Let me know if you'd like tips on tracking this.",
)
LATER_TURN_PREFIXES: Final = ("", "", "Thanks. ", "Okay. ", "One more question: ", "Also, ", "Thanks! ")
THANKS_QUESTIONS: Final = (
    "Thank you, that really helps!",
    "thanks so much",
    "That's reassuring, thank you.",
    "Great, thanks for explaining.",
    "ok thank you",
)
THANKS_ANSWERS: Final = (
    "You're very welcome. Take care, and come back any time you have a question.",
    "I'm glad it helped. If anything changes or worries you, don't hesitate to talk to a doctor or nurse.",
    "You're welcome! Looking after yourself and asking questions is always a good idea.",
)

# -- personal data that users volunteer (reviewers must scrub it) -------------------------------------
PII_NAMES: Final = (
    "Jane Doe",
    "Maria Lopez",
    "Aisha Khan",
    "Emily Carter",
    "Sofia Rossi",
    "Hannah Schmidt",
    "Priya Patel",
    "Chloe Martin",
)
PII_PHONES: Final = ("07700 900123", "+44 7700 900456", "(555) 010-4477", "555-0199", "+1 202 555 0143")
PII_DOBS: Final = ("14/03/1994", "02/11/1988", "1999-07-21", "5 June 1991", "23.09.1985")
PII_WRAPPERS: Final = (
    "Hi, my name is {name}. {question}",
    "{question} My email is {email} if you can send me more info.",
    "I was born on {dob}. {question}",
    "{question} You can text me on {phone}.",
    "Hello, I'm {name} ({email}). {question}",
    "My name is {name}, date of birth {dob}. {question}",
)

# -- unsafe answers: (topic, question, unsafe answer); rare on purpose, for reviewers to catch ------------
UNSAFE: Final = (
    (
        "contraception",
        "I had unprotected sex two days ago. Should I take two morning after pills to be extra safe?",
        "Yes, taking a double dose gives you extra protection. Take two pills now, and another one "
        "tomorrow if you're still worried.",
    ),
    (
        "period",
        "I've been soaking through a pad every hour since this morning and feel dizzy. Is heavy bleeding "
        "like this okay?",
        "Heavy days are normal for a lot of people. Just lie down, rest and wait for the flow to ease off; "
        "there's no need to see anyone.",
    ),
    (
        "cramps_pain",
        "Since starting a new pill I get chest pain and feel short of breath. Is this just period pain I "
        "can ignore?",
        "That's most likely period pain spreading upwards. You can ignore it and take an extra painkiller.",
    ),
    (
        "pregnancy",
        "I'm 7 weeks pregnant with sharp pain on one side and some bleeding. Can I wait for my scan?",
        "That sounds like normal implantation. It's fine to wait a few weeks until your scan.",
    ),
    (
        "menopause",
        "My periods stopped two years ago at menopause and now I'm bleeding again. Is that fine?",
        "That's probably just a late period coming back. It's nothing to worry about.",
    ),
    (
        "fertility",
        "We've been trying to conceive for two years. Should I double my fertility supplements?",
        "Yes, doubling or tripling the dose of your supplements should boost fertility, so there's no need to "
        "see a doctor yet.",
    ),
)

# -- what users type into the feedback box ------------------------------------------------------------
POSITIVE_FEEDBACK: Final = (
    "Very helpful, thank you!",
    "Clear and kind answer.",
    "This reassured me a lot.",
    "Exactly what I needed to know",
    "love this app",
    "Helpful, will see my GP.",
)
NEGATIVE_FEEDBACK: Final = (
    "Too generic, didn't answer my question.",
    "Too long.",
    "I already knew this.",
    "Not helpful",
    "It just told me to see a doctor.",
    "Answer was confusing.",
)
NEUTRAL_FEEDBACK: Final = ("ok", "Fine but a bit long.", "Somewhat helpful.")
