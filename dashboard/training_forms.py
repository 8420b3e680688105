"""The Training data page's two admin tools: the dataset build form and the file validator.

In: the principal (the page shows these only with `MANAGE_DATASETS`; the services check it again) and the
admin's input. Out: `build_form()` builds a version with a live progress bar and selects it in the list;
`file_validator()` validates an uploaded JSONL file (chat format with `core.dataset.validate`, Vertex format
with `core.dataset.vertex_check`) and shows the report with the offending lines.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

import orjson
import streamlit as st
from pydantic import ValidationError

from core.auth import Principal
from core.config import get_settings
from core.dataset import figures
from core.dataset.build import build_dataset
from core.dataset.spec import DatasetSpec
from core.dataset.validate import ValidationReport, training_price, validate_lines
from core.dataset.vertex_check import check_vertex_lines
from core.vocab import CORE_TOPICS, TOPIC_LABELS
from dashboard.attempt import attempt
from dashboard.cache import forget

VALIDATOR_MODELS: Final = (
    "gpt-4.1-mini",
    "gpt-4.1",
    "gpt-4.1-nano",
    "gpt-4o-mini",
    "gpt-4o",
    "gemini-3.5-flash",
)
SHOWN_LINES: Final = 20
SHOWN_CHARS: Final = 300


def build_form(principal: Principal) -> None:
    settings = get_settings()
    models = attempt(lambda session: figures.models_in_use(session=session, principal=principal)) or []
    with st.expander("Build a new dataset version", icon=":material/construction:"):
        with st.form("build_dataset"):
            name = st.text_input("Name", value="cycle-assistant", help="Each build adds the next version.")
            left, right = st.columns(2)
            min_rating = left.slider("Lowest user rating", 1, 5, 4)
            approved_only = right.checkbox("Reviewer-approved answers only")
            since = left.date_input("From", value=None, format="YYYY-MM-DD")
            until = right.date_input("Until", value=None, format="YYYY-MM-DD")
            topics = left.multiselect(
                "Topics (all when empty)", CORE_TOPICS, format_func=lambda t: TOPIC_LABELS[t]
            )
            chosen_models = right.multiselect("Models (all when empty)", models)
            system_prompt = st.text_area("System prompt", value=settings.dataset_system_prompt)
            budget = left.number_input(
                "Token budget per example", min_value=64, value=settings.dataset_max_context_tokens, step=256
            )
            share = right.slider("Validation share", 0.0, 0.45, 0.1, step=0.05)
            seed = left.number_input("Seed", min_value=0, value=0, step=1)
            submitted = st.form_submit_button("Build", type="primary", icon=":material/play_arrow:")
    if not submitted:
        return
    try:
        spec = DatasetSpec(
            name=name.strip(),
            min_rating=min_rating,
            approved_only=approved_only,
            since=_day(since),
            until=_day(until),
            topics=tuple(topics),
            models=tuple(chosen_models),
            system_prompt=system_prompt,
            max_context_tokens=int(budget),
            validation_share=share,
            seed=int(seed),
        )
    except ValidationError as exc:
        st.error("; ".join(str(e["msg"]) for e in exc.errors()), icon=":material/error:")
        return
    bar = st.progress(0.0, text="starting")

    def show(fraction: float, stage: str) -> None:
        bar.progress(min(fraction, 1.0), text=stage)

    version = attempt(
        lambda session: build_dataset(
            session=session,
            principal=principal,
            settings=settings,
            spec=spec,
            progress=show,
        )
    )
    if version is None:
        bar.empty()
        return
    forget()
    st.session_state["training_version"] = f"{version.name}:{version.version}"
    st.session_state["training_versions_page"] = 1
    st.success(
        f"Built **{version.name}:{version.version}** — {version.counts['examples']:,} examples "
        f"({version.counts['train']:,} train, {version.counts['validation']:,} validation).",
        icon=":material/check_circle:",
    )


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) else None


def file_validator() -> None:
    st.subheader("Validate a file")
    upload = st.file_uploader(
        "Any fine-tuning JSONL file (OpenAI chat format, or Vertex Gemini format)",
        type=["jsonl", "json", "txt"],
    )
    model = st.selectbox(
        "Target model", VALIDATOR_MODELS, help="Picks the tokenizer, per-example limit and price."
    )
    if upload is None:
        return
    data = upload.getvalue()
    lines = data.splitlines()
    if _looks_vertex(lines):
        _vertex_report(lines)
        return
    price = attempt(lambda session: training_price(model, session=session))
    report = validate_lines(lines, model=model, training_price_per_1m=price)
    _chat_report(report, lines)


def _looks_vertex(lines: list[bytes]) -> bool:
    first = next((line for line in lines if line.strip()), b"")
    try:
        record = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(record, dict) and "contents" in record and "messages" not in record


def _vertex_report(lines: list[bytes]) -> None:
    problems = check_vertex_lines(lines)
    examples = sum(1 for line in lines if line.strip())
    if not problems:
        st.success(f"Vertex Gemini file: {examples:,} examples, well formed.", icon=":material/check_circle:")
        return
    st.error(f"Vertex Gemini file: {examples:,} examples, problems below.", icon=":material/error:")
    _problem_table(problems, lines)


def _chat_report(report: ValidationReport, lines: list[bytes]) -> None:
    cards = st.columns(4)
    cards[0].metric("Examples", f"{report.examples:,}", border=True)
    cards[1].metric("With errors", f"{len(set().union(*report.error_lines.values())):,}", border=True)
    cards[2].metric(
        "Billed tokens",
        f"{report.billed_tokens:,}",
        help=f"per epoch; {report.epochs or '—'} epochs ({report.tokenizer})",
        border=True,
    )
    cost = report.estimated_cost_usd
    cards[3].metric("Estimated cost", "—" if cost is None else f"${cost:,.2f}", border=True)
    if report.ok:
        st.success("No errors: the file can be uploaded for fine-tuning.", icon=":material/check_circle:")
    else:
        _problem_table(report.error_lines, lines)
    if report.warnings:
        st.dataframe(
            [
                {"Warning": w.key, "Count": len(w.lines), "Message": w.message, "Lines": _first(w.lines)}
                for w in report.warnings
            ],
            hide_index=True,
        )
    st.caption("Tokens per example: " + ", ".join(f"{k} {v}" for k, v in report.tokens().items()))


def _problem_table(problems: dict[str, list[int]], lines: list[bytes]) -> None:
    st.dataframe(
        [
            {"Error": key, "Examples": len(numbers), "Lines": _first(numbers)}
            for key, numbers in problems.items()
        ],
        hide_index=True,
    )
    offending = sorted(set().union(*problems.values()))[:SHOWN_LINES]
    st.markdown(f"**Offending lines** (first {len(offending)})")
    sets = {key: set(numbers) for key, numbers in problems.items()}
    keys = {n: [key for key, numbers in sets.items() if n in numbers] for n in offending}
    st.dataframe(
        [
            {
                "Line": n,
                "Errors": ", ".join(keys[n]),
                "Content": lines[n - 1][:SHOWN_CHARS].decode("utf-8", "replace"),
            }
            for n in offending
        ],
        hide_index=True,
    )


def _first(numbers: list[int], shown: int = 10) -> str:
    text = ", ".join(map(str, numbers[:shown]))
    return text + (f" … +{len(numbers) - shown}" if len(numbers) > shown else "")
