"""``pitstop serve`` and ``pitstop db upgrade``: the server side, without the SDK."""

from __future__ import annotations

import asyncio
import errno
import socket
import sqlite3
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from pitstop.cli.common import console, fail
from pitstop.errors import DatabaseUnavailable
from pitstop.settings import Settings, SettingsError, load_settings
from pitstop.storage.outage import setup_problem

T = TypeVar("T")

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def load_cli_settings(**overrides: object) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        fail(str(exc))


def run_on_database(settings: Settings, work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` against the database; one line, not a traceback, when it cannot be
    opened (unreachable, missing, wrong credentials)."""
    try:
        return asyncio.run(work)
    except (OSError, DatabaseUnavailable) as exc:
        fail(f"cannot open the database ({settings.database_url}): {exc}")
    except Exception as exc:
        problem = setup_problem(exc, settings.database_url)
        if problem is None:
            raise
        fail(problem)


async def _prepare(settings: Settings) -> tuple[tuple[str | None, str | None], str | None]:
    """Apply pending migrations; create the first admin token when none exists. No
    snapshot is loaded here (ensure_admin reads the database; the app loads its own at
    start): at a hundred thousand nodes, a second load was 40% of the start."""
    from pitstop.services.tokens import ensure_admin
    from pitstop.services.wiring import wire
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import upgrade

    db = Database(settings.database_url)
    try:
        revisions = await upgrade(db)
        rt = wire(settings, db)
        secret = await ensure_admin(rt=rt, secret=settings.admin_token)
    finally:
        await db.dispose()
    return revisions, secret


def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on [default: 127.0.0.1]")
                    ] = None,
    port: Annotated[int | None, typer.Option(help="port [default: 8080]")] = None,
) -> None:
    """Apply migrations, then serve the API (SQLite by default; PITSTOP_DATABASE_URL)."""
    import uvicorn

    from pitstop.api.wire import protocols
    from pitstop.app import create_app
    from pitstop.logs import log_config

    settings = load_cli_settings(host=host, port=port)
    _check_port(settings)  # before any migration: a server that cannot listen changes nothing
    (before, after), secret = run_on_database(settings, _prepare(settings))
    if before != after:
        console.print(f"database migrated: {before or 'empty'} -> {after}")
    if secret:
        console.print("[bold]Created an admin token. It is shown only this once:[/]")
        console.print(f"  {secret}", highlight=False)
        console.print("  export PITSTOP_TOKEN=<token> to use the CLI", highlight=False)
    console.print(f"pitstop serving on [bold]{settings.serve_url}[/]", highlight=False)
    # Stream clients hold their connections open for good: give them a moment on shutdown
    # (they resume by id from another replica or after the restart), not forever.
    # No secret in any log line (a stream's ?token=), and pitstop's own lines (leadership,
    # failures) printed at PITSTOP_LOG_LEVEL in uvicorn's format: see pitstop.logs.
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_config=log_config(settings.log_level),
                log_level=settings.log_level, access_log=False, lifespan="on",
                timeout_graceful_shutdown=2,
                # Events are a few hundred bytes: compressing each for each client costs
                # more fan-out time than it saves on the wire.
                ws_per_message_deflate=False,
                # The stream's shared frames are written straight to each socket: api/wire.
                **protocols())


def _check_port(settings: Settings) -> None:
    """One line naming the address when it is taken, instead of uvicorn's error after the
    start-up (it would also have applied the migrations first)."""
    with socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((settings.host, settings.port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"{settings.host}:{settings.port} is already in use (another pitstop?):"
                     " serve on another port with --port or PITSTOP_PORT")
            fail(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations and exit."""
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import upgrade

    settings = load_cli_settings()

    async def run() -> tuple[str | None, str | None]:
        db = Database(settings.database_url)
        try:
            return await upgrade(db)
        finally:
            await db.dispose()

    before, after = run_on_database(settings, run())
    if before == after:
        console.print(f"database already at {after}")
    else:
        console.print(f"database migrated: {before or 'empty'} -> {after}")


@db_app.command("current")
def db_current() -> None:
    """The database's schema revision, and whether migrations are pending."""
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import current_revision, head_revision

    settings = load_cli_settings()

    async def run() -> str | None:
        db = Database(settings.database_url)
        try:
            return await current_revision(db)
        finally:
            await db.dispose()

    current = run_on_database(settings, run())
    head = head_revision()
    if current == head:
        console.print(f"database at {current} (up to date)")
    else:
        console.print(f"database at {current or 'empty'}; {head} is available: run "
                      "pitstop db upgrade (pitstop serve applies it too)")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="where to write the copy", dir_okay=False)],
    force: Annotated[bool, typer.Option("--force", help="replace FILE if it exists")] = False,
) -> None:
    """An online copy of the SQLite database, safe while the server runs (PostgreSQL: use
    pg_dump)."""
    from pitstop.storage.backup import backup_sqlite, sqlite_path

    settings = load_cli_settings()
    source = sqlite_path(settings.database_url)
    if source is None:
        fail("the database is PostgreSQL: back it up with pg_dump (pg_dump -Fc -f FILE "
             "DBNAME), which copies it consistently while pitstop runs")
    if file.exists() and not force:
        fail(f"{file} exists: choose another file, or --force to replace it")
    if file.resolve() == source.resolve():
        fail(f"{file} is the database itself: choose another file")
    try:
        size = backup_sqlite(source, file)
    except (OSError, sqlite3.Error) as exc:
        fail(f"cannot back up {source} to {file}: {exc}")
    console.print(f"backed up {source} to {file} ({size} bytes)", highlight=False)


def settings_reference() -> None:
    """Every PITSTOP_* setting with its default and what it does (Markdown)."""
    from pitstop.settings import reference

    typer.echo(reference(), nl=False)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command("settings")(settings_reference)
    app.add_typer(db_app, name="db")
