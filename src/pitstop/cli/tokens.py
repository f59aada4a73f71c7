"""``pitstop token create|list|revoke``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pitstop.cli.common import api_error, console, ctx_of, print_json, when
from pitstop.sdk import PitstopError

app = typer.Typer(help="API tokens (admin).", no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="print JSON")]


@app.command()
def create(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option(help="admin, operator, viewer or worker")] = "operator",
    json_: Json = False,
) -> None:
    """Create a token; its secret is printed once."""
    try:
        with ctx_of(ctx).client() as client:
            data = client.create_token(name, role)
    except PitstopError as exc:
        api_error(exc)
    if json_:
        print_json(data)
        return
    console.print(f"created {data['role']} token {data['name']!r} (id {data['id']}). "
                  "It is shown only this once:", highlight=False)
    console.print(f"  {data['token']}", highlight=False)


@app.command("list")
def list_(ctx: typer.Context,
          all_: Annotated[bool, typer.Option("--all", help="include revoked")] = False,
          json_: Json = False) -> None:
    """List tokens (never their secrets)."""
    try:
        with ctx_of(ctx).client() as client:
            data = client.list_tokens(include_revoked=all_)
    except PitstopError as exc:
        api_error(exc)
    if json_:
        print_json(data)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "name", "role", "created", "by", "revoked"):
        table.add_column(column)
    for t in data["items"]:
        table.add_row(t["id"], t["name"], t["role"], when(t["created_at"]), t["created_by"],
                      when(t["revoked_at"]) if t["revoked_at"] else "")
    console.print(table)


@app.command()
def revoke(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token by id."""
    try:
        with ctx_of(ctx).client() as client:
            client.revoke_token(token_id)
    except PitstopError as exc:
        api_error(exc)
    console.print(f"revoked token {token_id}")
