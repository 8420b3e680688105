"""How well `core.topics.tag` finds the core topics of real-sounding user questions.

In: tests/data/topics_eval.jsonl (hand-written questions of app users, labelled by meaning: typos, slang,
short and long, multi-topic, about 10 % about no core topic) and tests/data/topics_holdout.jsonl (a smaller
set written after the rules were tuned and never used to change them). Out: a per-topic precision /
recall / F1 table and the macro-F1, printed (`pytest -s` shows it), and the targets: macro-F1 >= 0.85 and
F1 >= 0.7 for every topic on the evaluation set.

Labelling rules: a topic is labelled when the question asks about it or it is the setting of the concern
("cramps on my period" is cramps_pain and period). The period used only as a time anchor for premenstrual
symptoms ("bloated the week before my period") is PMS, not period. Trying to conceive is fertility; being
pregnant, or the risk of being pregnant ("can I get pregnant on my period?"), is pregnancy.

Then unit tests of the tricky cases, including the documented limits (no negation, no word sense).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.topics import tag
from core.vocab import CORE_TOPICS

DATA = Path(__file__).resolve().parents[1] / "data"
EVAL = DATA / "topics_eval.jsonl"
HOLDOUT = DATA / "topics_holdout.jsonl"


@dataclass(frozen=True)
class Score:
    topic: str
    support: int
    precision: float
    recall: float
    f1: float


def load(path: Path) -> list[tuple[str, set[str]]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(row["text"], set(row["topics"])) for row in rows]


def evaluate(rows: list[tuple[str, set[str]]]) -> list[Score]:
    """Per-topic precision, recall and F1 of `tag` over labelled rows (0 when undefined)."""
    scores = []
    predictions = [(set(tag(text)), truth) for text, truth in rows]
    for topic in CORE_TOPICS:
        tp = sum(topic in got and topic in truth for got, truth in predictions)
        fp = sum(topic in got and topic not in truth for got, truth in predictions)
        fn = sum(topic not in got and topic in truth for got, truth in predictions)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(Score(topic, tp + fn, precision, recall, f1))
    return scores


def macro_f1(scores: list[Score]) -> float:
    return sum(score.f1 for score in scores) / len(scores)


def table(title: str, rows: list[tuple[str, set[str]]], scores: list[Score]) -> str:
    exact = sum(set(tag(text)) == truth for text, truth in rows)
    lines = [
        f"{title}: {len(rows)} questions, {exact} tagged exactly right",
        f"{'topic':<16}{'n':>4}{'precision':>11}{'recall':>8}{'F1':>7}",
    ]
    lines += [f"{s.topic:<16}{s.support:>4}{s.precision:>11.2f}{s.recall:>8.2f}{s.f1:>7.2f}" for s in scores]
    lines.append(f"{'macro-F1':<16}{'':>4}{'':>11}{'':>8}{macro_f1(scores):>7.3f}")
    return "\n".join(lines)


# -- the evaluation set itself -----------------------------------------------------------------------------
def test_the_evaluation_set_is_large_balanced_and_well_formed() -> None:
    rows = load(EVAL)
    assert len(rows) >= 220
    assert len({text.lower() for text, _ in rows}) == len(rows), "duplicate questions"
    assert all(truth <= set(CORE_TOPICS) for _, truth in rows)
    empty = sum(not truth for _, truth in rows)
    assert 0.07 <= empty / len(rows) <= 0.15, empty
    assert sum(len(truth) >= 2 for _, truth in rows) >= 40, "too few multi-topic questions"
    for topic in CORE_TOPICS:
        assert sum(topic in truth for _, truth in rows) >= 20, topic


def test_the_tagger_meets_its_targets_on_the_evaluation_set() -> None:
    rows = load(EVAL)
    scores = evaluate(rows)
    print("\n" + table("topic evaluation (tests/data/topics_eval.jsonl)", rows, scores))
    assert macro_f1(scores) >= 0.85
    for score in scores:
        assert score.f1 >= 0.7, score


def test_the_tagger_generalises_to_the_held_out_questions() -> None:
    """Written after the rules were tuned; reported, with a looser floor so it is never tuned against."""
    rows = load(HOLDOUT)
    scores = evaluate(rows)
    print("\n" + table("held-out questions (tests/data/topics_holdout.jsonl)", rows, scores))
    assert macro_f1(scores) >= 0.75


# -- tricky cases ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "came off the pill to try for a baby but my cycles are 40 days",
            ["contraception", "cycle_tracking", "fertility"],
        ),
        ("heavy bleeding and awful cramps, and I feel so down", ["cramps_pain", "mood", "period"]),
        ("could I be pregnant if the condom broke?", ["contraception", "pregnancy"]),
        ("PMDD is wrecking me", ["mood", "pms"]),
        ("what is mittelschmerz", ["cramps_pain", "ovulation"]),
    ],
)
def test_multi_topic_questions_get_every_topic(question: str, expected: list[str]) -> None:
    assert tag(question) == expected


@pytest.mark.parametrize(
    ("question", "absent"),
    [
        ("I spilled coffee on my phone", "contraception"),  # "pill" only as a whole word
        ("help with my periodic table homework", "period"),  # "period" only as a whole word
        ("the app crashed when I tried to log in", "cycle_tracking"),  # "log in" is not "log my"
        ("estrogen patches for menopause symptoms", "contraception"),  # "patch" exactly, not "patches"
        ("I'm a grown-up, can I still use the app", "ovulation"),
    ],
)
def test_words_match_only_at_word_boundaries(question: str, absent: str) -> None:
    assert absent not in tag(question)


def test_stems_and_phrases_reach_inflections_and_typos() -> None:
    assert tag("ovulatoin pain") == ["cramps_pain", "ovulation"]
    assert tag("hot flashes at night") == ["menopause"]
    assert tag("I'm perimenopausal") == ["menopause"]
    assert tag("peroid is late") == ["period"]


def test_premenstrual_symptoms_are_pms_not_period() -> None:
    assert tag("so bloated the week before my period") == ["pms"]
    assert tag("anxiety before my period") == ["mood", "pms"]
    # the period itself still counts when it is mentioned again in its own right
    assert tag("bloated before my period and my period is heavy") == ["period", "pms"]


def test_trying_to_conceive_is_fertility_but_the_risk_of_pregnancy_is_pregnancy() -> None:
    assert tag("how long does it take to get pregnant after the pill") == ["contraception", "fertility"]
    assert tag("trying to get pregnant for a year") == ["fertility"]
    assert tag("Can I get pregnant on my period?") == ["period", "pregnancy"]
    assert tag("I am pregnant and trying to get pregnant advice is useless now") == ["fertility", "pregnancy"]


def test_bleeding_alone_is_a_period_question_but_not_in_another_context() -> None:
    assert tag("bleeding for 9 days") == ["period"]
    assert tag("bleeding after menopause") == ["menopause"]
    assert tag("light bleeding at 7 weeks pregnant") == ["pregnancy"]


def test_no_topic_for_small_talk_and_the_answer_only_as_a_fallback() -> None:
    for question in ("hi", "what can you do", "thanks!!", "how do I delete my account", ""):
        assert tag(question) == [], question
    assert tag("hi", "Your period may be late because of stress.") == ["mood", "period"]
    assert tag("is that normal for PMS?", "Cramps are common.") == ["pms"]


def test_documented_limits_negation_and_word_sense() -> None:
    """Known and accepted: the tagger reads words, not meaning (see the module docstring)."""
    assert "period" in tag("this is not about my period")  # no negation
    assert "period" in tag("during my period of unemployment")  # no word sense
    assert "pms" not in tag("I always crave chocolate before TOM")  # slang it does not know
