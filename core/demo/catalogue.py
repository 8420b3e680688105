"""Rendered demo content: every template's phrasings and answers with their slots filled in, ready to pick.

In: the hand-written templates of `core.demo.content` and a seeded `random.Random`. Out: a `Catalogue` —
per topic, the main templates and follow-ups as lists of `Variant`s (a question with the answers that fit
it, slots such as ages and cycle lengths filled consistently in both) — plus the helpers that turn a
question into a PII-bearing or near-duplicate one. Rendering happens once per run, so picking a question
in the hot loop is a few list look-ups.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Final

from core.demo.content import TEMPLATES, Template
from core.demo.content.extras import PII_DOBS, PII_NAMES, PII_PHONES, PII_WRAPPERS
from core.vocab import CORE_TOPICS

SLOT_DRAWS: Final = 8  # slot fillings per template: enough variety, small enough to render instantly

# How often each topic opens a conversation (relative weights).
TOPIC_WEIGHTS: Final = {
    "period": 16,
    "cramps_pain": 13,
    "contraception": 12,
    "cycle_tracking": 11,
    "pms": 10,
    "pregnancy": 10,
    "ovulation": 8,
    "fertility": 8,
    "mood": 7,
    "menopause": 5,
}


@dataclass(frozen=True)
class Variant:
    """One rendered question and the answers that fit it."""

    question: str
    answers: tuple[str, ...]


@dataclass
class Catalogue:
    """Rendered variants by topic: `main[topic][template]` and `followups[topic][template]`."""

    main: dict[str, list[list[Variant]]] = field(default_factory=dict)
    followups: dict[str, list[list[Variant]]] = field(default_factory=dict)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.main)


def draw_slots(rng: random.Random) -> dict[str, int]:
    """One consistent set of slot values (see `core.demo.content.base.SLOTS`)."""
    cycle = rng.randint(24, 35)
    return {
        "age": rng.randint(19, 40),
        "teen_age": rng.randint(11, 14),
        "older_age": rng.randint(36, 44),
        "meno_age": rng.randint(43, 52),
        "cycle": cycle,
        "ov_day": cycle - 14,
        "late_days": rng.randint(3, 10),
        "period_days": rng.randint(3, 7),
        "months": rng.randint(3, 6),
        "ttc_months": rng.randint(4, 11),
        "weeks": rng.randint(6, 12),
    }


def render(template: Template, rng: random.Random) -> list[Variant]:
    """Every phrasing of `template` under `SLOT_DRAWS` slot fillings, duplicates removed."""
    variants: dict[str, Variant] = {}
    for _ in range(SLOT_DRAWS):
        slots = draw_slots(rng)
        answers = tuple(dict.fromkeys(answer.format(**slots) for answer in template.answers))
        for phrasing in template.questions:
            question = phrasing.format(**slots)
            variants.setdefault(question, Variant(question, answers))
    return list(variants.values())


def build_catalogue(rng: random.Random) -> Catalogue:
    catalogue = Catalogue(
        main={topic: [] for topic in CORE_TOPICS}, followups={topic: [] for topic in CORE_TOPICS}
    )
    for template in TEMPLATES:
        shelf = catalogue.followups if template.followup else catalogue.main
        shelf[template.topic].append(render(template, rng))
    return catalogue


# -- deliberate flaws ----------------------------------------------------------------------------------
def with_pii(question: str, rng: random.Random) -> str:
    """`question` with a name, email, phone number or date of birth the user volunteered."""
    name = rng.choice(PII_NAMES)
    email = f"{name.lower().replace(' ', '.')}{rng.randint(1, 99)}@example.com"
    wrapper = rng.choice(PII_WRAPPERS)
    return wrapper.format(
        name=name, email=email, phone=rng.choice(PII_PHONES), dob=rng.choice(PII_DOBS), question=question
    )


_SHORTHAND: Final = (
    (" you ", " u "),
    (" your ", " ur "),
    ("I'm ", "im "),
    (" is that ", " is it "),
    (" my ", " my my "),
    ("?", "??"),
)


def near_duplicate(question: str, rng: random.Random) -> str:
    """`question` with a small change a person might make retyping it: case, shorthand, a typo."""
    text = question
    for _ in range(3):
        kind = rng.randrange(4)
        if kind == 0:
            text = text.lower().rstrip("?.!")
        elif kind == 1:
            old, new = rng.choice(_SHORTHAND)
            text = text.replace(old, new, 1)
        else:
            text = _typo(text, rng)
        if text != question:
            return text
    return question.lower() + "?" if question.lower() != question else question + " ?"


def _typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent letters inside one longer word."""
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) > 4 and word.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    word = words[i]
    j = rng.randrange(1, len(word) - 2)
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)
