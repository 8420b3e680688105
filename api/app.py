"""The collector API application.

In: settings, an engine and optionally an HTTP client for upstreams (tests inject these; `bloomtune serve`
uses the process-wide ones). Out: a FastAPI app with OpenAPI at `/docs`, `GET /healthz`, and the `/v1`
routes behind `CollectorGuard` (app key, rate limit, body size). Handled errors become JSON: unknown
things 404, unusable input 422, gateway failures in OpenAI's error shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from sqlalchemy import Engine

from api import chat, routes
from api.guard import CollectorGuard
from api.services import build_services
from core.collector.ingest import MAX_BODY_BYTES
from core.collector.routing import GatewayError
from core.config import Settings, get_settings
from core.db import get_engine
from core.errors import InputError, NotFound

# Documents the bearer scheme in OpenAPI; the check itself is CollectorGuard's, before the body is read.
bearer = HTTPBearer(auto_error=False, description="An app key from `bloomtune apikey create NAME`.")


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, http_client: httpx.Client | None = None
) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or get_engine()
    services = build_services(settings, engine, http_client)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        services.gateway.close()

    app = FastAPI(
        title="Bloomtune collector API",
        version="1",
        description="Log interactions and feedback, get experiment assignments, chat through the gateway.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(
        CollectorGuard, engine=lambda: engine, limiter=services.limiter, max_body_bytes=MAX_BODY_BYTES
    )
    app.include_router(routes.health)
    app.include_router(routes.router, dependencies=[Security(bearer)])
    app.include_router(chat.router, dependencies=[Security(bearer)])
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(InputError, _unprocessable)
    app.add_exception_handler(GatewayError, _gateway_error)
    return app


async def _not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=404)


async def _unprocessable(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=422)


async def _gateway_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayError)
    headers = {"x-interaction-id": exc.interaction_id} if exc.interaction_id else None
    return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
