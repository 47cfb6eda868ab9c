"""A small IMAP client for sync, built on the standard library's imaplib.

Why imaplib and not imapclient: see docs/decisions/0002-imap-client.md (FETCH parsing is ~5x
faster, and we need only a handful of commands). This module is the only place that speaks
IMAP; it turns every low-level failure into a domain exception from parley.mail.exceptions
with a message meant for the person who configured the mailbox.

Sync only reads: folders are opened with EXAMINE (read-only) and messages fetched with
BODY.PEEK[], so sync never sets \\Seen, and nothing here deletes, moves or flags anything.
The single write, ``append``, is used by the outbox to file sent mail in the Sent folder.
"""

from __future__ import annotations

import imaplib
import re
import select
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, Self

from imapclient import imap_utf7  # type: ignore[import-untyped]  # imapclient ships no type information

from parley.mail.exceptions import (
    AuthenticationError,
    ConnectionLostError,
    FolderMissingError,
    HostUnreachableError,
    MailboxConnectionError,
    ProtocolError,
    TLSError,
)

DEFAULT_TIMEOUT = 60.0
# Folder names servers without SPECIAL-USE commonly give their Sent folder.
SENT_NAMES = (
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "[Gmail]/Sent Mail",
    "Wysłane",
    "Elementy wysłane",
    "Gesendet",
)

_LIST_RE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>NIL|"(?:[^"\\]|\\.)*") ?(?P<name>.*)$')
_UID_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")
_INTERNALDATE_RE = re.compile(rb'INTERNALDATE "([^"]+)"')
_RFC822_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
_DATE_HEADER_RE = re.compile(rb"^Date:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_EXISTS_RE = re.compile(rb"^\* \d+ (EXISTS|RECENT)")


class Authenticator(Protocol):
    """Logs an open connection in. Pluggable so OAuth2 token refresh can come later."""

    def authenticate(self, conn: imaplib.IMAP4, username: str) -> None: ...


@dataclass(frozen=True, slots=True)
class PasswordAuthenticator:
    password: str = field(repr=False)

    def authenticate(self, conn: imaplib.IMAP4, username: str) -> None:
        conn.login(username, self.password)


@dataclass(frozen=True, slots=True)
class XOAuth2Authenticator:
    access_token: str = field(repr=False)

    def authenticate(self, conn: imaplib.IMAP4, username: str) -> None:
        payload = f"user={username}\x01auth=Bearer {self.access_token}\x01\x01".encode()
        conn.authenticate("XOAUTH2", lambda _challenge: payload)


@dataclass(frozen=True, slots=True)
class ImapSettings:
    host: str
    port: int
    security: str  # "ssl" | "starttls" | "none"
    username: str
    authenticator: Authenticator
    timeout: float = DEFAULT_TIMEOUT
    ssl_context: ssl.SSLContext | None = None


@dataclass(frozen=True, slots=True)
class FolderInfo:
    name: str  # decoded (modified UTF-7 → str)
    flags: frozenset[str]
    delimiter: str | None = None

    @property
    def selectable(self) -> bool:
        return "\\noselect" not in self.flags and "\\nonexistent" not in self.flags


@dataclass(frozen=True, slots=True)
class FolderState:
    """What SELECT/EXAMINE or STATUS says about a folder."""

    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    exists: int | None


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    uid: int
    raw: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    """What sync needs of a message before fetching it: its size and its dates."""

    size: int
    internaldate: datetime | None  # when the server received (or was given) it
    date: datetime | None  # the Date header, when it parses


def encode_folder(name: str) -> str:
    """Quote a folder name for a command, in modified UTF-7."""
    wire = bytes(imap_utf7.encode(name)).decode("ascii")
    return '"' + wire.replace("\\", "\\\\").replace('"', '\\"') + '"'


def uid_set(uids: Iterable[int]) -> str:
    """Compress UIDs to an IMAP sequence set: 1,2,3,7 → "1:3,7"."""
    ordered = sorted(set(uids))
    parts: list[str] = []
    index = 0
    while index < len(ordered):
        start = end = ordered[index]
        while index + 1 < len(ordered) and ordered[index + 1] == end + 1:
            index += 1
            end = ordered[index]
        parts.append(str(start) if start == end else f"{start}:{end}")
        index += 1
    return ",".join(parts)


class ImapClient:
    """One logged-in IMAP connection. Use as a context manager or call logout()."""

    def __init__(self, conn: imaplib.IMAP4, settings: ImapSettings) -> None:
        self._conn = conn
        self.settings = settings
        self.capabilities: frozenset[str] = frozenset()
        self.selected: str | None = None
        self._tag_counter = 0

    # Connecting.

    @classmethod
    def connect(cls, settings: ImapSettings) -> Self:
        conn = _open(settings)
        client = cls(conn, settings)
        try:
            client._login()
            client.capabilities = client._fetch_capabilities()
            if "CONDSTORE" in client.capabilities:
                client._call("ENABLE", lambda: conn.enable("CONDSTORE"))
        except BaseException:
            client.logout()
            raise
        return client

    def _login(self) -> None:
        try:
            self.settings.authenticator.authenticate(self._conn, self.settings.username)
        except imaplib.IMAP4.abort as exc:
            raise ConnectionLostError(
                f"The server closed the connection during login: {exc}"
            ) from exc
        except imaplib.IMAP4.error as exc:
            raise AuthenticationError(
                f"The server rejected the login for {self.settings.username!r}: "
                f"{_text(exc)}. Check the user name and password."
            ) from exc
        except OSError as exc:
            raise ConnectionLostError(f"The connection broke during login: {exc}") from exc

    def _fetch_capabilities(self) -> frozenset[str]:
        _typ, data = self._call("CAPABILITY", self._conn.capability)
        words = b" ".join(item for item in data if isinstance(item, bytes)).decode().upper()
        return frozenset(words.split())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.logout()

    def logout(self) -> None:
        try:
            self._conn.logout()
        except (imaplib.IMAP4.error, OSError, ValueError):
            self.drop()

    def drop(self) -> None:
        """Close the socket without a goodbye (also used by tests to break a connection)."""
        try:
            self._conn.shutdown()
        except (OSError, ValueError, AttributeError):
            return

    @property
    def sock(self) -> socket.socket:
        return self._conn.socket()

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    @property
    def has_condstore(self) -> bool:
        return "CONDSTORE" in self.capabilities

    # Folders.

    def list_folders(self) -> list[FolderInfo]:
        _typ, data = self._call("LIST", lambda: self._conn.list('""', "*"))
        folders = []
        for item in data:
            if item is None:
                continue
            line = item[0] + b" " + _quote_literal(item[1]) if isinstance(item, tuple) else item
            folder = _parse_list_line(line)
            if folder is not None:
                folders.append(folder)
        return folders

    def find_sent(self, folders: Sequence[FolderInfo] | None = None) -> FolderInfo | None:
        """The Sent folder: announced by SPECIAL-USE (\\Sent), else found by a common name."""
        folders = self.list_folders() if folders is None else folders
        for folder in folders:
            if "\\sent" in folder.flags:
                return folder
        by_name = {folder.name.casefold(): folder for folder in folders if folder.selectable}
        for name in SENT_NAMES:
            if name.casefold() in by_name:
                return by_name[name.casefold()]
        return None

    def status(self, folder: str) -> FolderState:
        """STATUS without selecting: enough to tell that nothing changed since last sync."""
        items = "UIDVALIDITY UIDNEXT MESSAGES"
        if self.has_condstore:
            items += " HIGHESTMODSEQ"
        _typ, data = self._call(
            "STATUS", lambda: self._conn.status(encode_folder(folder), f"({items})"), folder
        )
        text = b" ".join(item for item in data if isinstance(item, bytes))
        values = {key: int(val) for key, val in re.findall(rb"([A-Z]+) (\d+)", text)}
        if b"UIDVALIDITY" not in values:
            raise ProtocolError(f"The server gave no UIDVALIDITY for {folder!r}.")
        return FolderState(
            uidvalidity=values[b"UIDVALIDITY"],
            uidnext=values.get(b"UIDNEXT"),
            highestmodseq=values.get(b"HIGHESTMODSEQ"),
            exists=values.get(b"MESSAGES"),
        )

    def examine(self, folder: str) -> FolderState:
        """Open a folder read-only (EXAMINE), so nothing we do can change it."""
        _typ, data = self._call(
            "EXAMINE", lambda: self._conn.select(encode_folder(folder), readonly=True), folder
        )
        self.selected = folder
        uidvalidity = self._response_int("UIDVALIDITY")
        if uidvalidity is None:
            raise ProtocolError(f"The server gave no UIDVALIDITY for {folder!r}.")
        exists = int(data[0]) if data and isinstance(data[0], bytes) and data[0].isdigit() else None
        return FolderState(
            uidvalidity=uidvalidity,
            uidnext=self._response_int("UIDNEXT"),
            highestmodseq=self._response_int("HIGHESTMODSEQ"),
            exists=exists,
        )

    def _response_int(self, code: str) -> int | None:
        _typ, data = self._conn.response(code)
        for item in reversed(data or []):
            if isinstance(item, bytes) and item.split(b" ")[0].isdigit():
                return int(item.split(b" ")[0])
        return None

    # Messages.

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs greater than `last_uid` in the selected folder, ascending.

        `UID SEARCH UID n:*` returns the highest message even when n is beyond it (RFC 3501:
        `*` is the largest UID in use), so the result is filtered.
        """
        _typ, data = self._call("SEARCH", lambda: self._conn.uid("SEARCH", f"UID {last_uid + 1}:*"))
        uids = [int(word) for item in data if item for word in item.split()]
        return sorted(uid for uid in uids if uid > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE of each UID, to cut batches by bytes as well as by count."""
        sizes: dict[int, int] = {}
        for start in range(0, len(uids), 2000):
            chunk = uids[start : start + 2000]
            _typ, data = self._call("FETCH", self._sizes_command(chunk))
            for item in data:
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                match = _SIZE_RE.search(line)
                if match:
                    uid = int(match.group(1) or match.group(4))
                    sizes[uid] = int(match.group(2) or match.group(3))
        return sizes

    def envelopes(self, uids: Sequence[int]) -> dict[int, Envelope]:
        """RFC822.SIZE, INTERNALDATE and the Date header of each UID (the selected folder).

        Sync cuts batches by size and orders the messages of all folders by date with these.
        """
        found: dict[int, Envelope] = {}
        for start in range(0, len(uids), 2000):
            _typ, data = self._call("FETCH", self._envelopes_command(uids[start : start + 2000]))
            for meta, header in _fetch_responses(data):
                uid, size = _UID_RE.search(meta), _RFC822_SIZE_RE.search(meta)
                if uid is None or size is None:
                    continue
                internal = _INTERNALDATE_RE.search(meta)
                found[int(uid.group(1))] = Envelope(
                    size=int(size.group(1)),
                    internaldate=_internaldate(internal.group(1)) if internal else None,
                    date=_date_header(header),
                )
        return found

    def _envelopes_command(self, uids: Sequence[int]) -> Callable[[], tuple[str, list[Any]]]:
        items = "(UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (DATE)])"
        return lambda: self._conn.uid("FETCH", uid_set(uids), items)

    def _fetch_sizes_command(self, uids: Sequence[int]) -> Callable[[], tuple[str, list[Any]]]:
        return lambda: self._conn.uid("FETCH", uid_set(uids), "(RFC822.SIZE)")

    def _sizes_command(self, uids: Sequence[int]) -> Callable[[], tuple[str, list[Any]]]:
        return lambda: self._conn.uid("FETCH", uid_set(uids), "(RFC822.SIZE)")

    def fetch(self, uids: Sequence[int]) -> list[FetchedMessage]:
        """The raw bytes of these UIDs with BODY.PEEK[] (never sets \\Seen), by UID."""
        if not uids:
            return []
        _typ, data = self._call(
            "FETCH", lambda: self._conn.uid("FETCH", uid_set(uids), "(UID BODY.PEEK[])")
        )
        return sorted(_parse_fetch(data), key=lambda message: message.uid)

    # IDLE (RFC 2177). imaplib before Python 3.14 has no IDLE, so it is spoken here.

    def idle(self, *, timeout: float, should_stop: Callable[[], bool], tick: float = 1.0) -> bool:
        """Wait in IDLE on the selected folder up to `timeout` seconds.

        Returns True when the server announced new mail; `should_stop` is polled every
        `tick` seconds so a shutdown never waits for the timeout.
        """
        self._tag_counter += 1
        tag = f"PIDLE{self._tag_counter}".encode()
        try:
            self._conn.send(tag + b" IDLE\r\n")
            line = self._conn.readline()
            if not line.startswith(b"+"):
                raise ProtocolError(f"The server refused IDLE: {line!r}")
            changed = self._idle_wait(timeout=timeout, should_stop=should_stop, tick=tick)
            self._conn.send(b"DONE\r\n")
            while True:
                line = self._conn.readline()
                if not line:
                    raise ConnectionLostError("The server closed the connection during IDLE.")
                if _EXISTS_RE.match(line):
                    changed = True
                if line.startswith(tag + b" "):
                    return changed
        except (OSError, imaplib.IMAP4.abort, ValueError) as exc:
            raise ConnectionLostError(f"The connection broke during IDLE: {exc}") from exc

    def _idle_wait(self, *, timeout: float, should_stop: Callable[[], bool], tick: float) -> bool:
        sock = self._conn.socket()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not should_stop():
            pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
            # Reading with a socket timeout would poison imaplib's buffered file, so wait
            # with select() and read only when a line has arrived.
            if not pending:
                readable, _, _ = select.select(
                    [sock], [], [], min(tick, deadline - time.monotonic())
                )
                if not readable:
                    continue
            line = self._conn.readline()
            if not line:
                raise ConnectionLostError("The server closed the connection during IDLE.")
            if _EXISTS_RE.match(line):
                return True
        return False

    def noop(self) -> None:
        self._call("NOOP", self._conn.noop)

    def append(self, folder: str, raw: bytes, *, seen: bool = True) -> None:
        """APPEND one message to `folder` (the outbox files sent mail in Sent this way).

        The one write this client makes; sync itself never calls it.
        """
        flags = "(\\Seen)" if seen else ""
        self._call(
            "APPEND", lambda: self._conn.append(encode_folder(folder), flags, None, raw), folder
        )

    # Error mapping.

    def _call(
        self,
        command: str,
        func: Callable[[], tuple[str, list[Any]]],
        folder: str | None = None,
    ) -> tuple[str, list[Any]]:
        try:
            typ, data = func()
        except imaplib.IMAP4.abort as exc:
            raise ConnectionLostError(f"The connection broke during {command}: {exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise self._command_error(command, folder, _text(exc)) from exc
        except (OSError, ValueError) as exc:
            raise ConnectionLostError(f"The connection broke during {command}: {exc}") from exc
        if typ != "OK":
            detail = b" ".join(item for item in data if isinstance(item, bytes)).decode(
                errors="replace"
            )
            raise self._command_error(command, folder, detail)
        return typ, data

    @staticmethod
    def _command_error(command: str, folder: str | None, detail: str) -> MailboxConnectionError:
        if folder is not None and command in {"EXAMINE", "STATUS"}:
            return FolderMissingError(
                f"The folder {folder!r} does not exist on the server ({detail})."
            )
        return ProtocolError(f"The server refused {command}: {detail}")


def _open(settings: ImapSettings) -> imaplib.IMAP4:
    context = settings.ssl_context or ssl.create_default_context()
    where = f"{settings.host}:{settings.port}"
    try:
        if settings.security == "ssl":
            return imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=settings.timeout
            )
        conn = imaplib.IMAP4(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            try:
                conn.starttls(context)
            except BaseException:
                conn.shutdown()
                raise
        return conn
    except ssl.SSLError as exc:
        raise TLSError(f"TLS with {where} failed: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        if settings.security == "starttls":
            raise TLSError(f"STARTTLS with {where} failed: {_text(exc)}") from exc
        raise ProtocolError(f"{where} does not speak IMAP as expected: {_text(exc)}") from exc
    except (socket.gaierror, ConnectionError, TimeoutError, OSError) as exc:
        raise HostUnreachableError(f"Cannot connect to {where}: {exc}") from exc


def _text(exc: BaseException) -> str:
    arg = exc.args[0] if exc.args else exc
    return arg.decode(errors="replace") if isinstance(arg, bytes) else str(arg)


def _quote_literal(name: bytes) -> bytes:
    return b'"' + name.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _parse_list_line(line: bytes) -> FolderInfo | None:
    match = _LIST_RE.match(line)
    if match is None:
        return None
    flags = frozenset(flag.lower() for flag in match.group("flags").decode().split())
    delim_raw = match.group("delim")
    delimiter = None if delim_raw == b"NIL" else _unquote(delim_raw).decode()
    raw_name = match.group("name").strip()
    name_bytes = _unquote(raw_name) if raw_name.startswith(b'"') else raw_name
    return FolderInfo(name=str(imap_utf7.decode(name_bytes)), flags=flags, delimiter=delimiter)


def _unquote(value: bytes) -> bytes:
    inner = value[1:-1]
    return re.sub(rb"\\(.)", rb"\1", inner)


def _fetch_responses(
    data: Sequence[bytes | tuple[bytes, bytes] | None],
) -> Iterator[tuple[bytes, bytes]]:
    """(response text outside the literal, literal) of each FETCH response."""
    current: list[bytes] | None = None
    literal = b""
    for item in data:
        if isinstance(item, tuple):
            if current is not None:
                yield b" ".join(current), literal
            current, literal = [item[0]], item[1]
        elif isinstance(item, bytes):
            if current is not None:
                current.append(item)
            else:
                yield item, b""
    if current is not None:
        yield b" ".join(current), literal


def _internaldate(value: bytes) -> datetime | None:
    try:
        return datetime.strptime(value.decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _date_header(header: bytes) -> datetime | None:
    match = _DATE_HEADER_RE.search(header)
    if match is None:
        return None
    try:
        date = parsedate_to_datetime(re.sub(rb"\r?\n", b"", match.group(1)).decode("latin-1"))
    except (TypeError, ValueError, IndexError):
        return None
    # "-0000" (no zone information) parses naive: read it as UTC.
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


def _parse_fetch(data: Sequence[bytes | tuple[bytes, bytes] | None]) -> Iterator[FetchedMessage]:
    # Items are (b'1 (UID 5 BODY[] {123}', raw) tuples followed by b')' (or b' UID 5)' when a
    # server sends UID after the body).
    pending: bytes | None = None
    for item in data:
        if isinstance(item, tuple):
            header, raw = item
            match = _UID_RE.search(header)
            if match:
                yield FetchedMessage(uid=int(match.group(1)), raw=raw)
                pending = None
            else:
                pending = raw
        elif isinstance(item, bytes) and pending is not None:
            match = _UID_RE.search(item)
            if match:
                yield FetchedMessage(uid=int(match.group(1)), raw=pending)
                pending = None
