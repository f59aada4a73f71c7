"""Mail to public subscribers over SMTP (aiosmtplib): a text and an HTML part, a one-click
unsubscribe link, and the ``List-Unsubscribe`` / ``List-Unsubscribe-Post`` headers of RFC
8058 (apprise cannot set per-message headers, hence this sender).

The channel's ``name`` is its subscriber's id and its ``secret`` signs the subscriber's
links; a message may carry ``link`` (the confirmation link, in the confirmation mail) and
``language`` (the subscriber's: the mail's own words, such as its unsubscribe line, follow
it; ``services.public_messages`` wrote the rest in it).
"""

from __future__ import annotations

import html
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import aiosmtplib

from pitstop.domain.subscribers import check_email, unsubscribe_url
from pitstop.i18n import negotiate, translations
from pitstop.notify.base import ChannelView, DeliveryError
from pitstop.settings import Settings


def build_mail(settings: Settings, channel: ChannelView, message: dict[str, Any],
               delivery_key: str) -> EmailMessage:
    if not settings.public_url or not channel.secret:
        raise DeliveryError("PITSTOP_PUBLIC_URL is not set: mails need it for their links",
                            permanent=True)
    leave = unsubscribe_url(settings.public_url, channel.name, channel.secret)
    # Headers are not folded below 998 characters: a long List-Unsubscribe url folded into
    # encoded words is unreadable to mail clients.
    mail = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    mail["From"] = settings.smtp_from
    mail["To"] = channel.url
    mail["Subject"] = message["title"]
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=delivery_key)
    mail["X-Pitstop-Delivery"] = delivery_key
    mail["List-Unsubscribe"] = f"<{leave}>"
    mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    lang = negotiate(message.get("language"))
    _ = translations(lang).gettext
    link = message.get("link")
    text = message["text"] + (f"\n\n{link}" if link else "")
    mail.set_content(f"{text}\n\n--\n" + _("Unsubscribe: %(link)s") % {"link": leave} + "\n")
    body = html.escape(message["text"]).replace("\n", "<br>\n")
    if link:
        body += f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>'
    mail.add_alternative(
        f'<!doctype html><html lang="{lang}"><body><p>{body}</p><hr>'
        f'<p style="font-size:small"><a href="{html.escape(leave)}">'
        f"{html.escape(_('Unsubscribe'))}</a></p></body></html>", subtype="html")
    mail["Content-Language"] = lang  # after the parts: setting content clears Content-*
    return mail


class EmailNotifier:
    kind = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check_url(self, url: str) -> str:
        address = check_email(url)
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"

    async def send(self, channel: ChannelView, message: dict[str, Any], *, delivery_key: str
                   ) -> int | None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryError("PITSTOP_SMTP_HOST is not set", permanent=True)
        mail = build_mail(s, channel, message, delivery_key)
        try:
            await aiosmtplib.send(
                mail.as_bytes(), sender=s.smtp_from, recipients=[channel.url],
                hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
                password=s.smtp_password, use_tls=s.smtp_tls == "tls",
                start_tls=s.smtp_tls == "starttls",
                timeout=channel.timeout_s)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"the SMTP server refused the address: {exc}",
                                permanent=True) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP {s.smtp_host}:{s.smtp_port}: "
                                f"{type(exc).__name__}: {exc}"[:500]) from None
        return None

    async def close(self) -> None:
        return None
