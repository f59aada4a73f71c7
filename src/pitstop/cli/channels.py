"""``pitstop channels``, ``pitstop subscriptions`` and ``pitstop deliveries``: where
notifications go, which ones each channel gets, and how their delivery went (admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from pitstop.cli.common import Json, call, console, print_items, print_json, when

channels_app = typer.Typer(help="Notification channels: webhooks and apprise URLs.",
                           no_args_is_help=True)
subscriptions_app = typer.Typer(help="Which notifications a channel gets.",
                                no_args_is_help=True)
deliveries_app = typer.Typer(help="Notifications sent or being sent, with their attempts.",
                             no_args_is_help=True)


@channels_app.command("list")
def channels_list(ctx: typer.Context, json_: Json = False) -> None:
    """Every operators' channel (its URL with its secrets masked)."""
    print_items(call(ctx, lambda c: c.list_channels()), json_,
                ("id", "name", "kind", "url", "signed", "created"),
                lambda ch: (ch["id"], ch["name"], ch["kind"], ch["url"],
                            "yes" if ch["has_secret"] else "-", when(ch["created_at"])))


@channels_app.command("create")
def channels_create(
    ctx: typer.Context, name: str,
    kind: Annotated[str, typer.Argument(help="webhook or apprise")],
    url: Annotated[str, typer.Argument(help="https://… for a webhook; an apprise URL "
                                            "(slack://, discord://, mailto://, …)")],
    secret: Annotated[str | None, typer.Option(
        help="webhook: the HMAC-SHA256 signing key (16+ characters)")] = None,
    timeout: Annotated[float | None, typer.Option(help="seconds one attempt may take "
                                                       "[default: 10]")] = None,
    json_: Json = False,
) -> None:
    """Add a channel; subscribe it to notifications with `pitstop subscriptions create`."""
    data = call(ctx, lambda c: c.create_channel(name, kind, url, secret=secret,
                                                timeout_s=timeout))
    if json_:
        print_json(data)
    else:
        console.print(f"channel {data['id']} ({data['name']}, {data['kind']}) created; "
                      f"subscribe it: pitstop subscriptions create {data['id']}",
                      highlight=False)


@channels_app.command("test")
def channels_test(ctx: typer.Context, channel_id: str, json_: Json = False) -> None:
    """Send a test notification now and say what the receiver answered."""
    data = call(ctx, lambda c: c.test_channel(channel_id))
    if json_:
        print_json(data)
    else:
        answered = f"HTTP {data['status_code']}" if data.get("status_code") else "accepted"
        console.print(f"{channel_id}: test delivered ({answered}, {data['duration_ms']} ms)",
                      highlight=False)


@channels_app.command("delete")
def channels_delete(ctx: typer.Context, channel_id: str) -> None:
    """Remove a channel, its subscriptions and what it still had to send."""
    call(ctx, lambda c: c.delete_channel(channel_id))
    console.print(f"channel {channel_id} deleted", highlight=False)


@subscriptions_app.command("list")
def subscriptions_list(
    ctx: typer.Context,
    channel: Annotated[str | None, typer.Option(help="only this channel's")] = None,
    json_: Json = False,
) -> None:
    """Every subscription: which kinds of notification go to which channel."""
    print_items(call(ctx, lambda c: c.list_subscriptions(channel)), json_,
                ("id", "channel", "events", "target", "window"),
                lambda sub: (sub["id"], sub["channel"], ",".join(sub["events"]),
                             sub["target"] or "-", str(sub["window"] or "-")))


@subscriptions_app.command("create")
def subscriptions_create(
    ctx: typer.Context, channel: Annotated[str, typer.Argument(help="the channel's id")],
    event: Annotated[list[str] | None, typer.Option(
        help="a notification kind; repeatable [default: all but scheduled]")] = None,
    target: Annotated[str | None, typer.Option(help="only about this target")] = None,
    window: Annotated[int | None, typer.Option(help="only about this window")] = None,
    json_: Json = False,
) -> None:
    """Send a channel the notifications of these kinds (about a target or window)."""
    data = call(ctx, lambda c: c.create_subscription(channel, events=event, target=target,
                                                     window=window))
    if json_:
        print_json(data)
    else:
        console.print(f"subscription {data['id']}: {channel} gets "
                      f"{', '.join(data['events'])}", highlight=False)


@subscriptions_app.command("delete")
def subscriptions_delete(ctx: typer.Context, subscription_id: str) -> None:
    """Stop a channel getting those notifications."""
    call(ctx, lambda c: c.delete_subscription(subscription_id))
    console.print(f"subscription {subscription_id} deleted", highlight=False)


@deliveries_app.command("list")
def deliveries_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="pending, delivered or dead")] = None,
    channel: Annotated[str | None, typer.Option(help="only this channel's")] = None,
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 50,
    json_: Json = False,
) -> None:
    """Notifications, newest first, with their status and last error."""
    data = call(ctx, lambda c: c.list_deliveries(status=status, channel=channel,
                                                 limit=limit))
    print_items(data, json_, ("id", "channel", "kind", "status", "attempts", "created",
                              "title", "last error"),
                lambda d: (str(d["id"]), d["channel"], d["kind"], d["status"],
                           str(d["attempts"]), when(d["created_at"]), d["title"] or "-",
                           d["last_error"] or "-"))


@deliveries_app.command("retry")
def deliveries_retry(ctx: typer.Context, delivery_id: int, json_: Json = False) -> None:
    """Send a dead notification again (from its first attempt)."""
    data = call(ctx, lambda c: c.retry_delivery(delivery_id))
    if json_:
        print_json(data)
    else:
        console.print(f"delivery {delivery_id} is {data['status']} again", highlight=False)
