"""The demo conversations themselves: what each user asked, which model answered, how fast and how rated.

In: a rendered `Catalogue`, the seed, the time window and a `Part` of the session plan (who chats when).
Out: the part's `Record`s in plan order, ready for `IngestWriter`, and their `Counts`.

One session is one conversation of 1-5 user turns; later turns carry the earlier turns in `messages`.
Before the experiment window every call goes to the base model; inside it each user is assigned, sticky by
the gateway's hash of user id and experiment salt, to control (base) or treatment (the fine-tune), which is rated a
little better. Latencies are lognormal (median ≈ 900 ms, p95 ≈ 2 s), about 0.5% of calls fail, about a
third of answers are rated (J-shaped stars, thumbs, a few comments), and a handful of interactions at
preset positions carry PII, near-duplicate questions or unsafe answers for reviewers to find.

Records are built without validation (`known_good_record`, what `Record.model_construct` builds, faster):
everything here is generated known-good, and validating a million records would cost more than writing
them.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from core.collector.assignments import bucket
from core.demo.catalogue import TOPIC_WEIGHTS, Catalogue, near_duplicate, with_pii
from core.demo.content.extras import (
    CLOSERS,
    LATER_TURN_PREFIXES,
    NEGATIVE_FEEDBACK,
    NEUTRAL_FEEDBACK,
    OPENERS,
    POSITIVE_FEEDBACK,
    THANKS_ANSWERS,
    THANKS_QUESTIONS,
    UNSAFE,
)
from core.demo.plan import Part
from core.ingest.records import Record

SYSTEM_PROMPT: Final = (
    "You are a supportive menstrual-health assistant. Give accurate, kind, non-judgmental information and "
    "recommend seeing a clinician for anything that may need medical care."
)
BASE_MODEL: Final = "gpt-4.1-mini-2025-04-14"
FT_MODEL: Final = "ft:gpt-4.1-mini-2025-04-14:bloomtune:cycle-v1:DEMO0001"
PROVIDER: Final = "openai"
EXPERIMENT: Final = "ft-v1"
EXPERIMENT_SALT: Final = "demo-ft-v1"  # fixed, so the same seed gives the same arms
TREATMENT_SHARE: Final = 0.5

ERROR_RATE: Final = 0.005
ERRORS: Final = ("upstream_timeout", "rate_limited", "upstream_500")
RATED_SHARE: Final = 0.35
STARS_CUMULATIVE: Final = {  # P(stars <= k) for k = 1..4: J-shaped, the fine-tune a little better
    "control": (0.07, 0.12, 0.22, 0.46),
    "treatment": (0.04, 0.07, 0.15, 0.38),
}
THUMBS_UP: Final = {"control": 0.84, "treatment": 0.89}  # when a user only gives a thumb
COMMENT_SHARE: Final = 0.08  # of rated interactions
LATENCY_MEDIAN_MS: Final = {"control": 900.0, "treatment": 860.0}
LATENCY_SIGMA: Final = math.log(2000 / 900) / 1.645  # p95 ≈ 2 s
APP_VERSIONS: Final = ((0, "3.1.0"), (35, "3.2.0"), (70, "3.3.0"))  # (day of the window, release)
LOCALES: Final = (
    ("en-GB",) * 40 + ("en-US",) * 35 + ("en-AU",) * 8 + ("en-CA",) * 7 + ("en-IE",) * 5 + ("en-IN",) * 5
)
SPECIAL_RATES: Final = {"pii": 0.002, "near_duplicate": 0.003, "unsafe": 0.001}
SPECIAL_MINIMUM: Final = 2  # of each kind, however small the run

_SYSTEM: Final = {"role": "system", "content": SYSTEM_PROMPT}
_SYSTEM_TOKENS: Final = len(SYSTEM_PROMPT) // 4 + 4
_LOG_MEDIAN: Final = {variant: math.log(ms) for variant, ms in LATENCY_MEDIAN_MS.items()}


@dataclass
class Counts:
    interactions: int = 0
    ratings: int = 0
    errors: int = 0
    pii: int = 0
    near_duplicate: int = 0
    unsafe: int = 0
    experiment: int = 0

    def add(self, other: Counts) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)


def assign_variant(
    user_id: str, salt: str = EXPERIMENT_SALT, treatment_share: float = TREATMENT_SHARE
) -> str:
    """Sticky A/B arm, hashed exactly as the gateway does (`core.collector.assignments`), so asking the
    collector for a demo user's arm gives the arm the demo data shows."""
    return "treatment" if bucket(salt, user_id) < treatment_share else "control"


def special_positions(interactions: int, rng: random.Random) -> dict[int, str]:
    """Which interactions (by position) carry PII, a near-duplicate question or an unsafe answer."""
    wanted = [
        (kind, max(SPECIAL_MINIMUM, round(interactions * rate))) for kind, rate in SPECIAL_RATES.items()
    ]
    # Near-duplicates copy an earlier question, so keep the first few interactions ordinary.
    low = min(20, interactions // 10)
    slots = rng.sample(range(low, interactions), min(sum(n for _, n in wanted), interactions - low))
    kinds = [kind for kind, n in wanted for _ in range(n)]
    return dict(zip(slots, kinds, strict=False))


class Simulation:
    """Replays the plan part by part: `run(part)` returns the part's records and their `Counts`.

    Each part draws from its own generator, seeded by the seed and the part's index, and starts with no
    memory of other parts, so a part's records are the same whichever process builds it and in what order.
    """

    def __init__(
        self, *, catalogue: Catalogue, seed: int, window_start: datetime, experiment_start: datetime
    ) -> None:
        self._catalogue = catalogue
        self._seed = seed
        self._window_start = window_start
        self._experiment_second = int((experiment_start - window_start).total_seconds())
        self._arms: dict[int, str] = {}  # a pure function of the user, so safe to keep across parts
        self._topics = tuple(TOPIC_WEIGHTS)
        self._topic_cumulative = _cumulative(TOPIC_WEIGHTS.values())
        self._rng = random.Random()
        self._recent: list[tuple[str, str]] = []  # (question, answer) of recent first turns
        self._specials: dict[int, str] = {}
        self._position = 0
        self.counts = Counts()

    def run(self, part: Part) -> tuple[list[Record], Counts]:
        self._rng = random.Random(f"{self._seed}:part:{part.index}")
        self._recent = []
        self._specials = part.specials
        self._position = part.first_position
        self.counts = Counts()
        records: list[Record] = []
        for offset, (user, start, turns) in enumerate(zip(part.user, part.start, part.turns, strict=True)):
            records.extend(self._session(part.first_session + offset, user, start, turns))
        return records, self.counts

    # -- one conversation ----------------------------------------------------------------------------
    def _session(self, session: int, user: int, start: int, turns: int) -> list[Record]:
        rng = self._rng
        random_ = rng.random
        user_id = f"demo-user-{user:05d}"
        conversation_id = f"demo-{self._seed}-c{session:07d}"
        if start >= self._experiment_second:
            variant = self._arm(user, user_id)
            model, experiment = (FT_MODEL if variant == "treatment" else BASE_MODEL), EXPERIMENT
        else:
            variant, model, experiment = "control", BASE_MODEL, None
        app_version = _app_version(start // 86_400, user)
        locale = LOCALES[user * 37 % len(LOCALES)]
        context: list[dict[str, str]] = [_SYSTEM]
        context_tokens = _SYSTEM_TOKENS + 3
        topic = self._topics[bisect(self._topic_cumulative, random_())]
        retry: tuple[str, str] | None = None
        second = float(start)
        records: list[Record] = []
        for turn in range(turns):
            position = self._position
            self._position += 1
            topic, question, answer, special = self._content(position, topic, turn, turns, retry)
            failed = special is None and random_() < ERROR_RATE
            latency = self._latency(variant, failed)
            asked = {"role": "user", "content": question}
            fields: dict[str, Any] = {
                "id": f"demo-{self._seed}-{position:08d}",
                "conversation_id": conversation_id,
                "user_id": user_id,
                "created_at": self._window_start + timedelta(seconds=second),
                "model": model,
                "provider": PROVIDER,
                "experiment": experiment,
                "variant": variant if experiment else None,
                "latency_ms": latency,
                "app_version": app_version,
                "locale": locale,
                "rating": None,
                "thumbs": None,
                "feedback": None,
            }
            if failed:
                fields["status"] = "error"
                fields["error_code"] = ERRORS[int(random_() * len(ERRORS))]
                fields["messages"] = [*context, asked]
                fields["prompt_tokens"] = fields["completion_tokens"] = None
                fields["cost_usd"] = 0.0  # failed calls are not billed
                retry = (question, answer)  # the user asks again in the next turn
                self.counts.errors += 1
            else:
                retry = None
                question_tokens = len(question) // 4 + 5
                answer_tokens = len(answer) // 4 + 1
                context = [*context, asked, {"role": "assistant", "content": answer}]
                fields["status"] = "ok"
                fields["error_code"] = None
                fields["messages"] = context
                fields["prompt_tokens"] = context_tokens + question_tokens
                fields["completion_tokens"] = answer_tokens
                fields["cost_usd"] = None  # priced by the writer from the price table
                context_tokens += question_tokens + answer_tokens + 4
                if random_() < RATED_SHARE:
                    self._rate(fields, variant)
            records.append(known_good_record(fields))
            # The user reads the answer and types the next question: 15 s plus an exponential minute.
            second += latency / 1000 + 15 - 60 * math.log(1.0 - random_())
        counts = self.counts
        counts.interactions += turns
        if experiment:
            counts.experiment += turns
        return records

    def _content(
        self, position: int, topic: str, turn: int, turns: int, retry: tuple[str, str] | None
    ) -> tuple[str, str, str, str | None]:
        """(topic, question, answer, kind of deliberate flaw or None) of one turn."""
        rng = self._rng
        special = self._specials.get(position)
        if special == "unsafe":
            topic, question, answer = rng.choice(UNSAFE)
        elif retry is not None:
            question, answer = retry
        else:
            topic, question, answer = self._exchange(topic, first=turn == 0, last=turn == turns - 1)
            if turn == 0 and special is None:
                self._remember(question, answer)
        if special == "pii":
            question = with_pii(question, rng)
        elif special == "near_duplicate" and self._recent:
            original, answer = rng.choice(self._recent)
            question = near_duplicate(original, rng)
        elif special != "unsafe":
            return topic, question, answer, None  # (a near-duplicate with nothing to copy yet is ordinary)
        setattr(self.counts, special, getattr(self.counts, special) + 1)
        return topic, question, answer, special

    def _exchange(self, topic: str, *, first: bool, last: bool) -> tuple[str, str, str]:
        """(topic, question, answer) for the next ordinary turn."""
        rng = self._rng
        roll = rng.random()
        shelf = self._catalogue.main
        prefix = ""
        if not first:
            if last and roll < 0.12:
                return topic, rng.choice(THANKS_QUESTIONS), rng.choice(THANKS_ANSWERS)
            if roll < 0.35 and self._catalogue.followups[topic]:
                shelf = self._catalogue.followups
            elif roll > 0.8:
                topic = self._topics[bisect(self._topic_cumulative, rng.random())]
            prefix = LATER_TURN_PREFIXES[int(rng.random() * len(LATER_TURN_PREFIXES))]
        templates = shelf[topic]
        variants = templates[int(rng.random() * len(templates))]
        variant = variants[int(rng.random() * len(variants))]
        answer = variant.answers[int(rng.random() * len(variant.answers))]
        answer = (
            OPENERS[int(rng.random() * len(OPENERS))] + answer + CLOSERS[int(rng.random() * len(CLOSERS))]
        )
        return topic, prefix + variant.question, answer

    def _remember(self, question: str, answer: str) -> None:
        recent = self._recent
        if len(recent) < 64:
            recent.append((question, answer))
        else:
            recent[int(self._rng.random() * 64)] = (question, answer)

    def _arm(self, user: int, user_id: str) -> str:
        arm = self._arms.get(user)
        if arm is None:
            arm = self._arms[user] = assign_variant(user_id)
        return arm

    def _latency(self, variant: str, failed: bool) -> int:
        """Lognormal milliseconds for an answer; a timeout (30 s) or a quick failure for an error."""
        rng = self._rng
        if not failed:
            return max(120, int(math.exp(_LOG_MEDIAN[variant] + LATENCY_SIGMA * rng.gauss(0.0, 1.0))))
        return 30_000 if rng.random() < 0.4 else rng.randint(40, 1500)

    def _rate(self, fields: dict[str, Any], variant: str) -> None:
        """Stars, a thumb, or both, and now and then a comment."""
        rng = self._rng
        self.counts.ratings += 1
        stars = bisect(STARS_CUMULATIVE[variant], rng.random()) + 1
        mode = rng.random()
        if mode < 0.45:
            fields["rating"] = stars
        elif mode < 0.8:
            fields["rating"] = stars
            fields["thumbs"] = "up" if stars >= 4 or (stars == 3 and rng.random() < 0.4) else "down"
        else:
            up = rng.random() < THUMBS_UP[variant]
            fields["thumbs"] = "up" if up else "down"
            stars = 5 if up else 1
        if rng.random() < COMMENT_SHARE:
            pool = POSITIVE_FEEDBACK if stars >= 4 else NEGATIVE_FEEDBACK if stars <= 2 else NEUTRAL_FEEDBACK
            fields["feedback"] = rng.choice(pool)


_RECORD_FIELDS: Final = frozenset(Record.model_fields)


def known_good_record(fields: dict[str, Any]) -> Record:
    """`Record.model_construct(**fields)` for a dict holding every field, without its per-field loop.

    What `model_construct` builds, in a quarter of the time (a test checks that the two agree). `fields`
    becomes the record's `__dict__`.
    """
    record = Record.__new__(Record)
    object.__setattr__(record, "__dict__", fields)
    object.__setattr__(record, "__pydantic_fields_set__", set(_RECORD_FIELDS))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


def _cumulative(weights: Any) -> list[float]:
    values = list(weights)
    total, running, out = sum(values), 0.0, []
    for value in values[:-1]:
        running += value
        out.append(running / total)
    return out


def _app_version(day: int, user: int) -> str:
    """The newest release out on `day`; one user in four lags a release behind."""
    released = [version for start, version in APP_VERSIONS if start <= day]
    if user % 4 == 0 and len(released) > 1:
        return released[-2]
    return released[-1]
