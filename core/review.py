"""Review actions on one interaction or on many: rate, approve / reject, correct, judge, tag, annotate.

In: a session, the acting `Principal`, an interaction id (or a list of them) and what to change. Out: the
`review`, `rating` (source 'reviewer', author = the principal's email) and `interaction_topic` (source
'reviewer') rows changed, one audit entry, one commit — or an error and nothing written.

Single saves (`save_review` and its one-field shorthands) use optimistic concurrency: the caller passes the
`version` of the review it loaded (0 when the interaction had no review yet, see `current_version`). The save
claims the next version with `UPDATE review … WHERE version = :expected` (or, for version 0, an
`INSERT … ON CONFLICT DO NOTHING`); when another save got there first the claim changes no row, the
transaction is rolled back and `ConflictError` says who saved and when. Reviewer ratings and topic tags ride
on the same claim, so every part of the form is protected. Bulk status and tag changes (at most
`MAX_BULK_IDS` ids) take no version but bump it, so an editor left open on one of them is refused too.

Permissions: ratings need `RATE`, every other change `REVIEW`, a clinical verdict `CLINICAL_VERDICT`.
`review_history()` reads the audit entries about one interaction (its own saves and the bulk actions that
named it) for anyone who may view interactions. `answer_diff()` is the line diff the editor shows.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.errors import ConflictError, InputError, NotFound
from core.models import AuditLog, Interaction, InteractionTopic, Rating, Review
from core.vocab import CLINICAL_VERDICTS, CORE_TOPICS, REVIEW_STATUSES, THUMBS

MAX_BULK_IDS = 500
MAX_IDEAL_ANSWER_CHARS = 20_000
MAX_NOTES_CHARS = 5_000
HISTORY_LIMIT = 200
BULK_ACTIONS = ("review.bulk_status", "review.bulk_tag")


@dataclass(frozen=True)
class ReviewerRating:
    """The reviewer's own stars and/or thumbs; both None withdraws the reviewer's rating."""

    stars: int | None = None
    thumbs: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ReviewChanges:
    """What one save changes; None leaves a field as it is, "" clears a text field or the verdict.

    `topics` is the whole set of topics the interaction should carry (None: leave the tags alone).
    """

    status: str | None = None
    ideal_answer: str | None = None
    clinical_verdict: str | None = None
    notes: str | None = None
    rating: ReviewerRating | None = None
    topics: tuple[str, ...] | None = None

    def is_empty(self) -> bool:
        return all(value is None for value in vars(self).values())


@dataclass(frozen=True)
class ReviewForm:
    """Everything the review editor shows, as loaded or as edited ("" and 0 mean "none")."""

    stars: int = 0
    thumbs: str = ""
    status: str = "pending"
    ideal_answer: str = ""
    clinical_verdict: str = ""
    topics: tuple[str, ...] = ()
    notes: str = ""

    def changes_to(self, edited: ReviewForm, *, original_answer: str, may_judge: bool) -> ReviewChanges:
        """What saving `edited` over this loaded form changes. An ideal answer equal to the original
        answer is no ideal answer; the verdict is left alone unless the editor `may_judge`."""

        def ideal(form: ReviewForm) -> str:
            text = form.ideal_answer.strip()
            return "" if text == original_answer.strip() else text

        def changed(before: Any, after: Any) -> Any:
            return None if before == after else after

        rating = (edited.stars, edited.thumbs)
        return ReviewChanges(
            status=changed(self.status, edited.status),
            ideal_answer=changed(ideal(self), ideal(edited)),
            clinical_verdict=changed(self.clinical_verdict, edited.clinical_verdict) if may_judge else None,
            notes=changed(self.notes.strip(), edited.notes.strip()),
            rating=None
            if rating == (self.stars, self.thumbs)
            else ReviewerRating(edited.stars or None, edited.thumbs or None),
            topics=None if set(self.topics) == set(edited.topics) else tuple(sorted(edited.topics)),
        )


@dataclass(frozen=True)
class BulkResult:
    action: str
    count: int
    created: int


def current_version(session: Session, interaction_id: str) -> int:
    """The review version an editor loads: 0 while the interaction has no review row."""
    return int(session.scalar(select(Review.version).where(Review.interaction_id == interaction_id)) or 0)


def save_review(
    interaction_id: str,
    changes: ReviewChanges,
    *,
    expected_version: int,
    session: Session,
    principal: Principal,
) -> int:
    """Apply `changes` if the review is still at `expected_version`; returns the new version."""
    _require_for(principal, changes)
    _validate(changes)
    _existing(session, [interaction_id])
    values = _review_values(changes)
    new_version = _claim(session, interaction_id, expected_version, principal, values)
    summary: dict[str, Any] = {
        key: value for key, value in values.items() if key in ("status", "clinical_verdict")
    }
    if changes.ideal_answer is not None:
        summary["ideal_answer"] = "set" if values["ideal_answer"] else "cleared"
    if changes.notes is not None:
        summary["notes"] = "set" if values["notes"] else "cleared"
    if changes.rating is not None:
        summary["rating"] = _rate(session, interaction_id, changes.rating, principal)
    if changes.topics is not None:
        added, removed = _set_topics(session, interaction_id, set(changes.topics))
        summary.update(topics_added=added, topics_removed=removed)
    audit.record(session, principal, "review.save", interaction_id, version=new_version, **summary)
    session.commit()
    return new_version


# One-field saves, for scripts and tests; each is `save_review` with a single change.


def approve(interaction_id: str, *, expected_version: int, session: Session, principal: Principal) -> int:
    return save_review(
        interaction_id,
        ReviewChanges(status="approved"),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def reject(interaction_id: str, *, expected_version: int, session: Session, principal: Principal) -> int:
    return save_review(
        interaction_id,
        ReviewChanges(status="rejected"),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def set_ideal_answer(
    interaction_id: str, text: str, *, expected_version: int, session: Session, principal: Principal
) -> int:
    """Set the corrected answer ("" removes it, so the original is used again)."""
    return save_review(
        interaction_id,
        ReviewChanges(ideal_answer=text),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def set_clinical_verdict(
    interaction_id: str, verdict: str, *, expected_version: int, session: Session, principal: Principal
) -> int:
    return save_review(
        interaction_id,
        ReviewChanges(clinical_verdict=verdict),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def set_notes(
    interaction_id: str, text: str, *, expected_version: int, session: Session, principal: Principal
) -> int:
    return save_review(
        interaction_id,
        ReviewChanges(notes=text),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def set_topics(
    interaction_id: str,
    topics: Iterable[str],
    *,
    expected_version: int,
    session: Session,
    principal: Principal,
) -> int:
    return save_review(
        interaction_id,
        ReviewChanges(topics=tuple(topics)),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def rate(
    interaction_id: str,
    stars: int | None,
    thumbs: str | None = None,
    *,
    expected_version: int,
    session: Session,
    principal: Principal,
) -> int:
    """Set the principal's reviewer rating (both None withdraws it)."""
    return save_review(
        interaction_id,
        ReviewChanges(rating=ReviewerRating(stars, thumbs)),
        expected_version=expected_version,
        session=session,
        principal=principal,
    )


def bulk_set_status(ids: Sequence[str], status: str, *, session: Session, principal: Principal) -> BulkResult:
    """Approve, reject (or reset to pending) every interaction in `ids` in one transaction."""
    require(principal, Permission.REVIEW)
    if status not in REVIEW_STATUSES:
        raise InputError(f"review status must be one of {', '.join(REVIEW_STATUSES)}, not {status!r}")
    unique = _bulk_ids(session, ids)
    created = _touch(session, unique, principal, {"status": status})
    audit.record(session, principal, "review.bulk_status", None, status=status, count=len(unique), ids=unique)
    session.commit()
    return BulkResult(action=status, count=len(unique), created=created)


def bulk_add_topic(ids: Sequence[str], topic: str, *, session: Session, principal: Principal) -> BulkResult:
    """Tag every interaction in `ids` with `topic` (a reviewer tag) in one transaction."""
    require(principal, Permission.REVIEW)
    _check_topics([topic])
    unique = _bulk_ids(session, ids)
    created = _touch(session, unique, principal, {})
    session.execute(
        update(InteractionTopic)
        .where(InteractionTopic.interaction_id.in_(unique), InteractionTopic.topic == topic)
        .values(source="reviewer")
    )
    _insert_ignore(
        session,
        InteractionTopic,
        [{"interaction_id": i, "topic": topic, "source": "reviewer"} for i in unique],
    )
    audit.record(session, principal, "review.bulk_tag", None, topic=topic, count=len(unique), ids=unique)
    session.commit()
    return BulkResult(action=f"tag:{topic}", count=len(unique), created=created)


def review_history(
    interaction_id: str, *, session: Session, principal: Principal, limit: int = HISTORY_LIMIT
) -> list[audit.AuditEntry]:
    """The audit entries about one interaction, newest first: its saves and the bulk actions naming it."""
    require(principal, Permission.VIEW_INTERACTIONS)
    quoted = '"' + re.sub(r"([\\%_])", r"\\\1", interaction_id) + '"'
    named_in_bulk = (AuditLog.action.in_(BULK_ACTIONS)) & cast(AuditLog.details, String).like(
        f"%{quoted}%", escape="\\"
    )
    rows = session.scalars(
        select(AuditLog)
        .where(or_(AuditLog.target == interaction_id, named_in_bulk))
        .order_by(AuditLog.ts.desc(), AuditLog.id.desc())
        .limit(limit)
    )
    return [
        audit.AuditEntry(ts=r.ts, actor=r.actor, action=r.action, target=r.target, details=r.details)
        for r in rows
    ]


def answer_diff(original: str, ideal: str) -> str:
    """A unified diff from the original answer to the ideal one, one sentence per line."""
    lines = difflib.unified_diff(
        _sentences(original), _sentences(ideal), "original", "ideal answer", lineterm="", n=2
    )
    return "\n".join(lines)


def _sentences(text: str) -> list[str]:
    return [part for line in text.splitlines() for part in re.split(r"(?<=[.!?])\s+", line) if part]


def _require_for(principal: Principal, changes: ReviewChanges) -> None:
    if changes.rating is not None:
        require(principal, Permission.RATE)
    if any(v is not None for v in (changes.status, changes.ideal_answer, changes.notes, changes.topics)):
        require(principal, Permission.REVIEW)
    if changes.clinical_verdict is not None:
        require(principal, Permission.CLINICAL_VERDICT)
    if changes.is_empty():
        raise InputError("nothing to save: change the rating, status, answer, verdict, tags or notes first")


def _validate(changes: ReviewChanges) -> None:
    if changes.status is not None and changes.status not in REVIEW_STATUSES:
        raise InputError(f"review status must be one of {', '.join(REVIEW_STATUSES)}, not {changes.status!r}")
    if changes.clinical_verdict not in (None, "", *CLINICAL_VERDICTS):
        raise InputError(
            f"clinical verdict must be one of {', '.join(CLINICAL_VERDICTS)}, not {changes.clinical_verdict!r}"
        )
    for name, text, limit in (
        ("ideal answer", changes.ideal_answer, MAX_IDEAL_ANSWER_CHARS),
        ("notes", changes.notes, MAX_NOTES_CHARS),
    ):
        if text is not None and len(text) > limit:
            raise InputError(f"the {name} is {len(text):,} characters; the limit is {limit:,}")
    if changes.rating is not None:
        stars, thumbs = changes.rating.stars, changes.rating.thumbs
        if stars is not None and not 1 <= stars <= 5:
            raise InputError(f"stars must be between 1 and 5, not {stars}")
        if thumbs is not None and thumbs not in THUMBS:
            raise InputError(f"thumbs must be 'up' or 'down', not {thumbs!r}")
    if changes.topics is not None:
        _check_topics(changes.topics)


def _check_topics(topics: Iterable[str]) -> None:
    unknown = sorted(set(topics) - set(CORE_TOPICS))
    if unknown:
        raise InputError(f"unknown topic {', '.join(unknown)}; topics are {', '.join(CORE_TOPICS)}")


def _existing(session: Session, ids: Sequence[str]) -> None:
    found = set(session.scalars(select(Interaction.id).where(Interaction.id.in_(ids))))
    missing = [i for i in ids if i not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise NotFound(f"no interaction with id {shown}")


def _bulk_ids(session: Session, ids: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(ids))
    if not unique:
        raise InputError("select at least one interaction")
    if len(unique) > MAX_BULK_IDS:
        raise InputError(f"{len(unique):,} interactions selected; a bulk action takes at most {MAX_BULK_IDS}")
    _existing(session, unique)
    return unique


def _review_values(changes: ReviewChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if changes.status is not None:
        values["status"] = changes.status
    for name in ("ideal_answer", "clinical_verdict", "notes"):
        value = getattr(changes, name)
        if value is not None:
            values[name] = value.strip() or None
    return values


def _claim(
    session: Session, interaction_id: str, expected: int, principal: Principal, values: dict[str, Any]
) -> int:
    """Take the review from `expected` to the next version with `values`, or raise `ConflictError`."""
    stamp = {"reviewer": principal.email, "updated_at": audit.utcnow()}
    if expected == 0:
        row = {"interaction_id": interaction_id, "status": "pending", **values, **stamp, "version": 1}
        claimed = bool(_insert_ignore(session, Review, [row]))
    else:
        result = session.execute(
            update(Review)
            .where(Review.interaction_id == interaction_id, Review.version == expected)
            .values(**values, **stamp, version=Review.version + 1)
            .execution_options(synchronize_session=False)
        )
        claimed = result.rowcount == 1  # type: ignore[attr-defined]
    if not claimed:
        session.rollback()
        raise ConflictError(_conflict_message(session, interaction_id, expected))
    return expected + 1


def _conflict_message(session: Session, interaction_id: str, expected: int) -> str:
    current = session.get(Review, interaction_id, populate_existing=True)
    if current is None:
        return f"interaction {interaction_id} changed while you edited it; reload to see its current state"
    when: datetime = current.updated_at
    return (
        f"{current.reviewer or 'someone'} saved interaction {interaction_id} at {when:%Y-%m-%d %H:%M:%S} UTC "
        f"after you opened it (you loaded version {expected}, it is now version {current.version}). "
        "Your changes were not saved: reload to see their changes, then apply yours again."
    )


def _touch(session: Session, ids: list[str], principal: Principal, values: dict[str, Any]) -> int:
    """Give each of `ids` a review row with `values` and a new version; returns how many rows were new."""
    stamp = {"reviewer": principal.email, "updated_at": audit.utcnow()}
    rows = [{"interaction_id": i, "status": "pending", **values, **stamp, "version": 1} for i in ids]
    created = _insert_ignore(session, Review, rows)
    existing = [i for i in ids if i not in created]
    if existing:
        session.execute(
            update(Review)
            .where(Review.interaction_id.in_(existing))
            .values(**values, **stamp, version=Review.version + 1)
            .execution_options(synchronize_session=False)
        )
    return len(created)


def _insert_ignore(session: Session, model: Any, rows: list[dict[str, Any]]) -> set[str]:
    """INSERT … ON CONFLICT DO NOTHING; the interaction ids of the rows actually stored (RETURNING, since
    drivers disagree on the row count of such an insert)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(rows).on_conflict_do_nothing().returning(model.interaction_id)
    return set(session.scalars(statement))


def _rate(session: Session, interaction_id: str, rating: ReviewerRating, principal: Principal) -> str:
    """Set (or withdraw) the principal's reviewer rating; returns what the audit entry says about it."""
    mine = session.scalar(
        select(Rating).where(
            Rating.interaction_id == interaction_id,
            Rating.source == "reviewer",
            Rating.author == principal.email,
        )
    )
    if rating.stars is None and rating.thumbs is None:
        if mine is not None:
            session.delete(mine)
        return "withdrawn"
    if mine is None:
        mine = Rating(interaction_id=interaction_id, source="reviewer", author=principal.email)
        session.add(mine)
    mine.stars, mine.thumbs, mine.comment = rating.stars, rating.thumbs, rating.comment or None
    mine.created_at = audit.utcnow()
    return f"{rating.stars or '-'} stars, thumbs {rating.thumbs or '-'}"


def _set_topics(session: Session, interaction_id: str, wanted: set[str]) -> tuple[list[str], list[str]]:
    """Make the interaction's topics `wanted`; every remaining tag becomes a reviewer tag (confirmed)."""
    have = set(
        session.scalars(
            select(InteractionTopic.topic).where(InteractionTopic.interaction_id == interaction_id)
        )
    )
    added, removed = sorted(wanted - have), sorted(have - wanted)
    if removed:
        session.execute(
            delete(InteractionTopic).where(
                InteractionTopic.interaction_id == interaction_id, InteractionTopic.topic.in_(removed)
            )
        )
    session.execute(
        update(InteractionTopic)
        .where(InteractionTopic.interaction_id == interaction_id)
        .values(source="reviewer")
        .execution_options(synchronize_session=False)
    )
    if added:
        _insert_ignore(
            session,
            InteractionTopic,
            [{"interaction_id": interaction_id, "topic": t, "source": "reviewer"} for t in added],
        )
    return added, removed
