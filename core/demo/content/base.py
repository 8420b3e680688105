"""The shape of a hand-written demo conversation template.

In: nothing. Out: `Template` — one question in several phrasings and several good answers, all of them
`str.format` patterns over the slots of `SLOTS` (ages, cycle lengths, days…), filled consistently for a
question and its answer by `core.demo.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Slot names a template may use, and what they stand for (ranges are drawn in core.demo.catalogue).
SLOTS: Final = {
    "age": "an adult's age, 19-40",
    "teen_age": "a young teenager's age, 11-14",
    "older_age": "an age from 36 to 44 (over 35)",
    "meno_age": "an age around the menopause transition, 43-52",
    "cycle": "a typical adult cycle length in days, 24-35",
    "ov_day": "the expected ovulation day for `cycle` (cycle - 14)",
    "late_days": "days a period is late, 3-10",
    "period_days": "days of bleeding, 3-7",
    "months": "a span of months, 3-6",
    "ttc_months": "months spent trying to conceive, 4-11",
    "weeks": "weeks of pregnancy, 6-12",
}


@dataclass(frozen=True)
class Template:
    """One question (several phrasings) with several good answers, about one core topic."""

    key: str
    topic: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    followup: bool = False  # asked only as a later turn of a conversation on the same topic
