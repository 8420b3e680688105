"""Success-metric targets (DESIGN.md §7) that an admin may change in the console, audited.

In: the `Settings` (whose `target_*` fields are the defaults) and the `app_setting` rows an admin wrote.
Out: `effective_targets()` — every target key with its value in force (a stored value wins over the setting);
`effective_settings()` — the same settings with those values applied, for services that read
`settings.target_*`; `target_overrides()` — who changed which target and when; `set_target()` /
`reset_target()` — validated with the very bounds of the `Settings` field, need `EDIT_SETTINGS`, write one
audit entry with the value before and after, and commit.

A stored value that no longer passes validation (a bound tightened since) is ignored with a warning, so
the default applies rather than a nonsensical target.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Final

from pydantic import Field, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.config import Settings
from core.errors import InputError
from core.models import AppSetting

logger = logging.getLogger(__name__)

TARGET_KEYS: Final = (
    "target_satisfaction",
    "target_p95_latency_ms",
    "target_success_rate",
    "target_cost_per_interaction_usd",
    "target_medical_accuracy",
)


@dataclass(frozen=True)
class TargetOverride:
    key: str
    value: float
    updated_by: str
    updated_at: datetime


def effective_targets(session: Session, settings: Settings) -> dict[str, float]:
    """Every key of `TARGET_KEYS` with the value in force: the stored override, else the setting."""
    targets = {key: float(getattr(settings, key)) for key in TARGET_KEYS}
    targets.update({override.key: override.value for override in target_overrides(session)})
    return targets


def effective_settings(session: Session, settings: Settings) -> Settings:
    """`settings` with the stored target overrides applied (the values are validated already)."""
    overrides = {override.key: override.value for override in target_overrides(session)}
    return settings.model_copy(update=overrides) if overrides else settings


def target_overrides(session: Session) -> list[TargetOverride]:
    """The valid stored overrides, by key."""
    rows = session.scalars(select(AppSetting).where(AppSetting.key.in_(TARGET_KEYS)).order_by(AppSetting.key))
    result = []
    for row in rows:
        try:
            value = validate_target(row.key, row.value)
        except InputError as exc:
            logger.warning("ignoring the stored value of %s: %s", row.key, exc)
            continue
        result.append(TargetOverride(row.key, value, row.updated_by, row.updated_at))
    return result


def bounds(key: str) -> tuple[float | None, float | None]:
    """The (lowest, highest) value the `Settings` field allows, None where unbounded (limits inclusive
    or exclusive as the field says; `validate_target` is the exact check)."""
    low: float | None = None
    high: float | None = None
    for constraint in _field(key).metadata:
        for name in ("ge", "gt"):
            if getattr(constraint, name, None) is not None:
                low = float(getattr(constraint, name))
        for name in ("le", "lt"):
            if getattr(constraint, name, None) is not None:
                high = float(getattr(constraint, name))
    return low, high


def validate_target(key: str, value: Any) -> float:
    """`value` as a float if the `Settings` field `key` accepts it; else `InputError` saying why."""
    if isinstance(value, bool):
        raise InputError(f"{key} must be a number, not {value!r}")
    try:
        return float(_adapter(key).validate_python(value))
    except ValidationError as exc:
        reason = exc.errors()[0].get("msg", "invalid value") if exc.errors() else "invalid value"
        raise InputError(f"{key}: {reason} (got {value!r})") from None


def set_target(key: str, value: float, *, session: Session, principal: Principal) -> float:
    """Store `value` as the target `key` (audited as `setting.set`); returns the validated value."""
    require(principal, Permission.EDIT_SETTINGS)
    checked = validate_target(key, value)
    row = session.get(AppSetting, key)
    before = row.value if row is not None else None
    if row is not None and before == checked:
        return checked
    if row is None:
        row = AppSetting(key=key)
        session.add(row)
    row.value = checked
    row.updated_by = principal.email
    row.updated_at = audit.utcnow()
    audit.record(session, principal, "setting.set", key, before=before, after=checked)
    session.commit()
    return checked


def reset_target(key: str, *, session: Session, principal: Principal) -> bool:
    """Forget the stored target `key`, so the setting's value applies again (audited as `setting.reset`).

    Returns whether there was an override to forget.
    """
    require(principal, Permission.EDIT_SETTINGS)
    _field(key)
    row = session.get(AppSetting, key)
    if row is None:
        return False
    audit.record(session, principal, "setting.reset", key, before=row.value, after=None)
    session.delete(row)
    session.commit()
    return True


def _field(key: str) -> Any:
    if key not in TARGET_KEYS:
        raise InputError(f"unknown target {key!r}; choose one of {', '.join(TARGET_KEYS)}")
    return Settings.model_fields[key]


@cache
def _adapter(key: str) -> TypeAdapter[float]:
    field = _field(key)
    return TypeAdapter(Annotated[float, Field(allow_inf_nan=False), *field.metadata])
