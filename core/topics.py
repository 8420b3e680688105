"""Core-topic tagging of interactions (DESIGN.md §5), and re-tagging of stored interactions on demand.

In: the user's question (and optionally the answer). Out: the sorted list of core topics it is about,
from `core.vocab.CORE_TOPICS`. The text is split into lower-case words once; a topic matches through:

- a whole word (`iud`, `hrt`) — so `pill` never fires inside `spill`;
- a word stem, i.e. a prefix (`ovul` matches ovulation, ovulating, and the typo ovulatoin);
- a phrase of consecutive words whose last word may be a prefix (`hot flash` matches hot flashes);
- a weak stem, counted only when nothing else matched (`bleed`: bleeding in pregnancy or after the
  menopause is not a period question, but "bleeding for 9 days" alone is);
- and a mask: a phrase whose words do not count for one topic (`get pregnant` is about conceiving, so
  its `pregnant` does not make the question a pregnancy one; `before my period` marks PMS, not the period).

Phrases are indexed by their first word and masks are rare, so a message costs a dict look-up per word
(cached) plus a few substring checks: a few microseconds, cheap enough to run inline at ingest. The
question decides; the answer is only consulted when the question alone matched nothing.
Known limits (documented in tests/unit/test_topics_eval.py): no negation ("not about my period" still
tags period) and no word sense ("periodic table" is fine, "my period of unemployment" is not).

`core.topic_retag.retag()` re-applies these rules to every stored interaction when they change.
The labelled evaluation set is tests/data/topics_eval.jsonl; its test reports per-topic F1.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

# One entry per core topic. Keys: words (whole words), stems (prefixes), phrases (consecutive words, the
# last one a prefix), weak (stems counted only when nothing else matched), masks (phrases whose words do
# not count for this topic). Synonyms, brand names and common misspellings a clinician would expect.
_RULES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "period": {
        "words": (
            "period",
            "periods",
            "flow",
            "spotting",
            "spotted",
            "tampon",
            "tampons",
            "clots",
            "pad",
            "pads",
            "menses",
            "menarche",
            "tss",
            "peroid",
            "peroids",
            "perod",
            "perid",
            "pantyliner",
            "pantyliners",
        ),
        "stems": ("menstrua", "menstral", "mentral", "dysmenorr", "amenorr", "menorrhag"),
        "phrases": (
            "menstrual cup",
            "heavy bleeding",
            "missed period",
            "late period",
            "toxic shock",
            "aunt flo",
            "time of the month",
            "period pant",
            "period underwear",
            "period undies",
            "on the rag",
        ),
        "weak": ("bleed",),
        "masks": (
            "before my period",
            "before your period",
            "before the period",
            "before period",
            "before a period",
            "pre period",
            "pre menstrual",
        ),
    },
    "ovulation": {
        "words": ("mittelschmerz", "opk", "opks", "bbt", "lh", "ewcm"),
        "stems": ("ovul", "anovul"),
        "phrases": (
            "fertile window",
            "lh surge",
            "egg released",
            "egg is released",
            "cervical mucus",
            "basal",
            "egg white",
            "temp rise",
            "temperature rise",
            "temperature shift",
            "release an egg",
            "release the egg",
            "releases an egg",
        ),
    },
    "pms": {
        "words": ("pms", "pmdd", "pmt"),
        "stems": ("premenstrua",),
        "phrases": (
            "before my period",
            "before your period",
            "before the period",
            "before period",
            "before a period",
            "week before",
            "days before",
            "pre period",
            "pre menstrual",
        ),
    },
    "cycle_tracking": {
        "words": (
            "irregular",
            "calendar",
            "follicular",
            "luteal",
            "predict",
            "predicts",
            "predicted",
            "predicting",
            "prediction",
            "predictions",
            "logging",
            "logged",
        ),
        "stems": ("track",),
        "phrases": (
            "cycle length",
            "day cycle",
            "my cycle",
            "regular cycle",
            "cycle is",
            "cycle was",
            "cycle has",
            "cycles are",
            "cycles have",
            "every cycle",
            "each cycle",
            "cycle history",
            "cycle day",
            "app predict",
            "log my",
            "log spotting",
            "log symptoms",
            "next period",
            "period app",
            "period tracker",
        ),
    },
    "cramps_pain": {
        "words": (
            "hurt",
            "hurts",
            "hurting",
            "ache",
            "aches",
            "aching",
            "achy",
            "ibuprofen",
            "painkiller",
            "painkillers",
            "sore",
            "mittelschmerz",
            "naproxen",
            "paracetamol",
            "acetaminophen",
            "tylenol",
            "advil",
            "midol",
            "nsaid",
            "nsaids",
            "stabbing",
            "throbbing",
            "backache",
            "tummyache",
        ),
        "stems": ("cramp", "pain", "endometrio", "dysmenorr", "headach", "migrain", "adenomyo", "dyspareun"),
        "phrases": ("heating pad", "hot water bottle", "tens machine", "tens unit"),
    },
    "fertility": {
        "words": (
            "conception",
            "ttc",
            "ivf",
            "iui",
            "icsi",
            "clomid",
            "letrozole",
            "amh",
            "sperm",
            "embryo",
            "embryos",
        ),
        "stems": ("fertil", "infertil", "conceiv"),
        "phrases": (
            "trying to get pregnant",
            "egg quality",
            "how to get pregnant",
            "hard to get pregnant",
            "take to get pregnant",
            "long to get pregnant",
            "time to get pregnant",
            "want to get pregnant",
            "sex to get pregnant",
            "getting pregnant",
            "trying for a baby",
            "try for a baby",
            "want a baby",
            "have a baby soon",
            "egg freezing",
            "freeze my eggs",
            "freezing my eggs",
            "egg count",
            "ovarian reserve",
            "fallopian tube",
            "trying to conceive",
        ),
    },
    "contraception": {
        "words": (
            "pill",
            "pills",
            "minipill",
            "iud",
            "iuds",
            "coil",
            "condom",
            "condoms",
            "implant",
            "depo",
            "patch",
            "nuvaring",
            "bc",
            "mirena",
            "kyleena",
            "nexplanon",
            "diaphragm",
            "spermicide",
            "vasectomy",
            "tubal",
            "withdrawal",
            "ella",
        ),
        "stems": ("contracept", "steriliz", "sterilis"),
        "phrases": (
            "birth control",
            "morning after",
            "emergency pill",
            "vaginal ring",
            "withdrawal method",
            "plan b",
            "pull out",
            "pulling out",
            "family planning",
            "avoid pregnancy",
            "avoid getting pregnant",
            "prevent pregnancy",
            "preventing pregnancy",
            "the shot",
            "copper coil",
        ),
    },
    "pregnancy": {
        "words": (
            "expecting",
            "implantation",
            "miscarriage",
            "miscarried",
            "trimester",
            "preggo",
            "preggers",
            "hcg",
            "ectopic",
            "twins",
            "stillbirth",
            "postpartum",
            "antenatal",
            "prenatal",
        ),
        "stems": ("pregnan", "gestation", "breastfe", "miscarr"),
        "phrases": (
            "morning sickness",
            "positive test",
            "knocked up",
            "due date",
            "weeks pregnant",
            "baby move",
            "after birth",
            "after giving birth",
            "after having my baby",
            "after my baby",
        ),
        "masks": (
            "trying to get pregnant",
            "how to get pregnant",
            "hard to get pregnant",
            "take to get pregnant",
            "long to get pregnant",
            "time to get pregnant",
            "want to get pregnant",
            "sex to get pregnant",
            "for getting pregnant",
            "at getting pregnant",
            "avoid pregnancy",
            "prevent pregnancy",
            "preventing pregnancy",
            "not pregnant",
            "avoid getting pregnant",
        ),
    },
    "menopause": {
        "words": ("hrt", "peri", "flushes", "flashes", "cohosh", "climacteric"),
        "stems": ("menopaus", "perimenopaus", "postmenopaus", "bioidentical"),
        "phrases": (
            "hot flash",
            "hot flush",
            "night sweats",
            "hormone replacement",
            "post menopaus",
            "hormone therapy",
            "through the change",
            "since the change",
            "the change of life",
            "ovarian insufficiency",
            "ovarian failure",
            "vaginal dryness",
            "pre menopaus",
        ),
    },
    "mood": {
        "words": (
            "sad",
            "angry",
            "anger",
            "emotional",
            "moody",
            "rage",
            "pmdd",
            "grumpy",
            "cranky",
            "upset",
            "tearful",
            "teary",
            "lonely",
            "worthless",
        ),
        "stems": (
            "mood",
            "depress",
            "anxi",
            "irritab",
            "cry",
            "stress",
            "panic",
            "overwhelm",
            "hopeless",
            "unmotivat",
            "suicid",
        ),
        "phrases": (
            "low mood",
            "mental health",
            "feel down",
            "feeling down",
            "self harm",
            "feel low",
            "feeling low",
            "feel so low",
            "feeling so low",
            "feeling really low",
            "so down",
            "dark thoughts",
            "losing my mind",
            "feel numb",
            "feeling numb",
            "want to cry",
        ),
    },
}

_WORD: Final = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_Phrases = dict[str, tuple[tuple[str, frozenset[str]], ...]]


def _index(kind: str) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for topic, rules in _RULES.items():
        for key in rules.get(kind, ()):
            index.setdefault(key, set()).add(topic)
    return {key: frozenset(topics) for key, topics in index.items()}


def _by_first_word(index: dict[str, frozenset[str]]) -> _Phrases:
    """Phrases grouped by their first word; a one-word phrase is a stem and is keyed by nothing."""
    heads: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for phrase, topics in index.items():
        heads.setdefault(phrase.split()[0], []).append((f" {phrase}", topics))
    return {head: tuple(entries) for head, entries in heads.items()}


_WORDS: Final = _index("words")
_STEMS: Final = _index("stems") | {p: t for p, t in _index("phrases").items() if " " not in p}
_WEAK: Final = _index("weak")
_STEM_LENGTHS: Final = sorted({len(stem) for stem in _STEMS})
_WEAK_LENGTHS: Final = sorted({len(stem) for stem in _WEAK})
_PHRASES: Final = _by_first_word({p: t for p, t in _index("phrases").items() if " " in p})
_MASKS: Final = _by_first_word(_index("masks"))
_NOTHING: Final[frozenset[str]] = frozenset()


@lru_cache(maxsize=65_536)
def _word_topics(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """The topics one word gives (whole word or stem), and those it gives only weakly."""
    found = set(_WORDS.get(word, ()))
    for length in _STEM_LENGTHS:
        found.update(_STEMS.get(word[:length], ()))
    weak: set[str] = set()
    for length in _WEAK_LENGTHS:
        weak.update(_WEAK.get(word[:length], ()))
    return frozenset(found), frozenset(weak) - found


_Hits = tuple[
    frozenset[str],
    frozenset[str],
    tuple[tuple[str, frozenset[str]], ...],
    tuple[tuple[str, frozenset[str]], ...],
]


@lru_cache(maxsize=65_536)
def _word_hits(word: str) -> _Hits | None:
    """What one word brings: its topics (strong, weak) and the phrases and masks it starts; None for the
    many words that bring nothing."""
    strong, faint = _word_topics(word)
    phrases, masks = _PHRASES.get(word, ()), _MASKS.get(word, ())
    return (strong, faint, phrases, masks) if strong or faint or phrases or masks else None


def _topics_in(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    found: set[str] = set()
    weak: set[str] = set()
    phrases: list[tuple[str, frozenset[str]]] = []
    masks: list[tuple[str, frozenset[str]]] = []
    for word in words:
        hits = _word_hits(word)
        if hits is None:
            continue
        strong, faint, starts, masking = hits
        found |= strong
        weak |= faint
        phrases.extend(starts)
        masks.extend(masking)
    if phrases or masks:
        joined = f" {' '.join(words)} "
        if masks:
            found -= _masked(words, joined, masks)
        for phrase, topics in phrases:
            if phrase in joined:
                found |= topics
    return found or weak


def _masked(words: list[str], joined: str, masks: list[tuple[str, frozenset[str]]]) -> set[str]:
    """The topics whose every word hit lies inside one of the `masks` found in the text."""
    masked: set[str] = set()
    for mask, topics in masks:
        if mask not in joined:
            continue
        for topic in topics:
            hits = sum(topic in _word_topics(word)[0] for word in words)
            inside = joined.count(mask) * sum(topic in _word_topics(word)[0] for word in mask.split())
            if hits <= inside:
                masked.add(topic)
    return masked


def tag(question: str, answer: str = "") -> list[str]:
    """The core topics of one exchange, sorted; empty when nothing matches."""
    topics = _topics_in(question)
    if not topics and answer:
        topics = _topics_in(answer)
    return sorted(topics)
