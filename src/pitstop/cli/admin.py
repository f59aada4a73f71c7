"""``pitstop admin recover``: run on the server's host, against its database, when the
last admin token is lost (the API cannot help: it needs an admin token to make one)."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Annotated

import typer

from pitstop.cli.common import console, fail, print_json
from pitstop.cli.server import load_cli_settings, run_on_database
from pitstop.errors import Conflict, PitstopError
from pitstop.settings import Settings

if TYPE_CHECKING:  # the server's modules load only when the command runs
    from pitstop.services.tokens import CreatedToken

app = typer.Typer(help="Server-side administration: run on the server's host, against its "
                  "database (PITSTOP_DATABASE_URL).", no_args_is_help=True)


async def _recover(settings: Settings, actor: str, reason: str) -> CreatedToken:
    from pitstop.services.tokens import recover_admin
    from pitstop.services.wiring import wire
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import current_revision, head_revision

    db = Database(settings.database_url)
    try:
        current = await current_revision(db)
        if current != head_revision():
            raise Conflict(f"the database is at {current or 'no revision (empty)'}, not the "
                           "current schema: run pitstop db upgrade (or start the server) "
                           "first")
        return await recover_admin(rt=wire(settings, db), actor=actor, reason=reason)
    finally:
        await db.dispose()


@app.command("recover")
def recover(
    reason: Annotated[str, typer.Option(help="why a new admin token is needed (audited)")],
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Issue a new admin token when every admin secret is lost; its secret is printed once.
    Audited as recover@HOST. A running server accepts it at once (no restart)."""
    settings = load_cli_settings()
    actor = f"recover@{socket.gethostname()}"
    try:
        created = run_on_database(settings, _recover(settings, actor, reason))
    except PitstopError as exc:  # a reason out of bounds, a schema not yet upgraded
        fail(exc.detail)
    if json_:
        print_json({"id": created.id, "name": created.name, "role": created.role,
                    "token": created.secret, "created_by": actor})
        return
    console.print(f"created admin token {created.name!r} (id {created.id}), audited as "
                  f"{actor}. It is shown only this once:", highlight=False)
    console.print(f"  {created.secret}", highlight=False)
    console.print("  export PITSTOP_TOKEN=<token>; then revoke the lost one: pitstop token "
                  "list, pitstop token revoke ID", highlight=False)
