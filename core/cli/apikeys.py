"""CLI commands for the collector's app keys: `apikey create / revoke / list`.

In: typer arguments. Out: the result through `core.cli.output.emit` (one JSON object with `--json`).
`create` prints the key once; only its SHA-256 is stored, so a lost key is revoked and replaced.
"""

from __future__ import annotations

from typing import Any

import typer

from core.auth import cli_principal
from core.cli.data import JSON_OPTION, ready_engine
from core.cli.output import emit
from core.collector import keys
from core.db import session_scope

app = typer.Typer(help="App keys for the collector API.", no_args_is_help=True)


def _key_dict(info: keys.KeyInfo) -> dict[str, Any]:
    return {
        "name": info.name,
        "active": info.active,
        "created_by": info.created_by,
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }


@app.command("create")
def create_command(
    name: str = typer.Argument(..., help="A name for the key, e.g. the app and environment."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create an app key; it is printed once and cannot be shown again."""
    with session_scope(ready_engine()) as session:
        created = keys.create_key(name, session=session, principal=cli_principal())
    emit(
        {"name": created.name, "key": created.key},
        as_json,
        lambda r: f"created app key {r['name']}\nkey (shown only now): {r['key']}",
    )


@app.command("revoke")
def revoke_command(
    name: str = typer.Argument(..., help="The key's name."), as_json: bool = JSON_OPTION
) -> None:
    """Revoke an app key; requests with it are refused at once."""
    with session_scope(ready_engine()) as session:
        info = keys.revoke_key(name, session=session, principal=cli_principal())
    emit(_key_dict(info), as_json, lambda r: f"revoked app key {r['name']}")


@app.command("list")
def list_command(as_json: bool = JSON_OPTION) -> None:
    """List app keys (names and dates; keys themselves are never stored)."""
    with session_scope(ready_engine()) as session:
        found = keys.list_keys(session=session, principal=cli_principal())
    emit({"keys": [_key_dict(info) for info in found]}, as_json, _list_summary)


def _list_summary(r: dict[str, Any]) -> str:
    if not r["keys"]:
        return "no app keys yet: `bloomtune apikey create NAME`"
    return "\n".join(
        f"{k['name']}  {'active' if k['active'] else 'revoked ' + str(k['revoked_at'])}  by {k['created_by']}"
        for k in r["keys"]
    )
