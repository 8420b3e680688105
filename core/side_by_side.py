"""Side-by-side tests: the same prompts through two registered models, and a reviewer's pick of the better answer.

In: a session, the acting principal, the settings that hold provider credentials, two registry model names and
the prompts — the validation split of a dataset version (`validation_prompts`) or typed questions
(`typed_prompts`); `comparison_datasets()` lists the versions that have one. Out: `run_pairs()` returns one `Pair` per prompt with both answers (or, per side, the
reason there is none); `record_vote()` stores a judged pair in `preference_vote` (winner `a`, `b` or `tie`),
where the DPO export picks it up (the prompt ends with a user turn; the winner's answer is preferred);
`vote_tally()` counts the votes between two models.

Models are called with the chat gateway's wire formats (`core.collector.upstreams`: OpenAI-compatible — which
includes local models on vLLM, Ollama or llama.cpp through their registered endpoint — Azure OpenAI and Vertex
AI Gemini), routed from the registry entry as the gateway would route it. Test prompts are not conversations
of the app's users, so nothing is logged as an interaction. Running and voting need `RATE`; both are audited.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.auth import Permission, Principal, require
from core.collector.routing import GatewayError, ModelEntry, Protocol, Route, RouteTable
from core.collector.upstreams import (
    AzureUpstream,
    GoogleToken,
    OpenAIUpstream,
    Reply,
    Upstream,
    VertexUpstream,
)
from core.config import Settings
from core.dataset.export import with_system
from core.errors import InputError, NotFound
from core.models import DatasetMember, DatasetVersion, PreferenceVote
from core.registry import get_model

WINNERS: Final = ("a", "b", "tie")
MAX_PROMPTS: Final = 50
CALLS_AT_ONCE: Final = 4
VALIDATION: Final = "validation"


@dataclass(frozen=True)
class Prompt:
    """What both models are asked: turns ending with a user turn, and where they came from."""

    messages: list[dict[str, str]]
    interaction_id: str | None = None
    dataset_version_id: int | None = None
    reference: str | None = None  # the dataset's own answer, for the reviewer's eyes only

    @property
    def question(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")


@dataclass(frozen=True)
class Answer:
    text: str | None
    error: str | None = None


@dataclass(frozen=True)
class Pair:
    prompt: Prompt
    model_a: str
    answer_a: Answer
    model_b: str
    answer_b: Answer

    @property
    def judgeable(self) -> bool:
        return self.answer_a.error is None and self.answer_b.error is None


@dataclass(frozen=True)
class Tally:
    a: int
    b: int
    tie: int

    @property
    def total(self) -> int:
        return self.a + self.b + self.tie


# -- prompts -----------------------------------------------------------------------------------------------
def validation_prompts(
    *, session: Session, principal: Principal, dataset_version_id: int, limit: int = 20
) -> list[Prompt]:
    """The first `limit` examples of a dataset version's validation split, after the version's system prompt
    and cut before their last answer."""
    require(principal, Permission.RATE)
    _check_limit(limit)
    version = session.get(DatasetVersion, dataset_version_id)
    if version is None:
        raise NotFound(f"no dataset version with id {dataset_version_id}")
    rows = session.execute(
        select(DatasetMember.interaction_id, DatasetMember.messages)
        .where(
            DatasetMember.dataset_version_id == dataset_version_id,
            DatasetMember.split == VALIDATION,
            DatasetMember.messages.is_not(None),
        )
        .order_by(DatasetMember.position, DatasetMember.interaction_id)
        .limit(limit)
    )
    prompts = []
    for interaction_id, messages in rows:
        turns, reference = _split_last_answer(messages)
        if turns:
            prompt = with_system(version.system_prompt, turns)
            prompts.append(Prompt(prompt, interaction_id, dataset_version_id, reference))
    if not prompts:
        raise InputError(f"dataset version {dataset_version_id} has no validation examples to compare on")
    return prompts


def comparison_datasets(*, session: Session, principal: Principal, limit: int = 100) -> list[tuple[int, str]]:
    """The newest dataset versions that have a validation split, as (id, "name vN") for a picker."""
    require(principal, Permission.RATE)
    has_validation = (
        select(DatasetMember.dataset_version_id)
        .where(DatasetMember.dataset_version_id == DatasetVersion.id, DatasetMember.split == VALIDATION)
        .exists()
    )
    rows = session.execute(
        select(DatasetVersion.id, DatasetVersion.name, DatasetVersion.version)
        .where(has_validation)
        .order_by(DatasetVersion.created_at.desc(), DatasetVersion.id.desc())
        .limit(limit)
    )
    return [(version_id, f"{name} v{version}") for version_id, name, version in rows]


def typed_prompts(texts: Sequence[str], *, system_prompt: str | None = None) -> list[Prompt]:
    """One prompt per non-blank text (a question per line in the UI), after an optional system prompt."""
    questions = [text.strip() for text in texts if text.strip()]
    if not questions:
        raise InputError("type at least one prompt")
    _check_limit(len(questions))
    system = (
        [{"role": "system", "content": system_prompt.strip()}]
        if system_prompt and system_prompt.strip()
        else []
    )
    return [Prompt([*system, {"role": "user", "content": question}]) for question in questions]


def _split_last_answer(messages: Any) -> tuple[list[dict[str, str]], str | None]:
    """The turns before the final assistant answer (they must end with a user turn), and that answer."""
    turns = [
        {"role": str(m.get("role")), "content": str(m.get("content") or "")}
        for m in messages or []
        if isinstance(m, dict)
    ]
    reference = turns.pop()["content"] if turns and turns[-1]["role"] == "assistant" else None
    return (turns, reference) if turns and turns[-1]["role"] == "user" else ([], None)


def _check_limit(count: int) -> None:
    if not 1 <= count <= MAX_PROMPTS:
        raise InputError(f"compare between 1 and {MAX_PROMPTS} prompts at a time")


# -- running -----------------------------------------------------------------------------------------------
class Caller:
    """Sends one chat completion to a registered model over the gateway's wire formats."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: httpx.Client | None = None,
        vertex_token: Callable[[], str] | None = None,
    ) -> None:
        self._settings = settings
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(
                settings.gateway_timeout_seconds, connect=settings.gateway_connect_timeout_seconds
            )
        )
        self._upstreams: dict[Protocol, Upstream] = {
            "openai": OpenAIUpstream(),
            "azure": AzureUpstream(settings.azure_openai_api_version),
            "vertex": VertexUpstream(vertex_token or GoogleToken()),
        }

    def route(self, name: str, provider: str, endpoint: str | None) -> Route:
        """Where `name` is served, as the gateway would route it when live (raises `GatewayError`)."""
        table = RouteTable(experiment=None, live_model=name, models={name: ModelEntry(provider, endpoint)})
        return table.route(None, self._settings)

    def ask(self, route: Route, prompt: Prompt) -> Answer:
        upstream = self._upstreams[route.protocol]
        payload = {"model": route.model, "messages": prompt.messages}
        try:
            request = upstream.request(self._client, route, payload, stream=False)
            response = self._client.send(request)
            if response.status_code >= 400:
                return Answer(None, f"{route.model} answered HTTP {response.status_code}")
            reply = Reply()
            upstream.answer(route, response.content, reply)
            return Answer(reply.answer)
        except GatewayError as exc:
            return Answer(None, str(exc))
        except httpx.TimeoutException:
            return Answer(None, f"{route.model} did not answer in time")
        except httpx.HTTPError:
            return Answer(None, f"{route.model} could not be reached")

    def close(self) -> None:
        self._client.close()


def run_pairs(
    *,
    session: Session,
    principal: Principal,
    caller: Caller,
    model_a: str,
    model_b: str,
    prompts: Sequence[Prompt],
    shuffle: random.Random | None = None,
) -> list[Pair]:
    """Both models' answers to every prompt (a few calls at a time); an unreachable model fails its side
    of each pair with the reason, never the whole run. With `shuffle`, each pair's seats are drawn at random,
    so a blind reviewer cannot learn which side is which model."""
    require(principal, Permission.RATE)
    if model_a == model_b:
        raise InputError("pick two different models to compare")
    _check_limit(len(prompts))
    routes: dict[str, Route | GatewayError] = {}
    for name in (model_a, model_b):
        model = get_model(session, name)
        try:
            routes[name] = caller.route(model.name, model.provider, model.endpoint)
        except GatewayError as exc:
            routes[name] = exc

    def answer(name: str, prompt: Prompt) -> Answer:
        route = routes[name]
        return Answer(None, str(route)) if isinstance(route, GatewayError) else caller.ask(route, prompt)

    with ThreadPoolExecutor(max_workers=CALLS_AT_ONCE) as pool:
        futures = [(pool.submit(answer, model_a, p), pool.submit(answer, model_b, p)) for p in prompts]
        pairs = [
            Pair(prompt, model_b, b.result(), model_a, a.result())
            if shuffle is not None and shuffle.random() < 0.5
            else Pair(prompt, model_a, a.result(), model_b, b.result())
            for prompt, (a, b) in zip(prompts, futures, strict=True)
        ]
    audit.record(
        session,
        principal,
        "side_by_side.run",
        f"{model_a} vs {model_b}",
        prompts=len(prompts),
        failed=sum(not pair.judgeable for pair in pairs),
    )
    session.commit()
    return pairs


# -- votes -------------------------------------------------------------------------------------------------
def record_vote(*, session: Session, principal: Principal, pair: Pair, winner: str) -> PreferenceVote:
    """Store the reviewer's pick for one pair (`a`, `b` or `tie`)."""
    require(principal, Permission.RATE)
    if winner not in WINNERS:
        raise InputError(f"a vote is one of {', '.join(WINNERS)}, not {winner!r}")
    if not pair.judgeable or pair.answer_a.text is None or pair.answer_b.text is None:
        raise InputError("both models must have answered before the pair can be judged")
    vote = PreferenceVote(
        messages=pair.prompt.messages,
        model_a=pair.model_a,
        answer_a=pair.answer_a.text,
        model_b=pair.model_b,
        answer_b=pair.answer_b.text,
        winner=winner,
        voter=principal.email,
        created_at=audit.utcnow(),
        interaction_id=pair.prompt.interaction_id,
        dataset_version_id=pair.prompt.dataset_version_id,
    )
    session.add(vote)
    session.flush()
    audit.record(
        session,
        principal,
        "side_by_side.vote",
        f"{pair.model_a} vs {pair.model_b}",
        vote=vote.id,
        winner=winner,
    )
    session.commit()
    return vote


def vote_tally(*, session: Session, principal: Principal, model_a: str, model_b: str) -> Tally:
    """Votes between the two models in either seat, counted from `model_a`'s point of view."""
    require(principal, Permission.VIEW_METRICS)
    rows = session.execute(
        select(PreferenceVote.model_a, PreferenceVote.winner, func.count())
        .where(
            ((PreferenceVote.model_a == model_a) & (PreferenceVote.model_b == model_b))
            | ((PreferenceVote.model_a == model_b) & (PreferenceVote.model_b == model_a))
        )
        .group_by(PreferenceVote.model_a, PreferenceVote.winner)
    )
    wins = {"a": 0, "b": 0, "tie": 0}
    for seat_a, winner, count in rows:
        if winner == "tie":
            wins["tie"] += count
        elif (winner == "a") == (seat_a == model_a):
            wins["a"] += count
        else:
            wins["b"] += count
    return Tally(wins["a"], wins["b"], wins["tie"])
