"""Real mail servers on loopback for tests and benchmarks: Dovecot (IMAP, optional LMTP) and
an aiosmtpd SMTP server recording what it receives.

Nothing here is mocked: tests talk IMAP and SMTP over 127.0.0.1 to the real programs, as
Mailman's test layers do. See /work/shared/recipes/mail-servers.md for the pitfalls this
module avoids (Dovecot refuses to run its login processes as root, the `nobody` user cannot
enter pytest's 0700 temporary folders, SIGKILL leaves the children running...).

Usage::

    with DovecotServer.start() as dovecot:
        dovecot.add_user("alice", "secret")
        dovecot.append("alice", "INBOX", [raw1, raw2])
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

DOVECOT = "/usr/sbin/dovecot"
# Capabilities of a plain IMAP4rev1 server: no IDLE, CONDSTORE/QRESYNC or SPECIAL-USE, so the
# polling fallback and the name-based Sent detection are exercised.
PLAIN_CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE UIDPLUS NAMESPACE"
DEFAULT_PASSWORD = "secret"  # noqa: S105 - test servers only, on loopback


def dovecot_available() -> bool:
    return Path(DOVECOT).exists()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not open port {port} within {timeout} s.")


_CONFIG = """\
instance_name = parley-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = {protocols}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
{capability_line}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
# Any other user name logs in with the default password, so a test can invent users without
# waiting for Dovecot to notice a changed passwd-file.
passdb {{
  driver = static
  args = password={default_password}
}}
userdb {{
  driver = static
  args = home={root}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
    auto = subscribe
  }}
  mailbox Junk {{
    special_use = \\Junk
    auto = subscribe
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
{lmtp_block}
"""

_LMTP_BLOCK = """\
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
}}
"""


@dataclass
class DovecotServer:
    """A private Dovecot instance in a temporary folder, owned by this process."""

    root: Path
    port: int
    lmtp_port: int | None
    process: subprocess.Popen[bytes]
    capabilities: str | None = None
    host: str = "127.0.0.1"
    _users: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, *, capabilities: str | None = None, lmtp: bool = False) -> Self:
        """Start Dovecot on free loopback ports.

        `capabilities` replaces the announced capability list (`imap_capability`), e.g.
        PLAIN_CAPABILITIES to test a server without IDLE and CONDSTORE.
        """
        if not dovecot_available():
            raise RuntimeError(f"{DOVECOT} is not installed (apt-get install dovecot-imapd).")
        run_as_root = os.geteuid() == 0
        user, group = ("nobody", "nogroup") if run_as_root else _current_user_and_group()
        # Not under pytest's tmp_path: its folders are 0700 root, closed to `nobody`.
        root = Path(tempfile.mkdtemp(prefix="parley-dovecot-", dir="/tmp"))
        port = free_port()
        lmtp_port = free_port() if lmtp else None
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        (root / "users").write_text("", encoding="utf-8")
        config = _CONFIG.format(
            root=root,
            port=port,
            user=user,
            group=group,
            protocols="imap lmtp" if lmtp else "imap",
            default_password=DEFAULT_PASSWORD,
            capability_line=f"imap_capability = {capabilities}" if capabilities else "",
            lmtp_block=_LMTP_BLOCK.format(lmtp_port=lmtp_port) if lmtp else "",
        )
        (root / "dovecot.conf").write_text(config, encoding="utf-8")
        if run_as_root:
            _chown_tree(root, user)
        popen_kwargs: dict[str, Any] = (
            {"user": user, "group": group, "extra_groups": []} if run_as_root else {}
        )
        process = subprocess.Popen(  # noqa: S603 - fixed program, arguments we built
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **popen_kwargs,
        )
        server = cls(
            root=root, port=port, lmtp_port=lmtp_port, process=process, capabilities=capabilities
        )
        try:
            _wait_for_port(port)
            if lmtp_port is not None:
                _wait_for_port(lmtp_port)
        except RuntimeError:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def log(self) -> str:
        """Dovecot's log, to read when a test fails."""
        path = self.root / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    # Users and mail.

    def add_user(self, name: str | None = None) -> str:
        """A fresh user (logs in with DEFAULT_PASSWORD; its Maildir is created on first use)."""
        name = name or f"user{secrets.token_hex(4)}"
        self._users[name] = DEFAULT_PASSWORD
        return name

    def password(self, user: str) -> str:
        return self._users[user]

    @contextlib.contextmanager
    def imap(self, user: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in stdlib imaplib connection as `user`."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        try:
            conn.login(user, self._users[user])
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    def append(self, user: str, folder: str, raw_messages: Sequence[bytes]) -> None:
        """APPEND messages to a folder (created if missing), 100 per command when the server
        offers LITERAL+ (RFC 3502 MULTIAPPEND): thousands of messages per second."""
        with self.imap(user) as conn:
            quoted = _quote(folder)
            typ, _ = conn.select(quoted)
            if typ != "OK":
                conn.create(quoted)
                conn.select(quoted)
            literal_plus = "LITERAL+" in conn.capabilities
            for start in range(0, len(raw_messages), 100):
                chunk = raw_messages[start : start + 100]
                if literal_plus:
                    _multiappend(conn, quoted, chunk)
                else:
                    for raw in chunk:
                        conn.append(quoted, "", None, raw)

    def create_folder(self, user: str, folder: str) -> None:
        with self.imap(user) as conn:
            conn.create(_quote(folder))

    def delete_folder(self, user: str, folder: str) -> None:
        """Delete a folder; recreating it gives it a new UIDVALIDITY."""
        with self.imap(user) as conn:
            typ, data = conn.delete(_quote(folder))
            if typ != "OK":
                raise RuntimeError(f"DELETE {folder} failed: {data!r}")

    def reset_uidvalidity(self, user: str, folder: str = "INBOX") -> None:
        """Give a folder a new UIDVALIDITY while keeping its messages, as a server restore
        would: read everything, delete/recreate (or empty INBOX), append back."""
        with self.imap(user) as conn:
            conn.select(_quote(folder))
            typ, data = conn.uid("SEARCH", "ALL")
            uids = data[0].split() if typ == "OK" and data and data[0] else []
            raws: list[bytes] = []
            if uids:
                typ, fetched = conn.uid("FETCH", b",".join(uids).decode(), "(BODY.PEEK[])")
                raws = [item[1] for item in fetched if isinstance(item, tuple)]
            conn.close()
        if folder.upper() == "INBOX":
            # INBOX cannot be deleted; remove its Maildir state so Dovecot starts afresh.
            maildir = self.root / "mail" / user / "Maildir"
            for name in ("cur", "new", "tmp"):
                shutil.rmtree(maildir / name, ignore_errors=True)
            for state_file in maildir.glob("dovecot*"):
                if state_file.is_file():
                    state_file.unlink()
            # Make sure the next UIDVALIDITY (a timestamp) differs from the old one.
            time.sleep(1.1)
        else:
            self.delete_folder(user, folder)
            time.sleep(1.1)
        self.append(user, folder, raws)

    def uidvalidity(self, user: str, folder: str = "INBOX") -> int:
        with self.imap(user) as conn:
            typ, data = conn.status(_quote(folder), "(UIDVALIDITY)")
            match = re.search(rb"UIDVALIDITY (\d+)", data[0] if data and data[0] else b"")
            if typ != "OK" or match is None:
                raise RuntimeError(f"STATUS {folder} failed: {data!r}")
            return int(match.group(1))

    def flags(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """The FETCH FLAGS response of every message, to check that sync changes nothing."""
        with self.imap(user) as conn:
            conn.select(_quote(folder), readonly=True)
            typ, data = conn.fetch("1:*", "(UID FLAGS)")
            return [item for item in data if isinstance(item, bytes)] if typ == "OK" else []


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _multiappend(conn: imaplib.IMAP4, quoted_folder: str, raws: Sequence[bytes]) -> None:
    # imaplib has no MULTIAPPEND; LITERAL+ literals need no continuation round trip.
    tag = f"PA{secrets.token_hex(3)}".encode()
    parts = [tag, b" APPEND ", quoted_folder.encode()]
    for raw in raws:
        parts += [b" {", str(len(raw)).encode(), b"+}\r\n", raw]
    parts.append(b"\r\n")
    conn.send(b"".join(parts))
    while True:
        line = conn.readline()
        if not line:
            raise RuntimeError("Dovecot closed the connection during APPEND.")
        if line.startswith(tag + b" "):
            if not line.startswith(tag + b" OK"):
                raise RuntimeError(f"APPEND failed: {line!r}")
            return


def _current_user_and_group() -> tuple[str, str]:
    import grp

    entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, grp.getgrgid(os.getegid()).gr_name


def _chown_tree(root: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    for path in [root, *root.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid)


# SMTP.


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SmtpServer:
    """An in-process aiosmtpd server on a free loopback port recording every message.

    `reply` is what the server answers to DATA ("250 OK", or "451 …"/"550 …" to test
    failures). When `deliver_to` is a DovecotServer with LMTP, accepted messages are also
    delivered into Dovecot, so mail sent by Parley arrives in a real IMAP mailbox.
    """

    port: int
    messages: list[ReceivedMail]
    controller: Any
    handler: Any
    host: str = "127.0.0.1"

    @classmethod
    def start(cls, *, deliver_to: DovecotServer | None = None) -> Self:
        from aiosmtpd.controller import Controller

        messages: list[ReceivedMail] = []
        handler = _RecordingHandler(messages, deliver_to)
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        return cls(port=port, messages=messages, controller=controller, handler=handler)

    @property
    def reply(self) -> str:
        return str(self.handler.reply)

    @reply.setter
    def reply(self, value: str) -> None:
        self.handler.reply = value

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class _RecordingHandler:
    def __init__(self, messages: list[ReceivedMail], deliver_to: DovecotServer | None) -> None:
        self.messages = messages
        self.deliver_to = deliver_to
        self.reply = "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if not self.reply.startswith("250"):
            return self.reply
        data = bytes(envelope.original_content)
        self.messages.append(
            ReceivedMail(
                mail_from=str(envelope.mail_from), rcpt_tos=list(envelope.rcpt_tos), data=data
            )
        )
        if self.deliver_to is not None and self.deliver_to.lmtp_port is not None:
            import smtplib

            rcpts = [rcpt.split("@")[0] for rcpt in envelope.rcpt_tos]
            with smtplib.LMTP("127.0.0.1", self.deliver_to.lmtp_port) as lmtp:
                lmtp.sendmail(str(envelope.mail_from), rcpts, data)
        return "250 OK"
