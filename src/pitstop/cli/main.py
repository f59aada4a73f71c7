"""The ``pitstop`` command: root options and command groups."""

from __future__ import annotations

from typing import Annotated

import typer

from pitstop import __version__
from pitstop.cli import (
    admin,
    branding,
    budgets,
    channels,
    deploy,
    leases,
    maintenance,
    nodes,
    occurrences,
    roll,
    server,
    silences,
    subscribers,
    targets,
    tokens,
    updates,
    windows,
    work,
)
from pitstop.cli.common import Context

app = typer.Typer(
    name="pitstop",
    help="Maintenance-mode control plane: switches, leases that gate and drain work, audit.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"pitstop {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option(envvar="PITSTOP_URL",
                                            help="server URL [default: http://127.0.0.1:8080]")
                   ] = None,
    token: Annotated[str | None, typer.Option(envvar="PITSTOP_TOKEN", show_default=False,
                                              help="API token")] = None,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version,
                                          help="print the version and exit")] = False,
) -> None:
    ctx.obj = Context(url=url, token=token)


server.register(app)
maintenance.register(app)
deploy.register(app)
roll.register(app)
app.add_typer(tokens.app, name="token")
app.add_typer(admin.app, name="admin")
app.add_typer(work.app, name="work")
app.add_typer(leases.app, name="leases")
app.add_typer(windows.app, name="windows")
app.add_typer(occurrences.app, name="occurrences")
app.add_typer(nodes.app, name="nodes")
app.add_typer(budgets.app, name="budgets")
app.add_typer(targets.app, name="targets")
app.add_typer(targets.services_app, name="services")
app.add_typer(updates.app, name="update")
app.add_typer(subscribers.app, name="subscribers")
app.add_typer(branding.app, name="branding")
app.add_typer(branding.groups_app, name="service-groups")
app.add_typer(channels.channels_app, name="channels")
app.add_typer(channels.subscriptions_app, name="subscriptions")
app.add_typer(channels.deliveries_app, name="deliveries")
app.add_typer(silences.app, name="silences")
app.command()(windows.preview)


def main() -> None:
    app()
