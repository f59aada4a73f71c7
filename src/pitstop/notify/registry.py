"""Channel kinds by name."""

from __future__ import annotations

from pitstop.notify.apprise_channel import AppriseNotifier
from pitstop.notify.base import Notifier
from pitstop.notify.webhook import WebhookNotifier


def default_notifiers() -> dict[str, Notifier]:
    return {"webhook": WebhookNotifier(), "apprise": AppriseNotifier()}
