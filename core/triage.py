"""Triage columns on `interaction`: what the listing and the review queues filter and sort on, kept on the
row so that a filter reads one index instead of joining ratings, reviews and topics over a million rows.

In: an interaction's texts, topics and user rating (from the ingest writer), or nothing (the DDL). Out:
`mentions_dose()` and `suspicion()`, which the ingest writer (the only code that inserts interactions)
stores on each new row; the triggers (`SQLITE_DDL` / `POSTGRES_DDL`) that keep the columns right on every
later write, and the backfill (`BACKFILL`), which migration 0009 installs.

The columns and who keeps them right:
- `user_thumbs` — the end user's latest thumbs (by rating time, as the listing shows it); the writer fills
  it, triggers on `rating` follow every later insert, change and delete (collector feedback, erasure);
- `reviewer_rated` — a reviewer has rated it; triggers on `rating`;
- `review_status`, `clinical_verdict` — copied from `review` ('pending' and null while there is none);
  triggers on `review`;
- `mentions_dose` — the question or the answer says one of `DOSE_PHRASES`, as whole words in sequence (the
  words full-text search sees); the writer (interaction texts are never edited afterwards);
- `suspicion` — 3 a clinician judged the answer unsafe or inaccurate; 2 the user disliked it (latest thumbs
  down, or best stars 2 or fewer: `user_stars`, `core.rating_triggers`) on one of `SENSITIVE_TOPICS`; 1 it
  mentions a dose; 0 nothing suspicious. The writer computes it; triggers recompute it when the verdict,
  the user's rating or a sensitive topic tag changes (`SUSPICION_SQL` is the same rule in SQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from core.search import words

SENSITIVE_TOPICS: Final = ("pregnancy", "contraception", "fertility", "cramps_pain", "menopause")
DOSE_PHRASES: Final = ("mg", "milligram", "milligrams", "dosage", "double the dose", "tablets a day")
SUSPICION_LEVELS: Final = (3, 2, 1)  # strongest first; 0 is "not suspected"


_DOSE_WORDS: Final = tuple(tuple(phrase.split()) for phrase in DOSE_PHRASES)
_FIRST_WORDS: Final = frozenset(phrase[0] for phrase in _DOSE_WORDS)


def mentions_dose(*texts: str) -> bool:
    """Whether any text holds one of `DOSE_PHRASES` as consecutive whole words (case-insensitive). A text
    whose lower-cased form does not even contain a phrase's first word is passed over without splitting it
    into words (most texts, and the import's hot path)."""
    for text in texts:
        lowered = text.lower()
        if not any(first in lowered for first in _FIRST_WORDS):
            continue
        found = words(text)
        for phrase in _DOSE_WORDS:
            size = len(phrase)
            if any(tuple(found[i : i + size]) == phrase for i in range(len(found) - size + 1)):
                return True
    return False


def suspicion(
    *, verdict: str | None, thumbs: str | None, stars: int | None, topics: Iterable[str], dose: bool
) -> int:
    """The suspicion level of an interaction (see the module docstring; `SUSPICION_SQL` in SQL)."""
    if verdict in ("unsafe", "inaccurate"):
        return 3
    disliked = thumbs == "down" or (stars is not None and stars <= 2)
    if disliked and any(topic in SENSITIVE_TOPICS for topic in topics):
        return 2
    return 1 if dose else 0


_SENSITIVE_LIST = ", ".join(f"'{topic}'" for topic in SENSITIVE_TOPICS)
_LATEST_THUMBS = (
    "(SELECT thumbs FROM rating WHERE rating.interaction_id = {id} "
    "AND rating.source = 'user' AND rating.thumbs IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1)"
)
_RECOMPUTE_RATINGS = (
    f"UPDATE interaction SET user_thumbs = {_LATEST_THUMBS}, "
    "reviewer_rated = EXISTS (SELECT 1 FROM rating WHERE rating.interaction_id = {id} "
    "AND rating.source = 'reviewer') WHERE id = {id}"
)
# A new user rating sets the thumbs unless a later one is stored (the writer has set them already, so at
# ingest this finds nothing to change and writes nothing).
_NEWER_THUMBS = (
    "SELECT 1 FROM rating AS later WHERE later.interaction_id = new.interaction_id AND later.source = 'user' "
    "AND later.thumbs IS NOT NULL AND later.id <> new.id AND (later.created_at > new.created_at "
    "OR (later.created_at = new.created_at AND later.id > new.id))"
)
_SET_THUMBS = (
    "UPDATE interaction SET user_thumbs = new.thumbs WHERE id = new.interaction_id "
    "AND user_thumbs {differs} new.thumbs AND NOT EXISTS ({newer})"
)
_SET_REVIEWER_RATED = (
    "UPDATE interaction SET reviewer_rated = true WHERE id = new.interaction_id AND NOT reviewer_rated"
)
_COPY_REVIEW = (
    "UPDATE interaction SET review_status = coalesce(new.status, 'pending'), "
    "clinical_verdict = new.clinical_verdict WHERE id = new.interaction_id"
)
_CLEAR_REVIEW = (
    "UPDATE interaction SET review_status = 'pending', clinical_verdict = NULL WHERE id = old.interaction_id"
)
# The suspicion of the interaction row `{row}` (whose id is `{row}.id`), as `suspicion()` computes it.
SUSPICION_SQL: Final = (
    "CASE WHEN {row}.clinical_verdict IN ('unsafe', 'inaccurate') THEN 3 "
    "WHEN ({row}.user_thumbs = 'down' OR {row}.user_stars <= 2) AND EXISTS (SELECT 1 FROM interaction_topic "
    f"AS t WHERE t.interaction_id = {{row}}.id AND t.topic IN ({_SENSITIVE_LIST})) THEN 2 "
    "WHEN {row}.mentions_dose THEN 1 ELSE 0 END"
)
_SUSPICION_INPUTS = "user_stars, user_thumbs, clinical_verdict, mentions_dose"
# A sensitive tag added to a disliked interaction makes it level 2; one removed may lower a level 2.
_RAISE_SUSPICION = (
    "UPDATE interaction SET suspicion = 2 WHERE id = new.interaction_id AND suspicion < 2 "
    "AND (user_thumbs = 'down' OR user_stars <= 2)"
)
_LOWER_SUSPICION = (
    f"UPDATE interaction SET suspicion = {SUSPICION_SQL.format(row='interaction')} "
    "WHERE id = old.interaction_id AND suspicion = 2"
)

SQLITE_DDL: Final = (
    "CREATE TRIGGER rating_triage_insert_user AFTER INSERT ON rating "
    "WHEN new.source = 'user' AND new.thumbs IS NOT NULL BEGIN "
    f"{_SET_THUMBS.format(differs='IS NOT', newer=_NEWER_THUMBS)}; END",
    "CREATE TRIGGER rating_triage_insert_reviewer AFTER INSERT ON rating WHEN new.source = 'reviewer' BEGIN "
    f"{_SET_REVIEWER_RATED}; END",
    "CREATE TRIGGER rating_triage_update AFTER UPDATE OF interaction_id, source, thumbs, created_at "
    f"ON rating BEGIN {_RECOMPUTE_RATINGS.format(id='old.interaction_id')}; "
    f"{_RECOMPUTE_RATINGS.format(id='new.interaction_id')}; END",
    "CREATE TRIGGER rating_triage_delete AFTER DELETE ON rating BEGIN "
    f"{_RECOMPUTE_RATINGS.format(id='old.interaction_id')}; END",
    f"CREATE TRIGGER review_triage_insert AFTER INSERT ON review BEGIN {_COPY_REVIEW}; END",
    "CREATE TRIGGER review_triage_update AFTER UPDATE ON review BEGIN "
    f"{_CLEAR_REVIEW} AND old.interaction_id <> new.interaction_id; {_COPY_REVIEW}; END",
    f"CREATE TRIGGER review_triage_delete AFTER DELETE ON review BEGIN {_CLEAR_REVIEW}; END",
    f"CREATE TRIGGER interaction_suspicion AFTER UPDATE OF {_SUSPICION_INPUTS} ON interaction BEGIN "
    f"UPDATE interaction SET suspicion = {SUSPICION_SQL.format(row='new')} WHERE id = new.id; END",
    "CREATE TRIGGER topic_triage_insert AFTER INSERT ON interaction_topic "
    f"WHEN new.topic IN ({_SENSITIVE_LIST}) BEGIN {_RAISE_SUSPICION}; END",
    "CREATE TRIGGER topic_triage_update AFTER UPDATE OF interaction_id, topic ON interaction_topic BEGIN "
    f"{_LOWER_SUSPICION}; {_RAISE_SUSPICION} AND new.topic IN ({_SENSITIVE_LIST}); END",
    "CREATE TRIGGER topic_triage_delete AFTER DELETE ON interaction_topic "
    f"WHEN old.topic IN ({_SENSITIVE_LIST}) BEGIN {_LOWER_SUSPICION}; END",
)
SQLITE_DROP: Final = tuple(
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "rating_triage_insert_user",
        "rating_triage_insert_reviewer",
        "rating_triage_update",
        "rating_triage_delete",
        "review_triage_insert",
        "review_triage_update",
        "review_triage_delete",
        "interaction_suspicion",
        "topic_triage_insert",
        "topic_triage_update",
        "topic_triage_delete",
    )
)
POSTGRES_DDL: Final = (
    "CREATE FUNCTION bloomtune_rating_triage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'INSERT' THEN "
    "IF new.source = 'user' AND new.thumbs IS NOT NULL THEN "
    f"{_SET_THUMBS.format(differs='IS DISTINCT FROM', newer=_NEWER_THUMBS)}; END IF; "
    f"IF new.source = 'reviewer' THEN {_SET_REVIEWER_RATED}; END IF; "
    "RETURN NULL; END IF; "
    f"{_RECOMPUTE_RATINGS.format(id='old.interaction_id')}; "
    f"IF TG_OP = 'UPDATE' THEN {_RECOMPUTE_RATINGS.format(id='new.interaction_id')}; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER rating_triage AFTER INSERT OR UPDATE OR DELETE ON rating "
    "FOR EACH ROW EXECUTE FUNCTION bloomtune_rating_triage()",
    "CREATE FUNCTION bloomtune_review_triage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP = 'DELETE' THEN {_CLEAR_REVIEW}; RETURN NULL; END IF; "
    f"IF TG_OP = 'UPDATE' AND old.interaction_id <> new.interaction_id THEN {_CLEAR_REVIEW}; END IF; "
    f"{_COPY_REVIEW}; RETURN NULL; END $$",
    "CREATE TRIGGER review_triage AFTER INSERT OR UPDATE OR DELETE ON review "
    "FOR EACH ROW EXECUTE FUNCTION bloomtune_review_triage()",
    "CREATE FUNCTION bloomtune_interaction_suspicion() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"new.suspicion := {SUSPICION_SQL.format(row='new')}; RETURN new; END $$",
    f"CREATE TRIGGER interaction_suspicion BEFORE UPDATE OF {_SUSPICION_INPUTS} ON interaction "
    "FOR EACH ROW EXECUTE FUNCTION bloomtune_interaction_suspicion()",
    "CREATE FUNCTION bloomtune_topic_triage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP IN ('UPDATE', 'DELETE') AND old.topic IN ({_SENSITIVE_LIST}) THEN {_LOWER_SUSPICION}; END IF; "
    f"IF TG_OP IN ('INSERT', 'UPDATE') AND new.topic IN ({_SENSITIVE_LIST}) THEN {_RAISE_SUSPICION}; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER topic_triage AFTER INSERT OR UPDATE OR DELETE ON interaction_topic "
    "FOR EACH ROW EXECUTE FUNCTION bloomtune_topic_triage()",
)
POSTGRES_DROP: Final = (
    "DROP TRIGGER IF EXISTS rating_triage ON rating",
    "DROP FUNCTION IF EXISTS bloomtune_rating_triage()",
    "DROP TRIGGER IF EXISTS review_triage ON review",
    "DROP FUNCTION IF EXISTS bloomtune_review_triage()",
    "DROP TRIGGER IF EXISTS interaction_suspicion ON interaction",
    "DROP FUNCTION IF EXISTS bloomtune_interaction_suspicion()",
    "DROP TRIGGER IF EXISTS topic_triage ON interaction_topic",
    "DROP FUNCTION IF EXISTS bloomtune_topic_triage()",
)
# What was stored before the migration; `mentions_dose` comes from the full-text index (migration 0009).
# Each statement touches only the rows it changes: on PostgreSQL every row written costs its full-text and
# index entries again.
BACKFILL: Final = (
    "UPDATE interaction SET user_thumbs = "
    + _LATEST_THUMBS.format(id="interaction.id")
    + " WHERE id IN (SELECT interaction_id FROM rating WHERE source = 'user' AND thumbs IS NOT NULL)",
    "UPDATE interaction SET reviewer_rated = true "
    "WHERE id IN (SELECT interaction_id FROM rating WHERE source = 'reviewer')",
    "UPDATE interaction SET review_status = coalesce((SELECT status FROM review "
    "WHERE review.interaction_id = interaction.id), 'pending'), clinical_verdict = (SELECT clinical_verdict "
    "FROM review WHERE review.interaction_id = interaction.id) WHERE id IN (SELECT interaction_id FROM review)",
)
SUSPICION_BACKFILL: Final = (
    f"UPDATE interaction SET suspicion = {SUSPICION_SQL.format(row='interaction')} "
    f"WHERE {SUSPICION_SQL.format(row='interaction')} > 0"
)
