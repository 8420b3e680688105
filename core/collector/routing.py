"""Which model serves a chat request, and where its upstream lives.

In: a session (`RouteTable.load()` reads the running experiment and the live model in one go), then the
end user's raw id (or None) and the settings that hold provider credentials. Out: a `Route` — the model
name to send upstream, its provider, the OpenAI-compatible base URL, the key to send (or None) and the
experiment arm to log — or a `GatewayError` when nothing can serve.

Order: the running experiment (the user's sticky arm; without a user id, the control model and no arm is
logged), else the newest `live` registered model. A registered model with an `endpoint` is called there
(vLLM, Ollama, llama.cpp server: no key is sent unless its provider is `openai`); OpenAI models go to
`OPENAI_BASE_URL` (default `https://api.openai.com/v1`) with `OPENAI_API_KEY`. Azure OpenAI and Vertex AI
upstreams are not supported by the gateway yet (501).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.collector.assignments import assignment_of, running_experiment
from core.config import Settings
from core.errors import BloomtuneError
from core.ingest.writer import provider_of
from core.models import Experiment, RegisteredModel

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
LIVE = "live"


class GatewayError(BloomtuneError):
    """A chat call the gateway could not complete; rendered in OpenAI's error shape with `status`."""

    def __init__(self, status: int, code: str, message: str, error_type: str = "upstream_error") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.error_type = error_type
        self.interaction_id: str | None = None  # set once the failed call is logged

    def body(self) -> dict[str, object]:
        return {"error": {"message": str(self), "type": self.error_type, "param": None, "code": self.code}}


@dataclass(frozen=True)
class Route:
    model: str
    provider: str
    base_url: str
    api_key: str | None = field(repr=False)
    experiment: str | None = None
    variant: str | None = None


@dataclass(frozen=True)
class ModelEntry:
    provider: str
    endpoint: str | None


@dataclass(frozen=True)
class RouteTable:
    """What routing reads from the database, loaded at once so the gateway can keep it a few seconds."""

    experiment: Experiment | None  # detached: only its columns are read
    live_model: str | None
    models: dict[str, ModelEntry]

    @classmethod
    def load(cls, session: Session) -> RouteTable:
        experiment = running_experiment(session)
        live = session.scalar(
            select(RegisteredModel.name)
            .where(RegisteredModel.status == LIVE)
            .order_by(RegisteredModel.created_at.desc(), RegisteredModel.id.desc())
            .limit(1)
        )
        names = {live} if live else set()
        if experiment is not None:
            names |= {experiment.control_model, experiment.treatment_model}
        rows = session.execute(
            select(RegisteredModel.name, RegisteredModel.provider, RegisteredModel.endpoint).where(
                RegisteredModel.name.in_(names)
            )
        )
        return cls(experiment, live, {row.name: ModelEntry(row.provider, row.endpoint) for row in rows})

    def route(self, user_id: str | None, settings: Settings) -> Route:
        experiment_name = variant = None
        if self.experiment is not None:
            assignment = assignment_of(self.experiment, user_id)
            model_name = assignment.model
            if user_id:
                experiment_name, variant = self.experiment.name, assignment.arm
        elif self.live_model is not None:
            model_name = self.live_model
        else:
            raise GatewayError(
                503, "no_model", "no model is live and no experiment is running", "service_unavailable"
            )
        return _upstream(model_name, self.models.get(model_name), settings, experiment_name, variant)


def _upstream(
    model: str,
    registered: ModelEntry | None,
    settings: Settings,
    experiment: str | None,
    variant: str | None,
) -> Route:
    provider = (registered.provider if registered else None) or provider_of(model) or "openai"
    openai_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    key = openai_key if provider == "openai" else None
    if registered is not None and registered.endpoint:
        return Route(model, provider, registered.endpoint.rstrip("/"), key, experiment, variant)
    if provider == "openai":
        base = (settings.openai_base_url or OPENAI_DEFAULT_BASE_URL).rstrip("/")
        return Route(model, provider, base, key, experiment, variant)
    if provider in ("azure", "vertex"):
        raise GatewayError(
            501, "unsupported_provider", f"the gateway cannot call {provider} models yet", "not_implemented"
        )
    raise GatewayError(
        503,
        "no_endpoint",
        f"model {model!r} ({provider}) has no endpoint; set its base URL in the model registry",
        "service_unavailable",
    )
