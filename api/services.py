"""What the routes share for the life of the app: settings, engine, ingest context, rate limiter, gateway.

In: settings and an engine (or the process-wide ones). Out: `Services` on `app.state.services`, and the
FastAPI dependencies `get_services` and `get_session` (one session per request, closed afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.collector.gateway import ChatGateway
from core.collector.ingest import IngestContext
from core.collector.ratelimit import RateLimiter
from core.config import Settings
from core.db import session_scope
from core.pseudonym import Pseudonymizer


@dataclass
class Services:
    settings: Settings
    engine: Engine
    context: IngestContext
    limiter: RateLimiter
    gateway: ChatGateway


def build_services(settings: Settings, engine: Engine, http_client: httpx.Client | None = None) -> Services:
    context = IngestContext(
        Pseudonymizer(settings.pseudonym_key.get_secret_value()), scrub_pii=settings.scrub_pii_on_ingest
    )
    gateway = ChatGateway(
        settings=settings, context=context, sessions=lambda: session_scope(engine), client=http_client
    )
    return Services(settings, engine, context, RateLimiter(settings.collector_rate_limit_per_minute), gateway)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(get_services(request).engine) as session:
        yield session
