"""Breach notifications: post each new success-metric breach once to the `BREACH_WEBHOOK_URL` webhook.

In: a session, the settings (the webhook URL and the target defaults; targets an admin stored apply) and
`post(url, payload)`, which raises when the message was not delivered (default: `httpx.post` with a short
timeout). Out: an `AlertReport` — the current breaches, the ones posted by this call, the ones whose post
failed, and the ones that recovered. Run by `bloomtune alerts check` (from cron).

Once per breach: a posted breach is remembered in `notified_breach` and not posted again while it lasts;
when its metric is back on target the row is deleted, so a later breach of the same metric is posted
again. A failed post is logged (the webhook's host only: its path and query string often hold a secret)
and not remembered, so the next run retries it. Each delivered breach is committed at once, so a crash
later in the run does not post it twice. Without a webhook URL nothing is posted or remembered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Principal, Role
from core.config import Settings
from core.models import NotifiedBreach
from core.queries.kpis import Kpi, kpis

logger = logging.getLogger(__name__)

POST_TIMEOUT_SECONDS: Final = 5.0
ALERTS_PRINCIPAL: Final = Principal(email="system:alerts", role=Role.VIEWER)
Post = Callable[[str, dict[str, Any]], None]


def http_post(url: str, payload: dict[str, Any]) -> None:
    """POST `payload` as JSON; raises on a network error or a non-2xx answer."""
    response = httpx.post(url, json=payload, timeout=POST_TIMEOUT_SECONDS)
    response.raise_for_status()


@dataclass(frozen=True)
class AlertReport:
    breaches: list[dict[str, Any]]
    notified: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "breaches": self.breaches,
            "notified": self.notified,
            "failed": self.failed,
            "recovered": self.recovered,
        }


def breach_message(kpi: Kpi) -> dict[str, Any]:
    """The JSON body posted for one breach; `text` makes it readable in Slack/Teams as is."""
    comparator = "≥" if kpi.higher_is_better else "≤"
    text = f"Bloomtune: {kpi.label} is {kpi.format(kpi.value)}; target {comparator} {kpi.format(kpi.target)}"
    return {
        "event": "kpi_breach",
        "kpi": kpi.key,
        "label": kpi.label,
        "value": kpi.value,
        "target": kpi.target,
        "higher_is_better": kpi.higher_is_better,
        "unit": kpi.unit,
        "text": text,
    }


def notify_breaches(
    *,
    session: Session,
    settings: Settings,
    post: Post = http_post,
    principal: Principal = ALERTS_PRINCIPAL,
) -> AlertReport:
    """Post every breach not yet notified, forget the ones that recovered; see the module docstring."""
    current = kpis(session=session, principal=principal, settings=settings).breaches
    report = AlertReport(breaches=[breach_message(kpi) for kpi in current])
    if settings.breach_webhook_url is None:
        return report
    url = settings.breach_webhook_url.get_secret_value()
    breached = {kpi.key for kpi in current}
    known = set(session.scalars(select(NotifiedBreach.kpi)))
    recovered = sorted(known - breached)
    if recovered:
        session.execute(delete(NotifiedBreach).where(NotifiedBreach.kpi.in_(recovered)))
        session.commit()
        report.recovered.extend(recovered)
    for kpi, message in zip(current, report.breaches, strict=True):
        if kpi.key in known:
            continue
        try:
            post(url, message)
        except Exception as exc:  # noqa: BLE001 - any failure is retried on the next run
            logger.warning(
                "breach webhook to %s failed for %s (%s); it is retried on the next run",
                _host(url),
                kpi.key,
                _reason(exc),
            )
            report.failed.append(kpi.key)
            continue
        session.add(
            NotifiedBreach(kpi=kpi.key, value=kpi.value, target=kpi.target, notified_at=audit.utcnow())
        )
        session.commit()
        report.notified.append(kpi.key)
    return report


def _host(url: str) -> str:
    """Scheme and host of `url`: never its path, query string or credentials."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{parts.hostname or '?'}" + (f":{port}" if port else "")


def _reason(exc: Exception) -> str:
    """A short cause without the URL (httpx messages contain it)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__
