"""Submit one message over SMTP (smtplib), telling apart what may be retried from what not.

The only place Parley speaks SMTP for mailboxes. ``send_raw`` connects (implicit TLS,
STARTTLS or plain on loopback), logs in with a password or an XOAUTH2 token, and submits the
bytes exactly as given. Its outcome is one of:

- ``SmtpResult``: the server accepted the message (some recipients may have been refused);
- ``SmtpTemporaryError``: nothing was accepted and trying later may work (4xx, a refused or
  broken connection before the end of the data, a timeout before the end of the data);
- ``SmtpPermanentError``: the server refused the message for good (5xx) — its text is kept;
- ``SmtpAmbiguousError``: the connection broke after the whole message was transmitted and
  before the server answered, so it may have been accepted. The outbox never retries these
  on its own (a human checks), because retrying could deliver the message twice.

A ``hook(step)`` is called at each step ("connected", "before_data", "after_data") so tests
can inject a crash at a precise point of the exchange.
"""

from __future__ import annotations

import base64
import re
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from parley.mail.exceptions import MailError

_LEADING_DOT_RE = re.compile(rb"(?m)^\.")
_EOL_RE = re.compile(rb"\r\n|\r|\n")


class SmtpError(MailError):
    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class SmtpTemporaryError(SmtpError):
    """Not accepted; may succeed later."""


class SmtpPermanentError(SmtpError):
    """Refused for good (5xx); the text is the server's."""


class SmtpAmbiguousError(SmtpError):
    """The data was transmitted but no answer came: it may or may not have been accepted."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # "ssl" | "starttls" | "none"
    username: str
    password: str = field(default="", repr=False)
    xoauth2_token: str = field(default="", repr=False)
    timeout: float = 60.0
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True, slots=True)
class SmtpResult:
    response: str  # the server's answer to the end of data, e.g. "250 2.0.0 Ok: queued"
    refused: dict[str, str]  # recipient → reason, for recipients the server refused


def _no_hook(step: str) -> None:
    return None


def _text(resp: bytes | str) -> str:
    return resp.decode(errors="replace") if isinstance(resp, bytes) else str(resp)


def _error(code: int, resp: bytes | str, what: str) -> SmtpError:
    message = f"{what}: {code} {_text(resp)}"
    if 400 <= code < 500:
        return SmtpTemporaryError(message, code=code)
    return SmtpPermanentError(message, code=code)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = settings.ssl_context or ssl.create_default_context()
    if settings.security == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        conn = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    conn.ehlo()
    if settings.security == "starttls":
        conn.starttls(context=context)
        conn.ehlo()
    return conn


def _login(conn: smtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.xoauth2_token:
        payload = f"user={settings.username}\x01auth=Bearer {settings.xoauth2_token}\x01\x01"
        code, resp = conn.docmd("AUTH", "XOAUTH2 " + base64.b64encode(payload.encode()).decode())
        if code != 235:
            raise _error(code, resp, "The server rejected the OAuth2 login")
    elif settings.password and conn.has_extn("auth"):
        conn.login(settings.username, settings.password)


def _prepare(raw: bytes) -> bytes:
    data = _EOL_RE.sub(b"\r\n", raw)
    data = _LEADING_DOT_RE.sub(b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _envelope(conn: smtplib.SMTP, mail_from: str, recipients: Sequence[str]) -> dict[str, str]:
    code, resp = conn.mail(mail_from)
    if code != 250:
        raise _error(code, resp, "The server refused the sender")
    refused: dict[str, tuple[int, str]] = {}
    for rcpt in recipients:
        code, resp = conn.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = (code, _text(resp))
    if len(refused) == len(recipients):
        # Temporary when any refusal was temporary: trying later may get it through.
        code = min(code for code, _reason in refused.values())
        details = "; ".join(f"{r}: {c} {t}" for r, (c, t) in refused.items())
        raise _error(code, details, "The server refused every recipient")
    return {rcpt: f"{code} {text}" for rcpt, (code, text) in refused.items()}


def send_raw(
    settings: SmtpSettings,
    *,
    mail_from: str,
    recipients: Sequence[str],
    raw: bytes,
    hook: Callable[[str], None] = _no_hook,
) -> SmtpResult:
    """Submit `raw` to `recipients`; see the module docstring for the outcomes."""
    try:
        conn = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        raise SmtpTemporaryError(
            f"Cannot connect to {settings.host}:{settings.port}: {exc}"
        ) from exc
    transmitted = False
    try:
        hook("connected")
        _login(conn, settings)
        refused = _envelope(conn, mail_from, recipients)
        hook("before_data")
        code, resp = conn.docmd("DATA")
        if code != 354:
            raise _error(code, resp, "The server refused the data")
        conn.send(_prepare(raw))
        transmitted = True
        hook("after_data")
        code, resp = conn.getreply()
        if code != 250:
            raise _error(code, resp, "The server refused the message")
        return SmtpResult(response=f"{code} {_text(resp)}", refused=refused)
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpPermanentError(
            f"The server rejected the login for {settings.username!r}: "
            f"{exc.smtp_code} {_text(exc.smtp_error)}",
            code=exc.smtp_code,
        ) from exc
    except (TimeoutError, OSError, smtplib.SMTPServerDisconnected) as exc:
        if transmitted:
            raise SmtpAmbiguousError(
                f"The connection broke after the message was transmitted: {exc}"
            ) from exc
        raise SmtpTemporaryError(f"The connection broke: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _error(exc.smtp_code, exc.smtp_error, "The server refused") from exc
    except smtplib.SMTPException as exc:
        if transmitted:
            raise SmtpAmbiguousError(f"The exchange failed after the data: {exc}") from exc
        raise SmtpTemporaryError(f"The exchange failed: {exc}") from exc
    finally:
        _quit(conn)


def _quit(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()
