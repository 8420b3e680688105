"""GET /v1/assignments/{experiment}: sticky arms, the traffic split, stopped experiments, 404 and 422."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from core.collector.assignments import bucket
from tests.collector_support import add_experiment


def test_running_experiment_gives_sticky_arms_in_the_configured_share(
    client: TestClient, session: Session
) -> None:
    add_experiment(session, share=0.3)
    arms = {}
    for number in range(400):
        response = client.get("/v1/assignments/ft-v1", params={"user_id": f"user-{number}"})
        assert response.status_code == 200
        arms[number] = response.json()
    assert all(
        client.get("/v1/assignments/ft-v1", params={"user_id": f"user-{n}"}).json() == arms[n]
        for n in range(20)
    )
    treated = sum(1 for a in arms.values() if a["arm"] == "treatment")
    assert 0.22 < treated / len(arms) < 0.38
    sample = arms[0]
    expected = "ft:gpt-4.1-mini:bloom:v1:abc" if sample["arm"] == "treatment" else "gpt-4.1-mini"
    assert sample["model"] == expected and sample["status"] == "running"


def test_buckets_differ_between_experiments() -> None:
    users = [f"user-{n}" for n in range(200)]
    first = [bucket("salt-a", u) < 0.5 for u in users]
    second = [bucket("salt-b", u) < 0.5 for u in users]
    assert first != second
    assert all(0 <= bucket("s", u) < 1 for u in users)


@pytest.mark.parametrize(("decision", "arm"), [("ship", "treatment"), ("keep", "control"), (None, "control")])
def test_stopped_experiment_gives_the_shipped_arm(
    client: TestClient, session: Session, decision: str | None, arm: str
) -> None:
    add_experiment(session, status="stopped", decision=decision)
    arms = {client.get("/v1/assignments/ft-v1", params={"user_id": f"u{n}"}).json()["arm"] for n in range(30)}
    assert arms == {arm}


def test_unknown_experiment_is_404_and_missing_user_is_422(client: TestClient, session: Session) -> None:
    assert client.get("/v1/assignments/nope", params={"user_id": "u1"}).status_code == 404
    add_experiment(session)
    assert client.get("/v1/assignments/ft-v1").status_code == 422
    assert client.get("/v1/assignments/ft-v1", params={"user_id": ""}).status_code == 422
