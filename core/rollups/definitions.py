"""What each rollup table holds, declared once for both ways of filling it.

In: nothing (declarations). Out: `ROLLUPS`, one `Rollup` per table of `core.models` named `rollup_*`: its
source (interactions, or end users' ratings joined to their interaction), the rows it counts (`where`), its
key columns and its measures. Each key and measure carries its SQL expression (for the grouped
`INSERT … SELECT` of a rebuild, an erasure or a rating change) and the same value computed from one row
in Python (for the ingest batch, which is summed in memory before one upsert per key), side by side so
they cannot drift apart; `tests/unit/test_rollups.py` checks both against queries over the raw rows.

In Python, an interaction rollup sees (interaction, its first user rating or None); a rating rollup sees
(interaction, rating) for each of the interaction's ratings. Every rollup has a count measure `n` first: a
key exists while `n > 0`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
PyValue = Callable[[Row, Row | None], Any]  # (interaction, rating or None) -> value
SqlValue = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Column:
    """A key or measure: its SQL expression over the source and its value for one Python row."""

    name: str
    sql: SqlValue
    py: PyValue


@dataclass(frozen=True)
class Rollup:
    table: Table
    source: str  # INTERACTIONS or RATINGS
    where: tuple[ColumnElement[bool], ...]
    counts: Callable[[Row, Row | None], bool]  # the Python form of `where` (see the module docstring)
    keys: tuple[Column, ...]
    measures: tuple[Column, ...]
    reads_ratings: bool = False  # an interaction rollup that depends on the interaction's ratings

    @property
    def follows_ratings(self) -> bool:
        """Whether a change to ratings changes this rollup."""
        return self.source == RATINGS or self.reads_ratings

    @property
    def key_names(self) -> list[str]:
        return [k.name for k in self.keys]

    @property
    def measure_names(self) -> list[str]:
        return [m.name for m in self.measures]


def _table(model: type) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def _day_text(value: Any) -> str:
    return str(value.isoformat())[:10]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.sum(case((condition, 1), else_=0))


# -- interactions ---------------------------------------------------------------------------------------
_I = Interaction
_DAY = Column("day", day(_I.created_at), lambda i, _: _day_text(i["created_at"]))
_CALLS = (
    Column("n", func.count(), lambda i, _: 1),
    Column("ok", _flag(_I.status == "ok"), lambda i, _: int(i["status"] == "ok")),
    Column("cost_usd", func.coalesce(func.sum(_I.cost_usd), 0.0), lambda i, _: i["cost_usd"] or 0.0),
    Column("priced", func.count(_I.cost_usd), lambda i, _: int(i["cost_usd"] is not None)),
)
_COUNT = (Column("n", func.count(), lambda i, _: 1),)
_IN_EXPERIMENT = (_I.experiment.is_not(None), _I.variant.is_not(None), _I.user_pseudonym.is_not(None))
_EXPERIMENT_KEYS = (
    Column("experiment", _I.experiment, lambda i, _: i["experiment"]),
    Column("variant", _I.variant, lambda i, _: i["variant"]),
    Column("user_pseudonym", _I.user_pseudonym, lambda i, _: i["user_pseudonym"]),
)


def _in_experiment(i: Row, _: Row | None = None) -> bool:
    return i["experiment"] is not None and i["variant"] is not None and i["user_pseudonym"] is not None


# -- ratings --------------------------------------------------------------------------------------------
_R = Rating


def _stars(r: Row | None) -> int | None:
    assert r is not None
    stars: int | None = r["stars"]
    return stars


def _thumbs(r: Row | None) -> str | None:
    assert r is not None
    thumbs: str | None = r["thumbs"]
    return thumbs


_RATING_COUNT = Column("n", func.count(), lambda i, r: 1)
_STARS = (
    Column("stars", func.count(_R.stars), lambda i, r: int(_stars(r) is not None)),
    Column("stars_sum", func.coalesce(func.sum(_R.stars), 0), lambda i, r: _stars(r) or 0),
)
_THUMBS = (
    Column("thumbs", func.count(_R.thumbs), lambda i, r: int(_thumbs(r) is not None)),
    Column("thumbs_up", _flag(_R.thumbs == "up"), lambda i, r: int(_thumbs(r) == "up")),
)


def _star_column(star: int) -> Column:
    return Column(f"star_{star}", _flag(_R.stars == star), lambda i, r: int(_stars(r) == star))


def _user_rating(i: Row, r: Row | None) -> bool:
    return r is not None and r["source"] == "user"


_HAS_USER_RATING = exists().where(_R.interaction_id == _I.id, _R.source == "user")

ROLLUPS: Final = (
    Rollup(
        _table(RollupCalls),
        INTERACTIONS,
        (),
        lambda i, _: True,
        (
            _DAY,
            Column(
                "model",
                func.coalesce(_I.model, literal_column("''")),
                lambda i, _: i["model"] or UNKNOWN_MODEL,
            ),
        ),
        _CALLS,
    ),
    Rollup(
        _table(RollupLatency),
        INTERACTIONS,
        (_I.latency_ms.is_not(None),),
        lambda i, _: i["latency_ms"] is not None,
        (
            _DAY,
            Column(
                "bucket",
                _I.latency_ms // LATENCY_BUCKET_MS,
                lambda i, _: i["latency_ms"] // LATENCY_BUCKET_MS,
            ),
        ),
        _COUNT,
    ),
    Rollup(
        _table(RollupUserDay),
        INTERACTIONS,
        (_I.user_pseudonym.is_not(None),),
        lambda i, _: i["user_pseudonym"] is not None,
        (Column("user_pseudonym", _I.user_pseudonym, lambda i, _: i["user_pseudonym"]), _DAY),
        _COUNT,
    ),
    Rollup(
        _table(RollupConversationDay),
        INTERACTIONS,
        (),
        lambda i, _: True,
        (Column("conversation_id", _I.conversation_id, lambda i, _: i["conversation_id"]), _DAY),
        _COUNT,
    ),
    Rollup(
        _table(RollupRatedDay),
        INTERACTIONS,
        (_HAS_USER_RATING,),
        lambda i, r: r is not None,
        (_DAY,),
        _COUNT,
        reads_ratings=True,
    ),
    Rollup(
        _table(RollupExperimentCalls), INTERACTIONS, _IN_EXPERIMENT, _in_experiment, _EXPERIMENT_KEYS, _CALLS
    ),
    Rollup(
        _table(RollupExperimentLatency),
        INTERACTIONS,
        (*_IN_EXPERIMENT, _I.latency_ms.is_not(None)),
        lambda i, _: _in_experiment(i) and i["latency_ms"] is not None,
        (*_EXPERIMENT_KEYS[:2], Column("latency_ms", _I.latency_ms, lambda i, _: i["latency_ms"])),
        _COUNT,
    ),
    Rollup(
        _table(RollupRatingDay),
        RATINGS,
        (_R.source == "user",),
        _user_rating,
        (Column("day", day(_R.created_at), lambda i, r: _day_text((r or {})["created_at"])),),
        (_RATING_COUNT, *_STARS, *(_star_column(star) for star in range(1, 6)), *_THUMBS),
    ),
    Rollup(
        _table(RollupExperimentRatings),
        RATINGS,
        (_R.source == "user", *_IN_EXPERIMENT),
        lambda i, r: _user_rating(i, r) and _in_experiment(i),
        _EXPERIMENT_KEYS,
        (
            _RATING_COUNT,
            *_THUMBS,
            *_STARS,
            Column("top_box", _flag(_R.stars >= 4), lambda i, r: int((_stars(r) or 0) >= 4)),
        ),
    ),
)
