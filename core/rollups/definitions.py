"""What each rollup table holds, declared once for both ways of filling it.

In: nothing (declarations). Out: `ROLLUPS`, one `Rollup` per table of `core.models` named `rollup_*`: its
source (interactions, or end users' ratings joined to their interaction), the rows it counts (`where`), its
key columns and its measures as SQL expressions (for the grouped `INSERT … SELECT` of a rebuild, an
erasure or a rating change), and next to them the same key and measures computed from one row in Python
(`key`, `values`: for the ingest batch, which is summed in memory before one upsert per key). The two
forms sit side by side so they cannot drift apart unnoticed; `tests/unit/test_rollups.py` checks both
against queries over the raw rows.

In Python, an interaction rollup sees (interaction, its first user rating or None); a rating rollup sees
(interaction, rating) for each of the interaction's ratings; `key` returns None for a row the rollup does
not count, and `values` is None for a rollup that only counts (`n`). Every rollup has a count measure
`n` first: a key exists while `n > 0`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Table, case, exists, func, literal_column
from sqlalchemy.orm import InstrumentedAttribute

from core.models import (
    Interaction,
    Rating,
    RollupCalls,
    RollupConversationDay,
    RollupExperimentCalls,
    RollupExperimentLatency,
    RollupExperimentRatings,
    RollupLatency,
    RollupRatedDay,
    RollupRatingDay,
    RollupUserDay,
)
from core.sql import day

LATENCY_BUCKET_MS: Final = 10
UNKNOWN_MODEL: Final = ""  # the `model` key of interactions that did not say which model answered
INTERACTIONS, RATINGS = "interactions", "ratings"

Row = dict[str, Any]
Key = Callable[[Row, Row | None], tuple[Any, ...] | None]
Values = Callable[[Row, Row | None], tuple[Any, ...]]
SqlValue = ColumnElement[Any] | InstrumentedAttribute[Any]
Columns = tuple[tuple[str, SqlValue], ...]


@dataclass(frozen=True)
class Rollup:
    table: Table
    source: str  # INTERACTIONS or RATINGS
    where: tuple[ColumnElement[bool], ...]
    keys: Columns  # (name, SQL expression) per key column
    measures: Columns  # (name, SQL aggregate) per measure, `n` first
    key: Key  # the Python form of `where` and `keys`
    values: Values | None = None  # the Python form of `measures`; None: only `n`, which is 1 per row
    reads_ratings: bool = False  # an interaction rollup that depends on the interaction's ratings

    @property
    def follows_ratings(self) -> bool:
        """Whether a change to ratings changes this rollup."""
        return self.source == RATINGS or self.reads_ratings

    @property
    def key_names(self) -> list[str]:
        return [name for name, _ in self.keys]

    @property
    def measure_names(self) -> list[str]:
        return [name for name, _ in self.measures]


def _table(model: type) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


_DAYS: dict[int, str] = {}


def day_text(moment: datetime) -> str:
    """`YYYY-MM-DD` of a timestamp, as `core.sql.day()` computes it in SQL (memoised: ingest calls it a lot)."""
    ordinal = moment.toordinal()
    text = _DAYS.get(ordinal)
    if text is None:
        text = _DAYS[ordinal] = moment.date().isoformat()
    return text


def _flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


# -- interactions ---------------------------------------------------------------------------------------
_I = Interaction
_R = Rating
_DAY = ("day", day(_I.created_at))
_COUNT: Columns = (("n", func.count()),)
_CALLS: Columns = (
    ("n", func.count()),
    ("ok", _flag(_I.status == "ok")),
    ("cost_usd", func.coalesce(func.sum(_I.cost_usd), 0.0)),
    ("priced", func.count(_I.cost_usd)),
)
_IN_EXPERIMENT = (_I.experiment.is_not(None), _I.variant.is_not(None), _I.user_pseudonym.is_not(None))
_EXPERIMENT_KEYS: Columns = (
    ("experiment", _I.experiment),
    ("variant", _I.variant),
    ("user_pseudonym", _I.user_pseudonym),
)
_HAS_USER_RATING = exists().where(_R.interaction_id == _I.id, _R.source == "user")


def _calls(i: Row, _: Row | None) -> tuple[Any, ...]:
    cost = i["cost_usd"]
    return 1, int(i["status"] == "ok"), cost or 0.0, int(cost is not None)


def _experiment_key(i: Row) -> tuple[Any, ...] | None:
    if i["experiment"] is None or i["variant"] is None or i["user_pseudonym"] is None:
        return None
    return i["experiment"], i["variant"], i["user_pseudonym"]


def _latency_key(i: Row, _: Row | None) -> tuple[Any, ...] | None:
    latency = i["latency_ms"]
    return None if latency is None else (day_text(i["created_at"]), latency // LATENCY_BUCKET_MS)


def _user_day_key(i: Row, _: Row | None) -> tuple[Any, ...] | None:
    user = i["user_pseudonym"]
    return None if user is None else (user, day_text(i["created_at"]))


def _experiment_latency_key(i: Row, _: Row | None) -> tuple[Any, ...] | None:
    key = _experiment_key(i)
    latency = i["latency_ms"]
    return None if key is None or latency is None else (key[0], key[1], latency)


# -- ratings --------------------------------------------------------------------------------------------
_STARS: Columns = (("stars", func.count(_R.stars)), ("stars_sum", func.coalesce(func.sum(_R.stars), 0)))
_THUMBS: Columns = (("thumbs", func.count(_R.thumbs)), ("thumbs_up", _flag(_R.thumbs == "up")))
_STAR_HISTOGRAM: Columns = tuple((f"star_{star}", _flag(_R.stars == star)) for star in range(1, 6))


def _user_rating(r: Row | None) -> Row | None:
    return r if r is not None and r["source"] == "user" else None


def _rating_day_key(i: Row, r: Row | None) -> tuple[Any, ...] | None:
    rating = _user_rating(r)
    return None if rating is None else (day_text(rating["created_at"]),)


def _rating_day_values(i: Row, r: Row | None) -> tuple[Any, ...]:
    assert r is not None
    stars, thumbs = r["stars"], r["thumbs"]
    histogram = tuple(int(stars == star) for star in range(1, 6))
    return 1, int(stars is not None), stars or 0, *histogram, int(thumbs is not None), int(thumbs == "up")


def _experiment_rating_key(i: Row, r: Row | None) -> tuple[Any, ...] | None:
    return None if _user_rating(r) is None else _experiment_key(i)


def _experiment_rating_values(i: Row, r: Row | None) -> tuple[Any, ...]:
    assert r is not None
    stars, thumbs = r["stars"], r["thumbs"]
    return (
        1,
        int(thumbs is not None),
        int(thumbs == "up"),
        int(stars is not None),
        stars or 0,
        int((stars or 0) >= 4),
    )


ROLLUPS: Final = (
    Rollup(
        _table(RollupCalls),
        INTERACTIONS,
        (),
        (_DAY, ("model", func.coalesce(_I.model, literal_column("''")))),
        _CALLS,
        key=lambda i, _: (day_text(i["created_at"]), i["model"] or UNKNOWN_MODEL),
        values=_calls,
    ),
    Rollup(
        _table(RollupLatency),
        INTERACTIONS,
        (_I.latency_ms.is_not(None),),
        (_DAY, ("bucket", _I.latency_ms // LATENCY_BUCKET_MS)),
        _COUNT,
        key=_latency_key,
    ),
    Rollup(
        _table(RollupUserDay),
        INTERACTIONS,
        (_I.user_pseudonym.is_not(None),),
        (("user_pseudonym", _I.user_pseudonym), _DAY),
        _COUNT,
        key=_user_day_key,
    ),
    Rollup(
        _table(RollupConversationDay),
        INTERACTIONS,
        (),
        (("conversation_id", _I.conversation_id), _DAY),
        _COUNT,
        key=lambda i, _: (i["conversation_id"], day_text(i["created_at"])),
    ),
    Rollup(
        _table(RollupRatedDay),
        INTERACTIONS,
        (_HAS_USER_RATING,),
        (_DAY,),
        _COUNT,
        key=lambda i, r: None if r is None else (day_text(i["created_at"]),),
        reads_ratings=True,
    ),
    Rollup(
        _table(RollupExperimentCalls),
        INTERACTIONS,
        _IN_EXPERIMENT,
        _EXPERIMENT_KEYS,
        _CALLS,
        key=lambda i, _: _experiment_key(i),
        values=_calls,
    ),
    Rollup(
        _table(RollupExperimentLatency),
        INTERACTIONS,
        (*_IN_EXPERIMENT, _I.latency_ms.is_not(None)),
        (*_EXPERIMENT_KEYS[:2], ("latency_ms", _I.latency_ms)),
        _COUNT,
        key=_experiment_latency_key,
    ),
    Rollup(
        _table(RollupRatingDay),
        RATINGS,
        (_R.source == "user",),
        (("day", day(_R.created_at)),),
        (("n", func.count()), *_STARS, *_STAR_HISTOGRAM, *_THUMBS),
        key=_rating_day_key,
        values=_rating_day_values,
    ),
    Rollup(
        _table(RollupExperimentRatings),
        RATINGS,
        (_R.source == "user", *_IN_EXPERIMENT),
        _EXPERIMENT_KEYS,
        (("n", func.count()), *_THUMBS, *_STARS, ("top_box", _flag(_R.stars >= 4))),
        key=_experiment_rating_key,
        values=_experiment_rating_values,
    ),
)
