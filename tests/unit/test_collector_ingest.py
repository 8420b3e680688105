"""POST /v1/interactions and POST /v1/feedback: per-record results, idempotency, limits, validation."""

from __future__ import annotations

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Interaction, Rating
from core.pseudonym import Pseudonymizer
from tests.collector_support import native_record


def test_batch_is_answered_per_record_and_stored_through_the_shared_writer(
    client: TestClient, session: Session
) -> None:
    records = [
        native_record(0, rating=5, thumbs="up"),
        native_record(1),
        native_record(0),  # repeated in the batch
        native_record(2, messages=[{"role": "assistant", "content": "no question"}]),
        "not an object",
        native_record(3, status="maybe"),
    ]
    response = client.post("/v1/interactions", json={"records": records})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (2, 1, 3)
    statuses = [(r["index"], r["id"], r["status"]) for r in body["results"]]
    assert statuses == [
        (0, "rec-0", "accepted"),
        (1, "rec-1", "accepted"),
        (2, "rec-0", "duplicate"),
        (3, "rec-2", "rejected"),
        (4, None, "rejected"),
        (5, "rec-3", "rejected"),
    ]
    reasons = [r["reason"] for r in body["results"]]
    assert "no user message" in reasons[3] and "JSON object" in reasons[4] and "status" in reasons[5]

    stored = session.get(Interaction, "rec-0")
    assert stored is not None and stored.source == "collector"
    assert stored.user_pseudonym == Pseudonymizer("test-pseudonym-key")("user-0")
    assert stored.cost_usd is not None and stored.cost_usd > 0  # priced from the price table
    assert session.scalar(select(func.count()).select_from(Rating)) == 1

    again = client.post("/v1/interactions", json={"records": records[:2]}).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert session.scalar(select(func.count()).select_from(Interaction)) == 2


def test_records_without_an_id_get_a_content_id_and_stay_idempotent(client: TestClient) -> None:
    record = native_record(9)
    del record["id"]
    first = client.post("/v1/interactions", json={"records": [record]}).json()["results"][0]
    second = client.post("/v1/interactions", json={"records": [record]}).json()["results"][0]
    assert first["status"] == "accepted" and second["status"] == "duplicate"
    assert first["id"] == second["id"]


def test_batch_limits_413_and_422(client: TestClient) -> None:
    too_many = client.post("/v1/interactions", json={"records": [native_record(i) for i in range(1001)]})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["body", "records"]
    big = orjson.dumps({"records": [native_record(0, feedback="x" * (5 * 1024 * 1024))]})
    assert (
        client.post("/v1/interactions", content=big, headers={"content-type": "application/json"}).status_code
        == 413
    )

    def chunks() -> object:  # no Content-Length: the body is counted as it arrives
        yield big[: len(big) // 2]
        yield big[len(big) // 2 :]

    chunked = client.post("/v1/interactions", content=chunks(), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    small = orjson.dumps({"records": [native_record(5)]})
    streamed = client.post(
        "/v1/interactions", content=iter([small]), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 200 and streamed.json()["accepted"] == 1


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"records": "nope"},
        {"records": [], "extra": 1},
        [native_record(0)],
    ],
)
def test_malformed_batches_are_422(client: TestClient, body: object) -> None:
    response = client.post("/v1/interactions", json=body)
    assert response.status_code == 422


def test_invalid_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/v1/interactions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_feedback_creates_then_updates_one_user_rating(client: TestClient, session: Session) -> None:
    client.post("/v1/interactions", json={"records": [native_record(0)]})
    first = client.post("/v1/feedback", json={"interaction_id": "rec-0", "thumbs": "down"})
    assert first.status_code == 200
    second = client.post("/v1/feedback", json={"interaction_id": "rec-0", "stars": 2, "comment": "too vague"})
    assert second.json()["rating_id"] == first.json()["rating_id"]
    rating = session.scalar(select(Rating).where(Rating.interaction_id == "rec-0"))
    assert rating is not None
    assert (rating.source, rating.stars, rating.thumbs, rating.comment) == ("user", 2, "down", "too vague")


def test_feedback_for_an_unknown_interaction_is_404(client: TestClient) -> None:
    response = client.post("/v1/feedback", json={"interaction_id": "nope", "stars": 5})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"interaction_id": "rec-0"},
        {"interaction_id": "rec-0", "stars": 6},
        {"interaction_id": "rec-0", "stars": 0},
        {"interaction_id": "rec-0", "thumbs": "sideways"},
        {"interaction_id": "", "stars": 3},
        {"stars": 3},
        {"interaction_id": "rec-0", "stars": 3, "author": "me"},
    ],
)
def test_feedback_validation_is_422(client: TestClient, body: dict[str, object]) -> None:
    assert client.post("/v1/feedback", json=body).status_code == 422
