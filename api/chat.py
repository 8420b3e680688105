"""`POST /v1/chat/completions`: the OpenAI-compatible gateway route.

In: an OpenAI chat request; the end user from its `user` field or the `X-User-Id` header. Out: the
upstream's answer (JSON, or server-sent events with `stream: true`) with an `x-interaction-id` header for
feedback; failures in OpenAI's error shape (502 upstream error, 504 timeout). Logic: `core.collector.gateway`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse, StreamingResponse

from api.schemas import ChatRequest
from api.services import Services, get_services

router = APIRouter(prefix="/v1", tags=["gateway"])
ERRORS = {
    502: {"description": "The upstream model server failed or was unreachable (OpenAI error shape)"},
    504: {"description": "The upstream model server timed out (OpenAI error shape)"},
}


@router.post("/chat/completions", response_model=None, responses=ERRORS)
def chat_completions(
    body: ChatRequest,
    services: Annotated[Services, Depends(get_services)],
    x_user_id: Annotated[str | None, Header(max_length=256)] = None,
) -> JSONResponse | StreamingResponse:
    """Chat with the model the user is routed to; the call is logged and priced."""
    user_id = body.user or x_user_id
    payload = body.model_dump(exclude_none=True)
    if body.stream:
        streamed = services.gateway.stream(payload, user_id)
        return StreamingResponse(
            streamed.events,
            media_type="text/event-stream",
            headers={"x-interaction-id": streamed.interaction_id, "cache-control": "no-cache"},
        )
    completion = services.gateway.complete(payload, user_id)
    return JSONResponse(completion.body, headers={"x-interaction-id": completion.interaction_id})
