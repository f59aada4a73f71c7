"""``pitstop token create|list|revoke``."""

from __future__ import annotations

from typing import Annotated

import typer

from pitstop.cli.common import Json, call, console, print_items, print_json, when

app = typer.Typer(help="API tokens (admin).", no_args_is_help=True)


@app.command()
def create(
    ctx: typer.Context,
    name: str,
    role: Annotated[str, typer.Option(help="admin, operator, viewer or worker")] = "operator",
    json_: Json = False,
) -> None:
    """Create a token; its secret is printed once."""
    data = call(ctx, lambda c: c.create_token(name, role))
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
    print_items(call(ctx, lambda c: c.list_tokens(include_revoked=all_)), json_,
                ("id", "name", "role", "created", "by", "revoked"),
                lambda t: (t["id"], t["name"], t["role"], when(t["created_at"]),
                           t["created_by"], when(t["revoked_at"]) if t["revoked_at"] else ""))


@app.command()
def revoke(ctx: typer.Context, token_id: str) -> None:
    """Revoke a token by id."""
    call(ctx, lambda c: c.revoke_token(token_id))
    console.print(f"revoked token {token_id}")
