"""`generate_demo`: fill the database with realistic, clearly labelled demo data.

In: the session, the acting principal (needs IMPORT_DATA), settings (for the pseudonym key), how many
interactions, a seed, and optionally a progress callback and the anchor time. Out: the rows — the base and
fine-tuned models in the registry, the running "ft-v1" experiment between them, and conversations,
interactions, topics and ratings written through `IngestWriter` with source "demo" — one audit entry, and
a JSON-able summary of what was written.

The data covers the 90 days before the anchor (midnight UTC today unless given), so the same seed on the
same day gives the same data. Interaction ids derive from seed and position, so running the same command
twice stores nothing new. Rows are written by `core.demo.pipeline` in bounded batches, committed as they
go, so memory stays flat however many interactions are asked for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.demo.conversations import (
    BASE_MODEL,
    EXPERIMENT,
    EXPERIMENT_SALT,
    FT_MODEL,
    PROVIDER,
    TREATMENT_SHARE,
    special_positions,
)
from core.demo.pipeline import DemoContext, write_parts
from core.demo.plan import plan_sessions, split_plan
from core.errors import InputError
from core.ingest.writer import IngestWriter
from core.models import Experiment, Interaction, RegisteredModel
from core.pseudonym import Pseudonymizer

WINDOW_DAYS: Final = 90
EXPERIMENT_DAYS: Final = 30
PART_SIZE: Final = 10_000  # interactions per unit of work (and per `IngestWriter.store` call)
FT_RETIREMENT: Final = date(2027, 1, 14)  # fine-tuned gpt-4.1-mini models stop serving (DESIGN.md §1)
MAX_INTERACTIONS: Final = 100_000_000  # ids have eight digits


def generate_demo(
    *,
    session: Session,
    principal: Principal,
    settings: Settings,
    interactions: int,
    seed: int,
    only_if_empty: bool = False,
    progress: Callable[[int], None] | None = None,
    anchor: datetime | None = None,
) -> dict[str, Any]:
    """Write `interactions` demo interactions (and the models and experiment they use); return a summary."""
    require(principal, Permission.IMPORT_DATA)
    if not 1 <= interactions <= MAX_INTERACTIONS:
        raise InputError(f"--interactions must be between 1 and {MAX_INTERACTIONS:,}, not {interactions}")
    if only_if_empty and session.scalar(select(Interaction.id).limit(1)) is not None:
        return {"skipped": True, "reason": "the database already holds interactions", "interactions": 0}

    end = anchor or datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(days=WINDOW_DAYS)
    experiment_start = end - timedelta(days=EXPERIMENT_DAYS)
    registered = _register_models_and_experiment(session, principal, start, experiment_start)
    session.commit()

    plan = plan_sessions(
        interactions, days=WINDOW_DAYS, first_weekday=start.weekday(), rng=np.random.default_rng(seed)
    )
    specials = special_positions(interactions, random.Random(f"{seed}:specials"))
    writer = IngestWriter(
        session,
        pseudonymize=Pseudonymizer(settings.pseudonym_key.get_secret_value()),
        source="demo",
        scrub_pii=settings.scrub_pii_on_ingest,
    )
    context = DemoContext(seed, start, experiment_start, writer.builder, writer.now())
    tally = write_parts(
        split_plan(plan, PART_SIZE, specials),
        session=session,
        writer=writer,
        context=context,
        interactions=interactions,
        progress=progress,
    )
    counts = tally.counts

    summary: dict[str, Any] = {
        "skipped": False,
        "interactions": tally.stored,
        "already_stored": tally.already_stored,
        "conversations": plan.sessions,
        "users": plan.users,
        "ratings": counts.ratings,
        "errors": counts.errors,
        "experiment_interactions": counts.experiment,
        "pii_samples": counts.pii,
        "near_duplicates": counts.near_duplicate,
        "unsafe_samples": counts.unsafe,
        "models_registered": registered["models"],
        "experiment_created": registered["experiment"],
        "from": start.isoformat(),
        "to": end.isoformat(),
        "seed": seed,
    }
    audit.record(
        session,
        principal,
        "demo",
        f"seed {seed}",
        interactions=tally.stored,
        already_stored=tally.already_stored,
        seed=seed,
        window_end=end.isoformat(),
    )
    session.commit()
    return summary


def _register_models_and_experiment(
    session: Session, principal: Principal, start: datetime, experiment_start: datetime
) -> dict[str, Any]:
    """The base and fine-tuned models and the experiment between them, unless already there."""
    known = set(
        session.scalars(select(RegisteredModel.name).where(RegisteredModel.name.in_([BASE_MODEL, FT_MODEL])))
    )
    models = [
        RegisteredModel(
            name=BASE_MODEL,
            provider=PROVIDER,
            base_model=None,
            status="live",
            created_at=start - timedelta(days=30),
        ),
        RegisteredModel(
            name=FT_MODEL,
            provider=PROVIDER,
            base_model=BASE_MODEL,
            status="candidate",
            base_retirement_date=FT_RETIREMENT,
            created_at=experiment_start - timedelta(days=2),
        ),
    ]
    new_models = [model for model in models if model.name not in known]
    session.add_all(new_models)
    has_experiment = session.scalar(select(Experiment.id).where(Experiment.name == EXPERIMENT)) is not None
    if not has_experiment:
        session.add(
            Experiment(
                name=EXPERIMENT,
                control_model=BASE_MODEL,
                treatment_model=FT_MODEL,
                treatment_share=TREATMENT_SHARE,
                salt=EXPERIMENT_SALT,
                status="running",
                started_at=experiment_start,
                decision=None,
                created_by=principal.email,
                created_at=experiment_start - timedelta(hours=1),
            )
        )
    return {"models": [model.name for model in new_models], "experiment": not has_experiment}
