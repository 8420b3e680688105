"""Core-topic tagging of interactions (DESIGN.md §5).

In: the user's question (and optionally the answer). Out: the sorted list of core topics it is about,
from `core.vocab.CORE_TOPICS`. Rules are word patterns compiled once; tagging a message costs a few
microseconds, so it runs inline at ingest. The question decides; the answer only breaks a tie when the
question alone matched nothing.
"""

from __future__ import annotations

import re
from typing import Final

_PATTERNS: Final = {
    "period": r"periods?|menstrua\w*|bleed\w*|spotting|flow|tampons?|pads?|menstrual cups?|"
    r"missed (?:my )?period|late period|heavy (?:bleeding|periods?)|clots?",
    "ovulation": r"ovulat\w*|fertile window|lh surge|egg (?:is )?released|mittelschmerz|"
    r"cervical mucus|basal (?:body )?temperature",
    "pms": r"pms|pmdd|premenstrual|before (?:my|your|the) period|week before",
    "cycle_tracking": r"cycle length|track\w*|irregular|regular cycles?|\d+[- ]day cycles?|"
    r"cycle (?:is|was|has been)|my cycle|app predict\w*|log(?:ging)? (?:my )?(?:period|cycle)|calendar",
    "cramps_pain": r"cramp\w*|pain\w*|hurts?|aches?|ibuprofen|painkillers?|endometriosis|dysmenorrh\w*|"
    r"heating pad|sore",
    "fertility": r"fertil\w*|conceiv\w*|conception|trying to (?:get pregnant|conceive)|ttc|infertil\w*|"
    r"ivf|egg quality|get pregnant faster",
    "contraception": r"contracept\w*|birth control|the pill|pills?|iud|coil|condoms?|implant|"
    r"morning[- ]after|emergency pill|depo|patch|nuvaring|vaginal ring|withdrawal method",
    "pregnancy": r"pregnan\w*|pregnancy tests?|expecting|implantation|miscarriage|trimester|"
    r"morning sickness|positive test",
    "menopause": r"menopaus\w*|perimenopaus\w*|post-?menopaus\w*|hot flash\w*|hot flush\w*|night sweats|"
    r"hrt|hormone replacement",
    "mood": r"mood\w*|sad|depress\w*|anxi\w*|irritab\w*|emotional|cry\w*|angry|anger|low mood|"
    r"mental health|stress\w*|feel(?:ing)? down|self-harm",
}
_COMPILED: Final = {
    topic: re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE) for topic, pattern in _PATTERNS.items()
}


def tag(question: str, answer: str = "") -> list[str]:
    """The core topics of one exchange, sorted; empty when nothing matches."""
    topics = [topic for topic, rx in _COMPILED.items() if rx.search(question)]
    if not topics and answer:
        topics = [topic for topic, rx in _COMPILED.items() if rx.search(answer)]
    return sorted(topics)
