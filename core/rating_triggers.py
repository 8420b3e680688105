"""`interaction.user_stars`: the end user's stars copied onto the interaction, so the listing can filter and
sort by them through an index instead of joining every rating.

In: nothing (DDL only). Out: the statements migration 0005 runs. Database triggers keep the copy right on
every write path — the ingest writer (which also fills the column itself, so its trigger finds nothing to
change), collector feedback, direct inserts, erasure: a user rating's insert raises `user_stars` to its
stars when higher; an update or delete recomputes the highest stars of the interaction's user ratings.
"""

from __future__ import annotations

_RECOMPUTE = (
    "UPDATE interaction SET user_stars = (SELECT max(stars) FROM rating "
    "WHERE rating.interaction_id = {row}.interaction_id AND rating.source = 'user') "
    "WHERE id = {row}.interaction_id"
)
_RAISE = (
    "UPDATE interaction SET user_stars = new.stars WHERE id = new.interaction_id "
    "AND (user_stars IS NULL OR user_stars < new.stars)"
)

SQLITE_DDL = (
    "CREATE TRIGGER rating_user_stars_insert AFTER INSERT ON rating "
    f"WHEN new.source = 'user' AND new.stars IS NOT NULL BEGIN {_RAISE}; END",
    "CREATE TRIGGER rating_user_stars_update AFTER UPDATE OF stars, source, interaction_id ON rating BEGIN "
    f"{_RECOMPUTE.format(row='old')}; {_RECOMPUTE.format(row='new')}; END",
    f"CREATE TRIGGER rating_user_stars_delete AFTER DELETE ON rating WHEN old.source = 'user' BEGIN "
    f"{_RECOMPUTE.format(row='old')}; END",
)
SQLITE_DROP = tuple(
    f"DROP TRIGGER IF EXISTS rating_user_stars_{event}" for event in ("insert", "update", "delete")
)
POSTGRES_DDL = (
    "CREATE FUNCTION bloomtune_rating_user_stars() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP IN ('UPDATE', 'DELETE') THEN "
    f"{_RECOMPUTE.format(row='old')}; END IF; "
    "IF TG_OP IN ('INSERT', 'UPDATE') AND new.source = 'user' AND new.stars IS NOT NULL THEN "
    f"{_RAISE}; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER rating_user_stars AFTER INSERT OR UPDATE OR DELETE ON rating "
    "FOR EACH ROW EXECUTE FUNCTION bloomtune_rating_user_stars()",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS rating_user_stars ON rating",
    "DROP FUNCTION IF EXISTS bloomtune_rating_user_stars()",
)
BACKFILL = (
    "UPDATE interaction SET user_stars = (SELECT max(stars) FROM rating "
    "WHERE rating.interaction_id = interaction.id AND rating.source = 'user') "
    "WHERE id IN (SELECT interaction_id FROM rating WHERE source = 'user' AND stars IS NOT NULL)"
)
