"""Channel kinds by name."""

from __future__ import annotations

from pitstop.notify.apprise_channel import AppriseNotifier
from pitstop.notify.base import Notifier
from pitstop.notify.email import EmailNotifier
from pitstop.notify.webhook import WebhookNotifier
from pitstop.settings import Settings


def default_notifiers(settings: Settings) -> dict[str, Notifier]:
    return {"webhook": WebhookNotifier(), "apprise": AppriseNotifier(),
            "email": EmailNotifier(settings)}
