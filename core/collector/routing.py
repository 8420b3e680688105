"""Which model serves a chat request, and where its upstream lives.

In: a session (`RouteTable.load()` reads the running experiment and the live model in one go), then the
end user's raw id (or None) and the settings that hold provider credentials. Out: a `Route` — the model
name to send upstream, its provider, the OpenAI-compatible base URL, the key to send (or None) and the
experiment arm to log — or a `GatewayError` when nothing can serve.

Order: the running experiment (the user's sticky arm; without a user id, the control model and no arm is
logged), else the newest `live` registered model. Where each provider is called (`Route.protocol` says
which wire format `core.collector.upstreams` speaks):

- `openai`: `OPENAI_BASE_URL` (default `https://api.openai.com/v1`) with `OPENAI_API_KEY`.
- `azure`: the registered model's name is the Azure *deployment*, on the resource `AZURE_OPENAI_ENDPOINT`
  with `AZURE_OPENAI_API_KEY`. A registered `endpoint` replaces the resource URL; an endpoint that already
  names a deployment (`…/openai/deployments/NAME`) is used as it is, so any model name can serve.
- `vertex`: the Gemini publisher model of that name in `GOOGLE_CLOUD_PROJECT` / `GOOGLE_CLOUD_LOCATION`
  (API root `VERTEX_BASE_URL`, default `https://LOCATION-aiplatform.googleapis.com`); a registered `endpoint`
  is the full resource URL of a tuned model's endpoint (`https://…/v1/projects/P/locations/L/endpoints/ID`).
  The bearer token comes from Application Default Credentials at call time, never from here.
- anything else with an `endpoint` (vLLM, Ollama, llama.cpp server): OpenAI-compatible, no key sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.collector.assignments import assignment_of, running_experiment
from core.config import Settings
from core.errors import BloomtuneError
from core.ingest.writer import provider_of
from core.models import Experiment, RegisteredModel

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
LIVE = "live"
AZURE_DEPLOYMENTS = "/openai/deployments/"
Protocol = Literal["openai", "azure", "vertex"]


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
    """Where one chat call goes: `base_url` is the OpenAI base URL, the Azure deployment URL or the Vertex
    model resource URL, depending on `protocol`."""

    model: str
    provider: str
    base_url: str
    api_key: str | None = field(repr=False)
    experiment: str | None = None
    variant: str | None = None
    protocol: Protocol = "openai"


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
    endpoint = registered.endpoint.rstrip("/") if registered is not None and registered.endpoint else None
    if provider == "azure":
        key = _secret(settings.azure_openai_api_key)
        if key is None:
            raise _unconfigured("no_credentials", f"model {model!r} (azure) needs AZURE_OPENAI_API_KEY")
        return Route(model, provider, _azure(model, endpoint, settings), key, experiment, variant, "azure")
    if provider == "vertex":
        base = endpoint or _vertex(model, settings)
        return Route(model, provider, base, None, experiment, variant, "vertex")
    openai_key = _secret(settings.openai_api_key) if provider == "openai" else None
    if endpoint is not None:
        return Route(model, provider, endpoint, openai_key, experiment, variant)
    if provider == "openai":
        base = (settings.openai_base_url or OPENAI_DEFAULT_BASE_URL).rstrip("/")
        return Route(model, provider, base, openai_key, experiment, variant)
    raise _unconfigured(
        "no_endpoint", f"model {model!r} ({provider}) has no endpoint; set its base URL in the model registry"
    )


def _azure(deployment: str, endpoint: str | None, settings: Settings) -> str:
    """The deployment URL: a registered endpoint naming a deployment, else `RESOURCE/openai/deployments/NAME`."""
    if endpoint is not None and AZURE_DEPLOYMENTS in endpoint:
        return endpoint
    resource = endpoint or (settings.azure_openai_endpoint or "").rstrip("/")
    if not resource:
        raise _unconfigured(
            "no_endpoint", f"model {deployment!r} (azure) needs AZURE_OPENAI_ENDPOINT or an endpoint"
        )
    return f"{resource}{AZURE_DEPLOYMENTS}{deployment}"


def _vertex(model: str, settings: Settings) -> str:
    """The publisher model's resource URL in the configured project and location."""
    project, location = settings.google_cloud_project, settings.google_cloud_location
    if not project:
        raise _unconfigured(
            "no_endpoint", f"model {model!r} (vertex) needs GOOGLE_CLOUD_PROJECT or an endpoint"
        )
    host = "aiplatform.googleapis.com" if location == "global" else f"{location}-aiplatform.googleapis.com"
    root = (settings.vertex_base_url or f"https://{host}").rstrip("/")
    return f"{root}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _unconfigured(code: str, message: str) -> GatewayError:
    return GatewayError(503, code, message, "service_unavailable")
