"""Routes for logging from the app: interactions, feedback, assignments, and the health check.

In: validated bodies and query parameters. Out: JSON answers; the work is done by `core.collector`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from api.schemas import (
    AssignmentOut,
    BatchOutcome,
    FeedbackIn,
    FeedbackOut,
    HealthOut,
    InteractionBatch,
    RecordOutcome,
)
from api.services import Services, get_services, get_session
from core.collector import assignments, ingest
from core.errors import DatabaseNotReady
from core.migrate import current_revision, ensure_current

router = APIRouter(prefix="/v1", tags=["collector"])
health = APIRouter(tags=["health"])
SessionDep = Annotated[Session, Depends(get_session)]
ServicesDep = Annotated[Services, Depends(get_services)]
NOT_FOUND = {404: {"description": "Not found"}}


@router.post("/interactions", response_model=BatchOutcome, responses={413: {"description": "Body over 5 MB"}})
def post_interactions(batch: InteractionBatch, session: SessionDep, services: ServicesDep) -> BatchOutcome:
    """Store a batch of interactions (≤ 1,000 records, ≤ 5 MB); idempotent by `id`, answered per record."""
    result = ingest.ingest_batch(batch.records, session=session, context=services.context)
    return BatchOutcome(
        accepted=result.count("accepted"),
        duplicates=result.count("duplicate"),
        rejected=result.count("rejected"),
        results=[
            RecordOutcome(index=r.index, id=r.id, status=r.status, reason=r.reason) for r in result.results
        ],
    )


@router.post("/feedback", response_model=FeedbackOut, responses=NOT_FOUND)
def post_feedback(body: FeedbackIn, session: SessionDep) -> FeedbackOut:
    """Attach the end user's stars, thumbs or comment to an interaction (one user rating per interaction)."""
    feedback = ingest.Feedback(body.interaction_id, body.stars, body.thumbs, body.comment)
    rating_id = ingest.add_feedback(feedback, session=session)
    return FeedbackOut(interaction_id=body.interaction_id, rating_id=rating_id)


@router.get("/assignments/{experiment}", response_model=AssignmentOut, responses=NOT_FOUND)
def get_assignment(
    experiment: str,
    session: SessionDep,
    user_id: Annotated[str, Query(min_length=1, max_length=256, description="The app's user id.")],
) -> AssignmentOut:
    """The user's sticky arm and model in `experiment` (the shipped arm once it has stopped)."""
    found = assignments.assign(experiment, user_id, session=session)
    return AssignmentOut(experiment=found.experiment, arm=found.arm, model=found.model, status=found.status)


@health.get("/healthz", response_model=HealthOut, responses={503: {"description": "Database not ready"}})
def healthz(services: ServicesDep) -> HealthOut | JSONResponse:
    """Whether the database answers and is migrated to the revision this version needs."""
    try:
        ensure_current(services.engine)
        revision = current_revision(services.engine)
    except DatabaseNotReady as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    return HealthOut(status="ok", database=services.engine.dialect.name, revision=revision)
