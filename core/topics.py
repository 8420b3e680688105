"""Core-topic tagging of interactions (DESIGN.md §5).

In: the user's question (and optionally the answer). Out: the sorted list of core topics it is about,
from `core.vocab.CORE_TOPICS`. The text is split into lower-case words once; a topic matches through a
whole word, a word stem (`ovulat` matches ovulation, ovulating…) or a phrase of consecutive words. That
is a few dict and substring look-ups per message, cheap enough to run inline at ingest. The question
decides; the answer is only consulted when the question alone matched nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

_RULES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "period": {
        "words": ("period", "periods", "flow", "spotting", "tampon", "tampons", "clots"),
        "stems": ("menstrua", "bleed"),
        "phrases": ("menstrual cup", "heavy bleeding", "missed period", "late period"),
    },
    "ovulation": {
        "words": ("mittelschmerz",),
        "stems": ("ovulat",),
        "phrases": (
            "fertile window",
            "lh surge",
            "egg released",
            "egg is released",
            "cervical mucus",
            "basal",
        ),
    },
    "pms": {
        "words": ("pms", "pmdd"),
        "stems": ("premenstrua",),
        "phrases": ("before my period", "before your period", "before the period", "week before"),
    },
    "cycle_tracking": {
        "words": ("irregular", "calendar"),
        "stems": ("track",),
        "phrases": (
            "cycle length",
            "day cycle",
            "my cycle",
            "regular cycle",
            "cycle is",
            "cycle was",
            "cycle has",
            "app predict",
            "log my",
        ),
    },
    "cramps_pain": {
        "words": ("hurt", "hurts", "ache", "aches", "ibuprofen", "painkiller", "painkillers", "sore"),
        "stems": ("cramp", "pain", "endometrio", "dysmenorr"),
        "phrases": ("heating pad",),
    },
    "fertility": {
        "words": ("conception", "ttc", "ivf"),
        "stems": ("fertil", "infertil", "conceiv"),
        "phrases": ("trying to get pregnant", "egg quality", "get pregnant faster"),
    },
    "contraception": {
        "words": (
            "pill",
            "pills",
            "iud",
            "coil",
            "condom",
            "condoms",
            "implant",
            "depo",
            "patch",
            "nuvaring",
        ),
        "stems": ("contracept",),
        "phrases": ("birth control", "morning after", "emergency pill", "vaginal ring", "withdrawal method"),
    },
    "pregnancy": {
        "words": ("expecting", "implantation", "miscarriage", "trimester"),
        "stems": ("pregnan",),
        "phrases": ("morning sickness", "positive test"),
    },
    "menopause": {
        "words": ("hrt",),
        "stems": ("menopaus", "perimenopaus", "postmenopaus"),
        "phrases": ("hot flash", "hot flush", "night sweats", "hormone replacement", "post menopaus"),
    },
    "mood": {
        "words": ("sad", "angry", "anger", "emotional"),
        "stems": ("mood", "depress", "anxi", "irritab", "cry", "stress"),
        "phrases": ("low mood", "mental health", "feel down", "feeling down", "self harm"),
    },
}

_WORD: Final = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def _index(kind: str) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for topic, rules in _RULES.items():
        for key in rules[kind]:
            index.setdefault(key, set()).add(topic)
    return {key: frozenset(topics) for key, topics in index.items()}


_WORDS: Final = _index("words")
_STEMS: Final = _index("stems")
_STEM_LENGTHS: Final = sorted({len(stem) for stem in _STEMS})
_PHRASES: Final = _index("phrases")


@lru_cache(maxsize=65_536)
def _word_topics(word: str) -> frozenset[str]:
    found = set(_WORDS.get(word, ()))
    for length in _STEM_LENGTHS:
        found.update(_STEMS.get(word[:length], ()))
    return frozenset(found)


def _topics_in(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    found: set[str] = set()
    for word in words:
        found |= _word_topics(word)
    joined = f" {' '.join(words)} "
    for phrase, topics in _PHRASES.items():
        if f" {phrase}" in joined and not topics <= found:
            found |= topics
    return found


def tag(question: str, answer: str = "") -> list[str]:
    """The core topics of one exchange, sorted; empty when nothing matches."""
    topics = _topics_in(question)
    if not topics and answer:
        topics = _topics_in(answer)
    return sorted(topics)
