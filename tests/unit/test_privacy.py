"""PII scrubbing: placeholders, flags on every ingest path's rows, the readiness gate, offline engines.

In: hand-made messages and small import files. Out: assertions on scrubbed text, `pii_flags` and the
`no_unscrubbed_pii` readiness check with `SCRUB_PII_ON_INGEST` on and off.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import orjson
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import privacy
from core.auth import Principal
from core.config import Settings
from core.dataset.readiness import assess
from core.ingest.importer import import_files
from core.ingest.writer import RowBuilder
from core.models import Interaction
from core.prices import PriceBook
from core.pseudonym import Pseudonymizer

EVERYTHING = (
    "Hi, my name is Jane Doe, born on 14/03/1994. Email jane.doe@example.com or call +44 7700 900123. "
    "I live at 12 Baker Street. My insta is @jane_cycles and instagram.com/janedoe. Is my period late?"
)


def test_scrub_replaces_each_hit_with_its_typed_placeholder_and_keeps_the_context() -> None:
    scrubbed, types = privacy.scrub(EVERYTHING)
    assert scrubbed == (
        "Hi, my name is <NAME>, born on <DOB>. Email <EMAIL> or call <PHONE>. "
        "I live at <ADDRESS>. My insta is <HANDLE> and <URL>. Is my period late?"
    )
    assert types == sorted(privacy.ENTITY_TYPES)
    assert privacy.detect(EVERYTHING) == types


def test_ordinary_messages_are_left_alone() -> None:
    for text in (
        "",
        "day 14 of my cycle, 28 days",
        "I'm Pregnant, this is Day 3",
        "birth control for 2 years",
    ):
        assert privacy.scrub(text) == (text, [])
        assert privacy.detect(text) == []


def test_flags_mark_text_stored_as_written() -> None:
    assert privacy.flags([], scrubbed=True) is None
    assert privacy.flags(["PHONE", "EMAIL", "PHONE"], scrubbed=True) == ["EMAIL", "PHONE"]
    assert privacy.flags(["EMAIL"], scrubbed=False) == ["EMAIL", privacy.UNSCRUBBED]


def test_the_row_builder_stays_picklable_for_worker_processes() -> None:
    privacy.scrub(EVERYTHING)  # the engines exist in this process; the builder must not carry them
    builder = RowBuilder(Pseudonymizer("k"), PriceBook({}), "import", scrub_pii=False, sqlite=True)
    data = pickle.dumps(builder)
    restored = pickle.loads(data)
    assert b"presidio" not in data and restored.scrub_pii is False and restored.source == "import"


def test_the_engines_work_offline_without_a_language_model() -> None:
    """A fresh interpreter with the network cut off builds the engines and scrubs: nothing is downloaded."""
    script = (
        "import socket\n"
        "def refuse(*a, **k): raise RuntimeError('network access attempted')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from core import privacy\n"
        f"print(privacy.scrub({EVERYTHING!r})[1])\n"
        "import spacy.util\n"
        "assert not spacy.util.get_installed_models(), 'a spaCy model is installed'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert done.returncode == 0, done.stderr
    assert "EMAIL" in done.stdout


def _export(path: Path) -> Path:
    rows = [
        {
            "id": "pii-1",
            "messages": [
                {"role": "system", "content": "You are a kind menstrual-health assistant."},
                {"role": "user", "content": "hi I'm Sarah, email sarah.j@gmail.com. My period is late?"},
                {"role": "assistant", "content": "Hi Sarah, a late period is common. Call 020 7946 0958."},
            ],
            "rating": 5,
        },
        {
            "id": "plain-1",
            "messages": [
                {"role": "user", "content": "Is day 14 of a 28 day cycle ovulation?"},
                {"role": "assistant", "content": "Often, yes: about 14 days before the next period."},
            ],
            "rating": 5,
        },
    ]
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


def _stored(session: Session) -> dict[str, Interaction]:
    return {i.id: i for i in session.scalars(select(Interaction))}


def test_import_scrubs_and_flags_when_on(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    assert settings.scrub_pii_on_ingest  # the default
    import_files([_export(tmp_path / "x.jsonl")], "auto", session=session, principal=admin, settings=settings)
    stored = _stored(session)
    pii, plain = stored["pii-1"], stored["plain-1"]
    assert pii.user_message == "hi I'm <NAME>, email <EMAIL>. My period is late?"
    assert pii.assistant_message == "Hi Sarah, a late period is common. Call <PHONE>."
    assert [m["content"] for m in pii.messages] == [
        "You are a kind menstrual-health assistant.",
        pii.user_message,
        pii.assistant_message,
    ]
    assert pii.pii_flags == ["EMAIL", "NAME", "PHONE"]
    assert plain.pii_flags is None and plain.user_message == "Is day 14 of a 28 day cycle ovulation?"
    check = next(
        c for c in assess(session=session, settings=settings).checks if c.name == "no_unscrubbed_pii"
    )
    assert check.passed and check.value == 0 and "1 more had theirs replaced" in check.message


def test_import_keeps_the_text_but_flags_it_when_off(
    session: Session, settings: Settings, admin: Principal, tmp_path: Path
) -> None:
    off = settings.model_copy(update={"scrub_pii_on_ingest": False})
    import_files([_export(tmp_path / "x.jsonl")], "auto", session=session, principal=admin, settings=off)
    pii = _stored(session)["pii-1"]
    assert "sarah.j@gmail.com" in pii.user_message and "Sarah" in pii.messages[1]["content"]
    assert pii.pii_flags == ["EMAIL", "NAME", "PHONE", privacy.UNSCRUBBED]
    check = next(c for c in assess(session=session, settings=off).checks if c.name == "no_unscrubbed_pii")
    assert not check.passed and check.value == 1


# Pieces that exercise every trigger of the screen, its word boundaries and the characters where Python's and
# RE2's classes could part (non-ASCII letters and digits, unusual spaces, vertical tab, file separator).
_TRIGGERS = (
    "born",
    "Birth",
    "b-day",
    "BDAY",
    "d.o.b",
    "DoB",
    "name",
    "name’s",
    "I'm",
    "im",
    "I am",
    "this is",
    "call me",
    "it's",
    "its me",
    "is",
    "www.",
    "rue",
    "Via",
    "via",
    "calle",
    "Street",
    "St",
    "Road",
    "12",
    "1234567",
    "+44",
    ".com/",
    ".blogspot.",
    "@",
    "://",
    "SW1A 1AA",
    "Jane",
    "Doe",
    "Jan",
    "of",
    "the",
)
_GLUE = st.sampled_from(
    ["", " ", "  ", ",", ".", ":", "-", "(", "\u00a0", "\u2003", "\x0b", "\x1c", "\t", "\n"]
)
_ODD = st.sampled_from(["é", "İ", "٣", "_", "x", "7", "’", "ß", "ǅ", "½"])


@given(
    pieces=st.lists(st.tuples(st.one_of(st.sampled_from(_TRIGGERS), _ODD), _GLUE), min_size=1, max_size=10)
)
@hyp_settings(max_examples=3000, deadline=None)
def test_the_prefilter_matches_wherever_the_screen_does(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + glue for word, glue in pieces)
    if privacy.SCREEN.search(text):
        assert privacy.PREFILTER.search(text), text
    assert privacy.is_candidate(text) == bool(privacy.SCREEN.search(text))
