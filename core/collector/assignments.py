"""Sticky experiment arms: which model an end user sees in an A/B test.

In: an experiment name (or the running experiment) and the app's raw user id. Out: an `Assignment` — the
arm (`control` | `treatment`) and its model. A running experiment places a user by a keyed hash of the user
id under the experiment's salt, so the same user always lands in the same arm and `treatment_share` of
users see the treatment; any other status answers the shipped arm (treatment when the decision was
`ship`, else control). Only the arm is derived from the raw id; nothing here stores it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.models import Experiment

RUNNING = "running"
SHIP = "ship"
Arm = Literal["control", "treatment"]


@dataclass(frozen=True)
class Assignment:
    experiment: str
    arm: Arm
    model: str
    status: str  # the experiment's status: `running` means the arm came from the hash


def bucket(salt: str, user_id: str) -> float:
    """A uniform number in [0, 1) fixed by the salt and the user id (HMAC-SHA256, first 64 bits)."""
    digest = hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm_for(experiment: Experiment, user_id: str | None) -> Arm:
    """The arm of `user_id`: hashed while running (no user id → control), else the shipped arm."""
    if experiment.status != RUNNING:
        return "treatment" if experiment.decision == SHIP else "control"
    if not user_id:
        return "control"
    return "treatment" if bucket(experiment.salt, user_id) < experiment.treatment_share else "control"


def assign(experiment_name: str, user_id: str, *, session: Session) -> Assignment:
    experiment = session.scalar(select(Experiment).where(Experiment.name == experiment_name))
    if experiment is None:
        raise NotFound(f"no experiment named {experiment_name!r}")
    return assignment_of(experiment, user_id)


def assignment_of(experiment: Experiment, user_id: str | None) -> Assignment:
    arm = arm_for(experiment, user_id)
    model = experiment.treatment_model if arm == "treatment" else experiment.control_model
    return Assignment(experiment.name, arm, model, experiment.status)


def running_experiment(session: Session) -> Experiment | None:
    """The running experiment the gateway routes by: the most recently started, if several run."""
    return session.scalar(
        select(Experiment)
        .where(Experiment.status == RUNNING)
        .order_by(Experiment.started_at.desc(), Experiment.id.desc())
        .limit(1)
    )
