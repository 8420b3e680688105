"""Models: the registry, its lifecycle buttons, retirement countdowns, and side-by-side tests.

In: the principal from `app.py` (needs `VIEW_METRICS`; promote/retire need `MANAGE_MODELS`, side-by-side
runs and votes need `RATE` — `core` checks each again), the status filter and page, form input.
Out: a banner for every live model whose base model stops serving within 60 days (`core.registry`), counts
per status, one page of the registry with provenance (job, dataset version, base model), promote / retire
with a confirmation step, and a side-by-side panel: two models answer typed prompts or a dataset version's
validation split (`core.side_by_side`), the reviewer picks the better answer (optionally blind), and the vote
is stored for the DPO export.
"""

from __future__ import annotations

import random
from typing import Any

import streamlit as st

from core import registry, side_by_side
from core.auth import Permission, Principal, can
from core.config import get_settings
from core.finetune import catalogue
from core.registry import ModelPage
from core.side_by_side import Caller, Pair, Prompt
from dashboard.attempt import attempt
from dashboard.context import current_principal
from dashboard.pager import page_number, pager, reset

PAGE_SIZE = 25
PAGE_KEY = "models_page"
FILTER_KEY = "models_status"
ALL = "All statuses"
CONFIRM_KEY = "models_confirm"
DONE_KEY = "models_done"
RUN_KEY = "models_sbs_run"
EMPTY_STATE = (
    "No models registered yet — a fine-tuning job that succeeds registers its model here as a candidate "
    "(launch one on the Fine-tunes page), or load demo data with `bloomtune demo`"
)
TYPED, VALIDATION = "Typed prompts", "Validation split of a dataset version"
VOTES = (("a", "A is better"), ("tie", "Tie"), ("b", "B is better"))
STATUS_COLORS = {"candidate": "blue", "live": "green", "retired": "gray"}


def render() -> None:
    principal = current_principal()
    st.title("Models")
    _countdowns(principal)
    done = st.session_state.pop(DONE_KEY, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    counts = attempt(lambda s: registry.status_counts(session=s, principal=principal)) or {}
    for column, status in zip(st.columns(3), registry.STATUSES, strict=True):
        column.metric(status.capitalize(), f"{counts.get(status, 0):,}", border=True)
    listing = _registry_table(principal)
    if can(principal, Permission.MANAGE_MODELS):
        if listing is not None:
            _lifecycle(principal, listing)
        _register_form(principal)
    st.divider()
    _side_by_side(principal)


# -- registry ----------------------------------------------------------------------------------------------
def _countdowns(principal: Principal) -> None:
    today = catalogue.lifecycle_today(get_settings())
    countdowns = attempt(lambda s: registry.retirement_countdown(session=s, principal=principal, today=today))
    for c in countdowns or []:
        if c.days_left > 0:
            st.warning(
                f"**{c.model}** has **{c.days_left} days** left: its base model `{c.base_model}` ({c.provider}) "
                f"stops serving on {c.retires_on.isoformat()}. Fine-tune a replacement on a supported base "
                "model and promote it before then.",
                icon=":material/timer:",
            )
        else:
            st.error(
                f"**{c.model}** is live, but its base model `{c.base_model}` ({c.provider}) stopped serving on "
                f"{c.retires_on.isoformat()}. Promote a replacement now.",
                icon=":material/timer_off:",
            )


def _registry_table(principal: Principal) -> ModelPage | None:
    st.subheader("Registry")
    shown = st.columns([1, 3])[0].selectbox(
        "Status", [ALL, *registry.STATUSES], key=FILTER_KEY, on_change=reset, args=(PAGE_KEY,)
    )
    status = None if shown == ALL else shown
    listing = attempt(
        lambda s: registry.list_models(
            session=s, principal=principal, status=status, page=page_number(PAGE_KEY), page_size=PAGE_SIZE
        )
    )
    if listing is None:
        return None
    if listing.total == 0:
        st.info(EMPTY_STATE if status is None else f"No {status} models.", icon=":material/model_training:")
        return None
    st.dataframe(
        [
            {
                "Model": row.name,
                "Status": [row.status],
                "Provider": row.provider,
                "Base model": row.base_model or "—",
                "Dataset version": row.dataset_label or "—",
                "Job": f"#{row.job_id}" if row.job_id else "—",
                "Base model retires": row.base_retirement_date,
                "Endpoint": row.endpoint or "—",
                "Registered (UTC)": row.created_at,
            }
            for row in listing.rows
        ],
        hide_index=True,
        column_config={
            "Status": st.column_config.MultiselectColumn(
                options=registry.STATUSES, color=[STATUS_COLORS[s] for s in registry.STATUSES], width="small"
            ),
            "Registered (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Base model retires": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )
    pager(PAGE_KEY, listing.page, listing.page_count, listing.total, "models")
    jobs = [row for row in listing.rows if row.job_id]
    if jobs:
        st.caption(
            "Source jobs: "
            + " · ".join(f"[#{row.job_id}](/finetunes?job={row.job_id}) → {row.name}" for row in jobs)
        )
    return listing


def _lifecycle(principal: Principal, listing: ModelPage) -> None:
    """Promote or retire a model of this page, each after a confirmation."""
    active = {row.name: row.status for row in listing.rows if row.status != registry.RETIRED}
    if not active:
        return
    st.subheader("Promote or retire")
    confirm = st.session_state.get(CONFIRM_KEY)
    name = st.selectbox(
        "Model",
        list(active),
        format_func=lambda n: f"{n} ({active[n]})",
        key="models_pick",
        disabled=bool(confirm),
    )
    promote_column, retire_column, _ = st.columns([1, 1, 4])
    if promote_column.button(
        "Promote…", disabled=bool(confirm) or active[name] != registry.CANDIDATE, icon=":material/upgrade:"
    ):
        st.session_state[CONFIRM_KEY] = ("promote", name)
        st.rerun()
    if retire_column.button("Retire…", disabled=bool(confirm), icon=":material/archive:"):
        st.session_state[CONFIRM_KEY] = ("retire", name)
        st.rerun()
    if confirm is None:
        return
    action, name = confirm
    if action == "promote":
        st.warning(
            f"Promote **{name}**? It becomes the live model the chat gateway serves to every user; the model "
            "live now is retired."
        )
        reason = ""
    else:
        st.warning(f"Retire **{name}**? It stops being served and cannot be promoted again.")
        reason = st.text_input("Reason (optional, kept in the audit log)")
    yes, no, _ = st.columns([1, 1, 4])
    if no.button("Cancel"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()
    if yes.button(f"Confirm {action}", type="primary"):
        st.session_state.pop(CONFIRM_KEY, None)
        if action == "promote":
            today = catalogue.lifecycle_today(get_settings())
            done = attempt(lambda s: registry.promote(session=s, principal=principal, name=name, today=today))
            message = f"**{name}** is now the live model."
        else:
            done = attempt(
                lambda s: registry.retire(session=s, principal=principal, name=name, reason=reason)
            )
            message = f"**{name}** is retired."
        if done is not None:
            st.session_state[DONE_KEY] = message
            st.rerun()


def _register_form(principal: Principal) -> None:
    with st.expander("Register a model served elsewhere"), st.form("register_model", clear_on_submit=True):
        st.caption(
            "A base model in use, or a model on an OpenAI-compatible server (vLLM, Ollama, llama.cpp): "
            "it joins the registry as a candidate, ready for a side-by-side test."
        )
        name_column, provider_column = st.columns(2)
        name = name_column.text_input("Model name (the id its server knows)")
        provider = provider_column.selectbox("Provider", catalogue.PROVIDERS)
        endpoint_column, base_column = st.columns(2)
        endpoint = endpoint_column.text_input("Endpoint (base URL; required for local models)")
        base = base_column.text_input("Base model (optional)")
        if not st.form_submit_button("Register"):
            return
    done = attempt(
        lambda s: registry.register_model(
            session=s, principal=principal, name=name, provider=provider, endpoint=endpoint, base_model=base
        )
    )
    if done is not None:
        st.session_state[DONE_KEY] = f"**{done.name}** is registered as a candidate."
        st.rerun()


# -- side-by-side ------------------------------------------------------------------------------------------
def _side_by_side(principal: Principal) -> None:
    st.subheader("Side-by-side test")
    if not can(principal, Permission.RATE):
        st.caption(
            "Reviewers, clinicians and admins compare two models here and vote for the better answers."
        )
        return
    names = attempt(lambda s: registry.model_names(session=s, principal=principal)) or []
    if len(names) < 2:
        st.info(
            "Side-by-side tests need two live or candidate models in the registry.", icon=":material/compare:"
        )
        return
    left, right = st.columns(2)
    model_a = left.selectbox("Model A", names, index=0, key="sbs_model_a")
    model_b = right.selectbox("Model B", names, index=1, key="sbs_model_b")
    prompts = _prompt_form(principal)
    blind = st.checkbox(
        "Blind: hide which model wrote which answer until I vote", value=True, key="sbs_blind"
    )
    if st.button("Run side-by-side", type="primary", icon=":material/play_arrow:", disabled=prompts is None):
        _run(principal, model_a, model_b, prompts or [], blind)
    _pairs(principal)
    tally = attempt(
        lambda s: side_by_side.vote_tally(session=s, principal=principal, model_a=model_a, model_b=model_b)
    )
    if tally is not None and tally.total:
        st.caption(
            f"All votes so far between these two: **{model_a}** {tally.a} · **{model_b}** {tally.b} · "
            f"ties {tally.tie}"
        )


def _prompt_form(principal: Principal) -> list[Prompt] | None:
    """The prompts to send, or None while there are none yet (the run button stays disabled)."""
    source = st.radio("Prompts", [TYPED, VALIDATION], horizontal=True, key="sbs_source")
    if source == TYPED:
        text = st.text_area(
            "One prompt per line", key="sbs_typed", placeholder="Is it normal to have cramps?"
        )
        system = st.text_input("System prompt (optional)", key="sbs_system")
        if not text.strip():
            return None
        return attempt(lambda s: side_by_side.typed_prompts(text.splitlines(), system_prompt=system))
    choices = attempt(lambda s: side_by_side.comparison_datasets(session=s, principal=principal)) or []
    if not choices:
        st.info("No dataset version has a validation split yet; build one on the Training data page.")
        return None
    labels = dict(choices)
    version_id = st.selectbox(
        "Dataset version", list(labels), format_func=labels.__getitem__, key="sbs_dataset"
    )
    limit = st.number_input(
        "Examples", min_value=1, max_value=side_by_side.MAX_PROMPTS, value=10, step=1, key="sbs_limit"
    )
    return attempt(
        lambda s: side_by_side.validation_prompts(
            session=s, principal=principal, dataset_version_id=int(version_id), limit=int(limit)
        )
    )


def _run(principal: Principal, model_a: str, model_b: str, prompts: list[Prompt], blind: bool) -> None:
    caller = Caller(get_settings())
    try:
        with st.spinner(f"Asking {model_a} and {model_b} ({len(prompts)} prompts)…"):
            pairs = attempt(
                lambda s: side_by_side.run_pairs(
                    session=s,
                    principal=principal,
                    caller=caller,
                    model_a=model_a,
                    model_b=model_b,
                    prompts=prompts,
                    shuffle=random.Random() if blind else None,
                )
            )
    finally:
        caller.close()
    if pairs is not None:
        st.session_state[RUN_KEY] = {
            "pairs": pairs,
            "blind": blind,
            "votes": {},
            "id": random.getrandbits(32),
        }


def _pairs(principal: Principal) -> None:
    run: dict[str, Any] | None = st.session_state.get(RUN_KEY)
    if not run:
        return
    pairs: list[Pair] = run["pairs"]
    votes: dict[int, str] = run["votes"]
    st.caption(f"{len(votes)} of {sum(p.judgeable for p in pairs)} pairs judged")
    for index, pair in enumerate(pairs):
        with st.container(border=True):
            st.markdown(f"**Prompt {index + 1}**")
            st.text(pair.prompt.question)
            if pair.prompt.reference:
                with st.expander("Answer in the dataset"):
                    st.text(pair.prompt.reference)
            revealed = not run["blind"] or index in votes
            for column, seat, model, answer in zip(
                st.columns(2),
                ("A", "B"),
                (pair.model_a, pair.model_b),
                (pair.answer_a, pair.answer_b),
                strict=True,
            ):
                column.markdown(f"**{seat}**" + (f" · `{model}`" if revealed else ""))
                if answer.error:
                    column.error(answer.error, icon=":material/cloud_off:")
                else:
                    column.markdown(answer.text or "*(empty answer)*")
            if index in votes:
                picked = dict(VOTES)[votes[index]]
                st.success(f"Your vote: {picked}", icon=":material/how_to_vote:")
            elif pair.judgeable:
                _vote_buttons(principal, run, index, pair)


def _vote_buttons(principal: Principal, run: dict[str, Any], index: int, pair: Pair) -> None:
    for column, (winner, label) in zip(st.columns(len(VOTES)), VOTES, strict=True):
        if column.button(label, key=f"sbs_vote_{run['id']}_{index}_{winner}", width="stretch"):
            vote = attempt(
                lambda s, w=winner: side_by_side.record_vote(
                    session=s, principal=principal, pair=pair, winner=w
                )
            )
            if vote is not None:
                run["votes"][index] = winner
                st.rerun()


render()
