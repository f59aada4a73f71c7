"""What every command shares: the client, output (human or --json), errors, durations."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from pitstop.sdk import Client, PitstopError

PIPED_WIDTH = 100_000  # piped output: a row is never cut or wrapped, however long


def _console(*, stderr: bool = False) -> Console:
    """Rich output fitted to a terminal; into a pipe or a file, whole lines (a table's rows
    at their natural width), so grep, cut and scripts see every row as one line."""
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(stderr=stderr, width=None if tty else PIPED_WIDTH, soft_wrap=not tty)


console = _console()
err_console = _console(stderr=True)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]
Labels = Annotated[list[str] | None, typer.Option(
    "--label", "-l", help="key=value; repeatable")]


def labels_of(values: list[str] | None) -> dict[str, str]:
    """``--label key=value`` options as a dict; a malformed one is a usage error."""
    out = {}
    for value in values or ():
        key, sep, val = value.partition("=")
        if not sep or not key or not val:
            raise typer.BadParameter(f"{value!r}: labels are key=value", param_hint="--label")
        out[key] = val
    return out


EXIT_ERROR = 1
EXIT_TIMEOUT = 3
EXIT_UNHEALTHY = 4
EXIT_REFUSED = 75  # EX_TEMPFAIL: try again later

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


@dataclass
class Context:
    url: str | None
    token: str | None

    def client(self, timeout: float = 30.0) -> Client:
        return Client(self.url, self.token, timeout=timeout)


def ctx_of(ctx: typer.Context) -> Context:
    return ctx.obj  # type: ignore[no-any-return]


def parse_duration(text: str) -> float:
    """Seconds from '90', '90s', '250ms', '5m', '1h30m' or ISO 8601 'PT5M'."""
    raw = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return float(raw)
    if raw.startswith("p"):
        match = _ISO.match(raw.upper())
        if match and any(match.groups()):
            d, h, m, s = (float(g) if g else 0.0 for g in match.groups())
            return d * 86400 + h * 3600 + m * 60 + s
    elif _PART.sub("", raw) == "" and raw:
        return sum(float(n) * _UNITS[u] for n, u in _PART.findall(raw))
    raise typer.BadParameter(f"{text!r} is not a duration: use e.g. 90s, 5m, 1h30m or PT5M")


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def api_error(exc: PitstopError) -> NoReturn:
    """The server's one-line detail, with what to run said as a command of this CLI where
    the problem names it (a 404 names the missing target or service in its fields)."""
    fail(cli_hint(exc) or exc.detail)


# The list call a server detail points to ("see GET /v1/rolls", "GET /v1/windows lists
# them"), and the CLI command that lists the same.
_LISTS = {"rolls": "roll list", "disruption-budgets": "budgets list",
          "channels": "channels list", "windows": "windows list", "targets": "targets list",
          "subscriptions": "subscriptions list", "subscribers": "subscribers list",
          "silence-rules": "silences rules list", "deliveries": "deliveries list"}
_LIST_CALL = re.compile(r"see GET /v1/([a-z-]+)(?=$|[;,.)])|GET /v1/([a-z-]+) lists them")


def _cli_lists(detail: str) -> str | None:
    """The detail with each list call it names replaced by the CLI's; None if it has none."""
    def command(match: re.Match[str]) -> str:
        found = _LISTS.get(match.group(1) or match.group(2))
        return f"see pitstop {found}" if found else match.group(0)
    out = _LIST_CALL.sub(command, detail)
    return out if out != detail else None


def cli_hint(exc: PitstopError) -> str | None:
    """The CLI command that fixes an error, where the server's detail names an HTTP call."""
    body, detail = exc.body, exc.detail or ""
    target, service, node = body.get("target"), body.get("service"), body.get("node")
    name = node.split(":", 1)[-1] if isinstance(node, str) else None
    if exc.status == 404 and name and "not registered" in detail:
        return f"node {name!r} is not registered; register it with: pitstop nodes create {name}"
    if exc.status == 409 and name and "registered already" in detail:
        return (f"node {name!r} is registered already; a new agent token: "
                f"pitstop nodes rotate-token {name}")
    if str(body.get("type", "")).endswith("/disruption-budget") and name:
        return detail.replace("force it with force: true",
                              f"force it with: pitstop nodes enter {name} --force")
    if detail.startswith("no channel"):
        return (f"{detail.split(';')[0]}; see them with pitstop channels list, or add one with "
                "pitstop channels create")
    if exc.status != 404 or not str(body.get("type", "")).endswith("/not-found"):
        return _cli_lists(detail)
    if isinstance(target, str) and target.startswith(("node:", "service:")):
        return f"target {target!r} does not exist; create it with: pitstop targets create " \
               f"{target}"
    if isinstance(service, str):
        return (f"service {service!r} does not exist; a monitor's first report creates it: "
                f"pitstop services status {service} UP")
    return _cli_lists(detail)


def call(ctx: typer.Context, request: Callable[[Client], Any]) -> Any:
    """Run one SDK call; an API error ends the command with its one-line detail."""
    try:
        with ctx_of(ctx).client() as client:
            return request(client)
    except PitstopError as exc:
        api_error(exc)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def table(*columns: str) -> Table:
    """The CLI's one table style: no box, no padding at the edges (piped: see _console)."""
    out = Table(box=None, pad_edge=False)
    for column in columns:
        out.add_column(column)
    return out


def print_items(data: Any, json_: bool, columns: Sequence[str],
                row: Callable[[dict[str, Any]], Sequence[str]]) -> None:
    """A list answer (``{"items": [...]}``): as JSON with --json, else one row per item."""
    if json_:
        print_json(data)
        return
    out = table(*columns)
    for item in data["items"]:
        out.add_row(*row(item))
    console.print(out)


def print_done(data: Any, json_: bool, message: Callable[[Any], str]) -> None:
    """What a change answered: as JSON with --json, else one line for people."""
    if json_:
        print_json(data)
    else:
        console.print(message(data), highlight=False)


def when(value: str | None) -> str:
    """A stored UTC timestamp as local time, for people."""
    if not value:
        return "-"
    at = datetime.fromisoformat(value).astimezone()
    return at.strftime("%Y-%m-%d %H:%M:%S %Z")
