"""Server logging: no secret in any line, and pitstop's own lines printed like uvicorn's.

Browsers cannot set headers on a WebSocket, so the stream also takes ``?token=``; uvicorn
logs each WebSocket handshake (``"WebSocket /v1/stream?token=..." [accepted]``, or 401 for
a rejected guess) and, when enabled, each request's full path in its access log. The filter
rewrites such values before any handler writes them.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"
# A query parameter that carries a token (token=, access_token=, ...), up to the next
# separator; and a pitstop token (pst_ + URL-safe base64) wherever else it appears.
_QUERY = re.compile(r"([?&;][\w.-]*token=)[^&;#\s\"']*", re.IGNORECASE)
_SECRET = re.compile(r"\bpst_[A-Za-z0-9_-]+")
_UVICORN = ("uvicorn.error", "uvicorn.access")


def redact(text: str) -> str:
    """``text`` with every token query value and pitstop token replaced."""
    if "token=" not in text.lower() and "pst_" not in text:  # the usual case: no regex
        return text
    return _SECRET.sub("pst_" + REDACTED, _QUERY.sub(r"\1" + REDACTED, text))


class RedactSecrets(logging.Filter):
    """Redacts secrets in a record's message, arguments and traceback, keeping the
    arguments' shape (uvicorn's access formatter unpacks them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        if record.exc_info and not record.exc_text:  # formatters reuse exc_text
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class QuietDenials(logging.Filter):
    """Drops the ERROR uvicorn's WebSocket protocol (``websockets-sansio``, its default) logs
    after every handshake refused with an HTTP answer — the stream refuses a bad token or
    ``?after=`` with its problem+json — as if the app had sent nothing: that path never marks
    its handshake complete. The refusal's own line (``"WebSocket /v1/stream" 401``) stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "ASGI callable returned without completing handshake."


def _redact_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return redact(arg)
    if arg is None or isinstance(arg, int | float):
        return arg
    text = str(arg)  # an exception or URL object whose text may hold a secret
    cleaned = redact(text)
    return arg if cleaned == text else cleaned


def guard_uvicorn_loggers() -> None:
    """Redact on uvicorn's own loggers, whoever configured their handlers (``pitstop serve``,
    or ``uvicorn``/gunicorn running :func:`pitstop.app.create_app`)."""
    for name in _UVICORN:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, QuietDenials) for f in error_log.filters):
        error_log.addFilter(QuietDenials())


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging config with the filter on every handler, and pitstop's loggers
    printed through uvicorn's default handler at ``level`` (PITSTOP_LOG_LEVEL)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact_secrets": {"()": RedactSecrets}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact_secrets"]
    config["loggers"]["pitstop"] = {"handlers": ["default"], "level": level.upper(),
                                    "propagate": False}
    return config
