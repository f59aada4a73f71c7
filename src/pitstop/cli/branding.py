"""``pitstop branding show|set|logo set|logo remove`` and ``pitstop service-groups list|set``:
what the public page shows (admin), as the console's Branding page does."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from pitstop.cli.common import Json, call, console, fail, print_done, print_items, print_json

app = typer.Typer(help="The public page's title, accent colour, about text and logo.",
                  no_args_is_help=True)
logo_app = typer.Typer(help="The public page's logo.", no_args_is_help=True)
groups_app = typer.Typer(help="The groups the public page shows services in.",
                         no_args_is_help=True)
app.add_typer(logo_app, name="logo")
FIELDS = ("title", "accent", "about")


def _branding_text(data: dict[str, Any]) -> str:
    own = set(data["overridden"])
    lines = [f"{f:<7}{data[f] or '-'}{'' if f in own else '  (default)'}" for f in FIELDS]
    lines.append(f"logo   {data['logo_url'] or 'none'}")
    return "\n".join(lines)


@app.command("show")
def show(ctx: typer.Context, json_: Json = False) -> None:
    """The page's branding, and which fields are the environment's defaults."""
    print_done(call(ctx, lambda c: c.get_branding()), json_, _branding_text)


@app.command("set")
def set_(
    ctx: typer.Context,
    title: Annotated[str | None, typer.Option(help="1-80 characters")] = None,
    accent: Annotated[str | None, typer.Option(help="a CSS hex colour: #rgb or #rrggbb")
                      ] = None,
    about: Annotated[str | None, typer.Option(help="plain text, up to 1000 characters")
                     ] = None,
    reset: Annotated[list[str] | None, typer.Option(
        help="title, accent or about: back to its default (PITSTOP_PAGE_*); repeatable")
    ] = None,
    json_: Json = False,
) -> None:
    """Change what the page shows; fields not given stay as they are (admin)."""
    changes: dict[str, str | None] = {k: v for k, v in
                                      (("title", title), ("accent", accent), ("about", about))
                                      if v is not None}
    for field in reset or ():
        if field not in FIELDS:
            fail(f"--reset {field}: use title, accent or about")
        changes[field] = None
    if not changes:
        fail("nothing to change: give --title, --accent, --about or --reset FIELD")
    print_done(call(ctx, lambda c: c.update_branding(**changes)), json_, _branding_text)


@logo_app.command("set")
def logo_set(
    ctx: typer.Context,
    image: Annotated[Path, typer.Argument(help="a PNG, JPEG or WebP file, at most 256 KiB",
                                          exists=True, dir_okay=False)],
    json_: Json = False,
) -> None:
    """Upload the page's logo (admin)."""
    data = image.read_bytes()
    print_done(call(ctx, lambda c: c.set_logo(data)), json_,
               lambda b: f"logo uploaded: {b['logo_url']}")


@logo_app.command("remove")
def logo_remove(ctx: typer.Context, json_: Json = False) -> None:
    """Remove the page's logo (admin)."""
    print_done(call(ctx, lambda c: c.remove_logo()), json_, lambda _: "logo removed")


@groups_app.command("list")
def groups_list(ctx: typer.Context, json_: Json = False) -> None:
    """The groups in page order, with their services."""
    print_items(call(ctx, lambda c: c.list_service_groups()), json_,
                ("position", "name", "services"),
                lambda g: (str(g["position"]), g["name"], ",".join(g["services"]) or "-"))


def _group(text: str) -> dict[str, Any]:
    name, sep, services = text.partition("=")
    if not sep or not name.strip():
        fail(f"--group {text!r}: use NAME=SERVICE,SERVICE (e.g. Core=api,db)")
    return {"name": name.strip(),
            "services": [s.strip() for s in services.split(",") if s.strip()]}


@groups_app.command("set")
def groups_set(
    ctx: typer.Context,
    group: Annotated[list[str] | None, typer.Option(
        help="NAME=SERVICE,SERVICE; repeatable, in page order (none: no groups)")] = None,
    json_: Json = False,
) -> None:
    """Replace every group (admin); a service in no group is shown ungrouped."""
    groups = [_group(g) for g in group or ()]
    data = call(ctx, lambda c: c.set_service_groups(groups))
    if json_:
        print_json(data)
    else:
        console.print(f"{len(data['items'])} service group(s) saved", highlight=False)
