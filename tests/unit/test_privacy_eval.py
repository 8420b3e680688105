"""The PII recognisers against a hand-written, labelled set of chat messages (`tests/data/pii_eval.jsonl`).

In: each line is `{"text": …, "entities": [{"type": "EMAIL", "value": "…"}, …]}`; texts with no entities are
negatives (numbers, dates and capitalised words that are not personal data). Out: a printed table of recall per
entity type and the false-positive rate on the negatives (`pytest -s` shows it), and assertions on both.

An entity counts as found when its value no longer appears in the scrubbed text and the placeholder of its type
does.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from core import privacy

EVAL = Path(__file__).parents[1] / "data" / "pii_eval.jsonl"
MIN_RECALL = {"EMAIL": 0.95, "PHONE": 0.95, "DOB": 0.95, "NAME": 0.8}
MAX_FALSE_POSITIVE_RATE = 0.05


def load() -> list[dict[str, object]]:
    return [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return load()


def test_the_set_is_large_and_covers_every_entity_type(rows: list[dict[str, object]]) -> None:
    assert len(rows) >= 150
    types = Counter(e["type"] for row in rows for e in row["entities"])  # type: ignore[attr-defined]
    assert set(types) == set(privacy.ENTITY_TYPES)
    assert sum(1 for row in rows if not row["entities"]) >= 60


def test_recall_per_entity_type_and_false_positives(rows: list[dict[str, object]]) -> None:
    total: Counter[str] = Counter()
    found: Counter[str] = Counter()
    missed: list[str] = []
    negatives = false_positives = 0
    for row in rows:
        text = str(row["text"])
        scrubbed, types = privacy.scrub(text)
        entities: list[dict[str, str]] = row["entities"]  # type: ignore[assignment]
        if not entities:
            negatives += 1
            false_positives += bool(types)
            if types:
                missed.append(f"false positive {types}: {text!r} -> {scrubbed!r}")
        for entity in entities:
            total[entity["type"]] += 1
            if entity["value"] not in scrubbed and f"<{entity['type']}>" in scrubbed:
                found[entity["type"]] += 1
            else:
                missed.append(f"missed {entity['type']} {entity['value']!r}: {text!r} -> {scrubbed!r}")
    fp_rate = false_positives / negatives
    lines = ["", "| entity | found | annotated | recall |", "|---|---|---|---|"]
    lines += [f"| {t} | {found[t]} | {total[t]} | {found[t] / total[t]:.3f} |" for t in privacy.ENTITY_TYPES]
    lines.append(f"false positives on negatives: {false_positives}/{negatives} ({fp_rate:.3f})")
    print("\n".join(lines + missed))
    for entity, minimum in MIN_RECALL.items():
        assert found[entity] / total[entity] >= minimum, (entity, missed)
    assert fp_rate <= MAX_FALSE_POSITIVE_RATE, missed


def test_the_screen_passes_every_text_the_analyzer_would_flag(rows: list[dict[str, object]]) -> None:
    """The cheap screen may only skip texts in which the full analyzer finds nothing."""
    analyzer, _, _ = privacy._engines()
    for row in rows:
        text = str(row["text"])
        hits = [r for r in analyzer.analyze(text=text, language="en") if r.score >= privacy.MIN_SCORE]
        if hits:
            assert privacy.is_candidate(text), (text, hits)


def test_most_negatives_skip_the_analyzer(rows: list[dict[str, object]]) -> None:
    negatives = [str(row["text"]) for row in rows if not row["entities"]]
    screened_out = sum(not privacy.is_candidate(text) for text in negatives)
    assert screened_out / len(negatives) >= 0.6  # the negatives are hard on purpose: real traffic is easier
