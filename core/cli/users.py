"""CLI commands for people: local accounts (`user add / list / set-role / disable / enable`) and the privacy
rights of end users (`user export / erase`).

In: typer arguments (a new password only on stdin, never as an argument). Out: the result through
`core.cli.output.emit` — one JSON object with `--json`. A generated password is printed once and stored
nowhere but as its hash.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

import typer

from core import accounts, erasure
from core.accounts import UserInfo
from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.config import get_settings
from core.db import session_scope
from core.errors import InputError

app = typer.Typer(help="Local accounts, and end users' privacy rights.", no_args_is_help=True)


def _user_dict(user: UserInfo) -> dict[str, Any]:
    info = asdict(user)
    info["role"] = user.role.value if user.role else None
    return info


def _user_line(r: dict[str, Any]) -> str:
    state = "disabled" if r["disabled"] else "enabled"
    return f"{r['email']}  role={r['role'] or '(none)'}  {state}"


@app.command("add")
def add_command(
    email: str = typer.Argument(..., help="The person's email address (their sign-in name)."),
    role: str = typer.Option(..., "--role", help="admin | reviewer | clinician | viewer"),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin instead of generating one."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a local account; without --password-stdin a random password is printed once."""
    parsed_role = accounts.parse_role(role)
    password = _read_password() if password_stdin else None
    with session_scope(ready_engine()) as session:
        created = accounts.add_user(
            email, parsed_role, session=session, principal=cli_principal(), password=password
        )
    result: dict[str, Any] = {"email": created.user.email, "role": parsed_role.value}
    if created.generated_password is not None:
        result["password"] = created.generated_password
    emit(result, as_json, _added_summary)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InputError("--password-stdin given but stdin held no password")
    return password


def _added_summary(r: dict[str, Any]) -> str:
    line = f"added {r['email']} as {r['role']}"
    if "password" in r:
        line += f"\none-time password (shown only now): {r['password']}"
    return line


@app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """List the accounts."""
    with session_scope(ready_engine()) as session:
        users = accounts.list_users(session=session, principal=cli_principal())
    result = {"users": [_user_dict(user) for user in users]}
    emit(result, as_json, lambda r: "\n".join(_user_line(u) for u in r["users"]) or "no accounts yet")


@app.command("set-role")
def set_role_command(
    email: str = typer.Argument(..., help="The account's email."),
    role: str = typer.Argument(..., help="admin | reviewer | clinician | viewer | none (no access)"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an account's role (`none` takes every access away)."""
    parsed = None if role.strip().lower() == "none" else accounts.parse_role(role)
    with session_scope(ready_engine()) as session:
        user = accounts.set_role(email, parsed, session=session, principal=cli_principal())
    emit(_user_dict(user), as_json, _user_line)


def _set_disabled(email: str, disabled: bool, as_json: bool) -> None:
    with session_scope(ready_engine()) as session:
        user = accounts.set_disabled(email, disabled, session=session, principal=cli_principal())
    emit(_user_dict(user), as_json, _user_line)


@app.command("disable")
def disable_command(
    email: str = typer.Argument(..., help="The account's email."), as_json: bool = JSON_OPTION
) -> None:
    """Disable an account: it can no longer sign in."""
    _set_disabled(email, True, as_json)


@app.command("enable")
def enable_command(
    email: str = typer.Argument(..., help="The account's email."), as_json: bool = JSON_OPTION
) -> None:
    """Enable a disabled account again."""
    _set_disabled(email, False, as_json)


@app.command("export")
def export_command(
    user_id: str = typer.Argument(..., help="The end user's id as the app knows it (not the pseudonym)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Everything stored about one end user: their interactions and ratings (right of access)."""
    with session_scope(ready_engine()) as session:
        result = erasure.export_user(
            user_id, session=session, principal=cli_principal(), settings=get_settings()
        )
    emit(result, as_json, lambda r: f"{len(r['interactions'])} interactions (use --json for the data)")


@app.command("erase")
def erase_command(
    user_id: str = typer.Argument(..., help="The end user's id as the app knows it (not the pseudonym)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Delete one end user's interactions and list the dataset versions and models that contained them."""
    with session_scope(ready_engine()) as session:
        report = erasure.erase_user(
            user_id, session=session, principal=cli_principal(), settings=get_settings()
        )
    emit(report.as_dict(), as_json, _erase_summary)


def _erase_summary(r: dict[str, Any]) -> str:
    lines = [f"erased {r['interactions']} interactions and {r['conversations']} conversations"]
    if r["dataset_versions"]:
        lines.append(
            "dataset versions that contained them (now marked): "
            + ", ".join(f"{d['name']} v{d['version']}" for d in r["dataset_versions"])
        )
    if r["models"]:
        lines.append("models trained on them: " + ", ".join(m["name"] for m in r["models"]))
    return "\n".join(lines)
