"""Side-by-side tests against the fake chat servers (real HTTP): prompts, both providers' answers, failures, votes."""

from __future__ import annotations

import random
from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import side_by_side
from core.auth import Principal, Role
from core.config import Settings
from core.dataset.build import build_dataset
from core.dataset.export import export_bytes
from core.dataset.spec import DatasetSpec
from core.errors import InputError, NotFound, PermissionDenied
from core.models import AuditLog, DatasetMember, PreferenceVote
from core.side_by_side import Caller, Prompt
from tests import dataset_data
from tests.collector_support import UPSTREAM_KEY, collector_settings
from tests.fakes.openai_upstream import AZURE_KEY, FakeUpstream
from tests.fakes.vertex_upstream import VERTEX_TOKEN, FakeVertex
from tests.registry_data import base_model, dataset_version

REVIEWER = Principal("reviewer@example.org", Role.REVIEWER)
VIEWER = Principal("viewer@example.org", Role.VIEWER)
SYSTEM = "You are a careful menstrual-health assistant."


@pytest.fixture
def chat_settings(db_url: str, upstream: FakeUpstream, vertex: FakeVertex) -> Settings:
    return collector_settings(
        db_url,
        upstream,
        azure_openai_api_key=AZURE_KEY,
        azure_openai_endpoint=upstream.root_url,
        google_cloud_project="proj",
        vertex_base_url=vertex.base_url,
    )


@pytest.fixture
def caller(chat_settings: Settings) -> Iterator[Caller]:
    caller = Caller(chat_settings, vertex_token=lambda: VERTEX_TOKEN)
    yield caller
    caller.close()


def authorization(headers: dict[str, str]) -> str | None:
    return next((value for name, value in headers.items() if name.lower() == "authorization"), None)


def run(session: Session, caller: Caller, a: str, b: str, prompts: list[Prompt]) -> list[side_by_side.Pair]:
    return side_by_side.run_pairs(
        session=session, principal=REVIEWER, caller=caller, model_a=a, model_b=b, prompts=prompts
    )


def test_typed_prompts_go_to_an_openai_model_and_a_local_server(
    session: Session, caller: Caller, upstream: FakeUpstream
) -> None:
    base_model(session, "gpt-4.1-mini")
    base_model(session, "bloom-qwen", provider="local", endpoint=upstream.base_url, status="candidate")
    prompts = side_by_side.typed_prompts(["What is PMS?", "  ", "Is cramping normal?"], system_prompt=SYSTEM)
    pairs = run(session, caller, "gpt-4.1-mini", "bloom-qwen", prompts)
    assert [(p.answer_a.text, p.answer_b.text) for p in pairs] == [
        ("Echo: What is PMS?", "Echo: What is PMS?"),
        ("Echo: Is cramping normal?", "Echo: Is cramping normal?"),
    ]
    assert all(p.judgeable for p in pairs)
    sent = {(r.body["model"], authorization(r.headers)) for r in upstream.requests}
    assert sent == {("gpt-4.1-mini", f"Bearer {UPSTREAM_KEY}"), ("bloom-qwen", None)}
    assert all(r.body["messages"][0] == {"role": "system", "content": SYSTEM} for r in upstream.requests)
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "side_by_side.run")).one()
    assert (entry.actor, entry.details) == (REVIEWER.email, {"prompts": 2, "failed": 0})


def test_azure_and_vertex_models_answer_through_their_wire_formats(
    session: Session, caller: Caller, upstream: FakeUpstream, vertex: FakeVertex
) -> None:
    base_model(session, "bloom-azure", provider="azure")
    base_model(session, "gemini-3.5-flash", provider="vertex", status="candidate")
    pairs = run(
        session, caller, "bloom-azure", "gemini-3.5-flash", side_by_side.typed_prompts(["Why cramps?"])
    )
    assert (pairs[0].answer_a.text, pairs[0].answer_b.text) == ("Echo: Why cramps?", "Echo: Why cramps?")
    assert upstream.requests[0].path.startswith("/openai/deployments/bloom-azure/chat/completions")
    assert vertex.requests[0].path.endswith("/publishers/google/models/gemini-3.5-flash:generateContent")


def test_validation_prompts_end_with_the_user_turn_and_keep_the_reference(session: Session) -> None:
    version = dataset_version(session)
    version.system_prompt = SYSTEM  # stored once per version, not in each example
    for position, (split, question) in enumerate(
        [("train", "t"), ("validation", "v1"), ("validation", "v2")]
    ):
        session.add(
            DatasetMember(
                dataset_version_id=version.id,
                interaction_id=f"i-{question}",
                split=split,
                position=position,
                messages=[
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": f"ideal {question}"},
                ],
            )
        )
    session.commit()
    prompts = side_by_side.validation_prompts(
        session=session, principal=REVIEWER, dataset_version_id=version.id
    )
    assert [(p.question, p.reference, p.interaction_id) for p in prompts] == [
        ("v1", "ideal v1", "i-v1"),
        ("v2", "ideal v2", "i-v2"),
    ]
    assert prompts[0].messages == [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "v1"}]
    assert prompts[0].dataset_version_id == version.id
    with pytest.raises(NotFound):
        side_by_side.validation_prompts(session=session, principal=REVIEWER, dataset_version_id=999)
    empty = dataset_version(session, "empty")
    choices = side_by_side.comparison_datasets(session=session, principal=REVIEWER)
    assert choices == [(version.id, "cycle-faq v1")]
    with pytest.raises(InputError, match="no validation examples"):
        side_by_side.validation_prompts(session=session, principal=REVIEWER, dataset_version_id=empty.id)


def test_a_failing_side_is_reported_per_pair_and_cannot_be_judged(
    session: Session, caller: Caller, upstream: FakeUpstream
) -> None:
    base_model(session, "gpt-4.1-mini")
    base_model(session, "unserved", provider="local", status="candidate")  # no endpoint registered
    base_model(session, "gone", provider="local", endpoint="http://127.0.0.1:9/v1", status="candidate")
    prompts = side_by_side.typed_prompts(["q"])
    no_endpoint = run(session, caller, "gpt-4.1-mini", "unserved", prompts)[0]
    assert no_endpoint.answer_a.text == "Echo: q"
    assert no_endpoint.answer_b.error is not None and "has no endpoint" in no_endpoint.answer_b.error
    unreachable = run(session, caller, "gpt-4.1-mini", "gone", prompts)[0]
    assert unreachable.answer_b.error == "gone could not be reached"
    upstream.mode = "error"
    failing = run(session, caller, "gpt-4.1-mini", "gone", prompts)[0]
    assert failing.answer_a.error == "gpt-4.1-mini answered HTTP 500"
    with pytest.raises(InputError, match="both models must have answered"):
        side_by_side.record_vote(session=session, principal=REVIEWER, pair=failing, winner="a")


def test_run_refuses_bad_requests(session: Session, caller: Caller) -> None:
    base_model(session, "gpt-4.1-mini")
    prompts = side_by_side.typed_prompts(["q"])
    with pytest.raises(InputError, match="two different models"):
        run(session, caller, "gpt-4.1-mini", "gpt-4.1-mini", prompts)
    with pytest.raises(NotFound):
        run(session, caller, "gpt-4.1-mini", "nope", prompts)
    with pytest.raises(InputError, match="at least one prompt"):
        side_by_side.typed_prompts(["", " "])
    with pytest.raises(InputError, match="between 1 and 50"):
        side_by_side.typed_prompts([f"q{i}" for i in range(51)])


def test_votes_are_stored_audited_and_tallied_from_either_seat(
    session: Session, caller: Caller, upstream: FakeUpstream
) -> None:
    base_model(session, "gpt-4.1-mini")
    base_model(session, "bloom-qwen", provider="local", endpoint=upstream.base_url, status="candidate")
    prompts = side_by_side.typed_prompts(["a?", "b?", "c?"], system_prompt=SYSTEM)
    first, second, third = run(session, caller, "gpt-4.1-mini", "bloom-qwen", prompts)
    (swapped,) = run(session, caller, "bloom-qwen", "gpt-4.1-mini", prompts[:1])
    vote = side_by_side.record_vote(session=session, principal=REVIEWER, pair=first, winner="b")
    side_by_side.record_vote(session=session, principal=REVIEWER, pair=second, winner="tie")
    side_by_side.record_vote(session=session, principal=REVIEWER, pair=third, winner="b")
    side_by_side.record_vote(session=session, principal=REVIEWER, pair=swapped, winner="a")
    stored = session.get(PreferenceVote, vote.id)
    assert stored is not None
    assert stored.messages == [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "a?"}]
    assert (stored.model_a, stored.answer_b, stored.winner, stored.voter) == (
        "gpt-4.1-mini",
        "Echo: a?",
        "b",
        REVIEWER.email,
    )
    tally = side_by_side.vote_tally(
        session=session, principal=VIEWER, model_a="bloom-qwen", model_b="gpt-4.1-mini"
    )
    assert (tally.a, tally.b, tally.tie, tally.total) == (3, 0, 1, 4)
    votes = session.scalars(select(AuditLog).where(AuditLog.action == "side_by_side.vote")).all()
    assert [v.details["winner"] for v in votes] == ["b", "tie", "b", "a"]
    with pytest.raises(InputError, match="a vote is one of"):
        side_by_side.record_vote(session=session, principal=REVIEWER, pair=first, winner="both")


def test_viewers_may_neither_run_nor_vote(session: Session, caller: Caller, upstream: FakeUpstream) -> None:
    base_model(session, "gpt-4.1-mini")
    base_model(session, "bloom-qwen", provider="local", endpoint=upstream.base_url, status="candidate")
    prompts = side_by_side.typed_prompts(["q"])
    with pytest.raises(PermissionDenied):
        side_by_side.run_pairs(
            session=session,
            principal=VIEWER,
            caller=caller,
            model_a="gpt-4.1-mini",
            model_b="bloom-qwen",
            prompts=prompts,
        )
    (pair,) = run(session, caller, "gpt-4.1-mini", "bloom-qwen", prompts)
    with pytest.raises(PermissionDenied):
        side_by_side.record_vote(session=session, principal=VIEWER, pair=pair, winner="a")
    assert session.scalars(select(PreferenceVote)).all() == []
    assert upstream.requests and len(upstream.requests) == 2  # the viewer's run sent nothing


class Coin(random.Random):
    """Heads, tails, heads, … (seat swaps on every other pair)."""

    def __init__(self) -> None:
        super().__init__()
        self.flips = 0

    def random(self) -> float:
        self.flips += 1
        return 0.0 if self.flips % 2 else 0.9


def test_blind_runs_draw_the_seats_per_pair(session: Session, caller: Caller, upstream: FakeUpstream) -> None:
    base_model(session, "gpt-4.1-mini")
    base_model(session, "bloom-qwen", provider="local", endpoint=upstream.base_url, status="candidate")
    prompts = side_by_side.typed_prompts(["one", "two"])
    pairs = side_by_side.run_pairs(
        session=session,
        principal=REVIEWER,
        caller=caller,
        model_a="gpt-4.1-mini",
        model_b="bloom-qwen",
        prompts=prompts,
        shuffle=Coin(),
    )
    assert [(p.model_a, p.model_b, p.prompt.question) for p in pairs] == [
        ("bloom-qwen", "gpt-4.1-mini", "one"),
        ("gpt-4.1-mini", "bloom-qwen", "two"),
    ]


def test_a_vote_becomes_a_dpo_pair_of_the_next_dataset_build(
    session: Session, settings: Settings, admin: Principal
) -> None:
    dataset_data.seed(session)
    question = "How long should period cramps last before I see a doctor?"
    careful = "Cramps usually ease within two or three days; see a doctor if they stop you from daily life."
    pair = side_by_side.Pair(
        Prompt([{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]),
        "gpt-4.1-mini",
        side_by_side.Answer("They last a while."),
        "bloom-qwen",
        side_by_side.Answer(careful),
    )
    side_by_side.record_vote(session=session, principal=REVIEWER, pair=pair, winner="b")
    version = build_dataset(
        session=session, principal=admin, settings=settings, spec=DatasetSpec(name="votes")
    )
    lines = export_bytes(
        session=session, principal=admin, version_id=version.id, fmt="openai-dpo", split=None
    )
    dpo = [orjson.loads(line) for line in lines.splitlines()]
    ours = [d for d in dpo if d["input"]["messages"][-1] == {"role": "user", "content": question}]
    assert len(ours) == 1
    assert ours[0]["preferred_output"] == [{"role": "assistant", "content": careful}]
    assert ours[0]["non_preferred_output"] == [{"role": "assistant", "content": "They last a while."}]
