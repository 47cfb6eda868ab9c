"""A deterministic, realistic support mailbox, with its ground truth.

`generate(n, seed)` yields `(folder, raw RFC 5322 bytes)` in delivery order: customers write to
the support address (INBOX), support answers from its own client (Sent), threads of 1-15
messages with Message-ID / In-Reply-To / References the way real clients write them (some
Outlook-style replies carry only In-Reply-To, a few webmail replies carry neither and must be
threaded on the subject), Re:/Odp:/RE: prefixes, Polish text in UTF-8, ISO-8859-2 and
Windows-1250, RFC 2047 names and subjects, plain, HTML-only, multipart/alternative, attachments
of 0-200 KB (PDF-like and images, some inline with Content-ID), and about 10 % machine mail:
out-of-office auto-replies (Auto-Submitted, X-Autoreply) and bulk/list mail (Precedence: bulk,
List-Id, including daily notifications that repeat the same subject, which must NOT be
threaded together).

`expected(n, seed)` returns the ground truth without rendering any bytes: the number of
messages, and which messages form one conversation. `compare_threads` scores a grouping found
by Parley against it.

The same (n, seed) always gives byte-identical messages: every message is rendered from its
own `random.Random` seeded by (seed, index), so the plan (cheap, kept in memory) and the bytes
(rendered lazily, one message at a time) never depend on the order of generation.
"""

# The en dash and typographic quotes are deliberate: they are not in ISO-8859-2.
# ruff: noqa: RUF001
from __future__ import annotations

import base64
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

__all__ = [
    "INBOX",
    "SENT",
    "SUPPORT_ADDRESS",
    "SUPPORT_NAME",
    "Expected",
    "ThreadingScore",
    "compare_threads",
    "expected",
    "generate",
    "misthreaded",
    "plan",
]

SUPPORT_ADDRESS = "pomoc@sklep-bench.example"
SUPPORT_NAME = "Dział Obsługi Klienta – Sklep Bench"
SUPPORT_DOMAIN = "sklep-bench.example"
INBOX = "INBOX"
SENT = "Sent"

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
SPAN_DAYS = 365

# Message kinds.
CUSTOMER = "customer"  # the customer (or a colleague of theirs) writes; INBOX
SUPPORT = "support"  # an agent writes from their mail client; Sent
AUTO_REPLY = "auto_reply"  # customer's out-of-office answering support; INBOX
BULK = "bulk"  # newsletters, notifications, list mail; INBOX

FIRST_NAMES = [
    "Łukasz", "Małgorzata", "Paweł", "Zofia", "Grzegorz", "Agnieszka", "Krzysztof", "Żaneta",
    "Michał", "Katarzyna", "Tomasz", "Joanna", "Piotr", "Ewa", "Jędrzej", "Anna", "Wojciech",
    "Bożena", "Andrzej", "Magdalena", "Jan", "Beata", "Stanisław", "Dorota", "Marek", "Iwona",
    "Rafał", "Justyna", "Sławomir", "Aleksandra", "Adam", "Urszula", "Mikołaj", "Halina",
]  # fmt: skip
LAST_NAMES = [
    "Kowalski", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowska", "Zieliński",
    "Szymańska", "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Kwiatkowska",
    "Krawczyk", "Piotrowski", "Grabowska", "Nowakowski", "Pawłowska", "Michalski", "Król",
    "Wieczorek", "Jabłoński", "Wróbel", "Nowak", "Majewska", "Olszewski", "Stępień", "Jaworska",
    "Malinowski", "Górecki", "Sikora", "Baran", "Duda", "Szewczyk", "Tomaszewska", "Żak",
]  # fmt: skip
DOMAINS = [
    "gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "poczta.fm", "outlook.com",
    "firma-budowlana.pl", "biuro-rachunkowe.com.pl", "hurtownia-łódź.example", "spoldzielnia.pl",
    "gazeta.pl", "tlen.pl", "protonmail.com", "zakład-stolarski.example",
]  # fmt: skip
AGENTS = ["Marta z Działu Obsługi", "Kacper Żółkiewski", "Oliwia Śliwińska", "Bartosz Łęcki"]

SUBJECTS = [
    "Reklamacja zamówienia nr {n}",
    "Pytanie o fakturę {n}/2025",
    "Nie dotarła przesyłka {n}",
    "Zwrot towaru – zamówienie {n}",
    "Problem z logowaniem do konta",
    "Zmiana adresu dostawy",
    "Uszkodzony produkt (zamówienie {n})",
    "Prośba o korektę faktury",
    "Gwarancja: pralka nie wiruje",
    "Wycena dla firmy – {n} sztuk",
    "Brak potwierdzenia płatności",
    "Zażalenie na kuriera",
    "Pytanie o dostępność części zamiennych",
    "Anulowanie zamówienia {n}",
    "Rabat dla stałego klienta?",
    "Błędna kwota na paragonie",
    "Instrukcja obsługi po polsku",
    "Termin realizacji zamówienia {n}",
    "Faktura na firmę zamiast na osobę prywatną",
    "Wymiana rozmiaru – buty zimowe",
]
PROACTIVE_SUBJECTS = [
    "Informacja o opóźnieniu zamówienia {n}",
    "Prośba o dodatkowe dane do zwrotu {n}",
    "Potwierdzenie przyjęcia reklamacji {n}",
]
REPLY_PREFIXES = ["Re: ", "Re: ", "Re: ", "RE: ", "Odp: ", "Odp: ", "ODP: ", "Re: Odp: ", "AW: "]

SENTENCES = [
    "Dzień dobry, piszę w sprawie mojego ostatniego zamówienia.",
    "Przesyłka dotarła wczoraj, ale karton był mocno uszkodzony.",
    "Czy mogą Państwo sprawdzić, na jakim etapie jest realizacja?",
    "W załączniku przesyłam zdjęcia uszkodzeń oraz skan paragonu.",
    "Niestety produkt nie działa zgodnie z opisem na stronie.",
    "Proszę o informację, kiedy mogę spodziewać się zwrotu pieniędzy.",
    "Zapłaciłem przelewem w piątek, a status nadal pokazuje „oczekuje na płatność”.",
    "Będę wdzięczna za szybką odpowiedź, ponieważ sprawa jest pilna.",
    "Kurier zostawił awizo, choć przez cały dzień byłam w domu.",
    "Żółta lampka na panelu miga, a urządzenie się nie włącza.",
    "Źle naliczono rabat – powinno być 15%, a jest 5%.",
    "Zamawiałem rozmiar 42, a otrzymałem 44.",
    "Chciałbym zmienić adres dostawy na ul. Świętokrzyską 12 w Łodzi.",
    "Proszę o wystawienie faktury na firmę, NIP podaję poniżej.",
    "Dziękuję za szybką reakcję, wszystko już działa.",
    "Czy jest możliwość odbioru osobistego w Gdańsku?",
    "Gwarancja obejmuje dwa lata od daty zakupu, prawda?",
    "Mój numer klienta to 48213, konto założone na ten adres e-mail.",
    "Nie mogę się zalogować — system twierdzi, że hasło jest błędne.",
    "Zależy mi na dostawie przed świętami, jeśli to możliwe.",
]
SUPPORT_SENTENCES = [
    "Dziękujemy za wiadomość i przepraszamy za kłopot.",
    "Sprawdziliśmy zamówienie: paczka została nadana i jest w drodze.",
    "Reklamacja została przyjęta, numer zgłoszenia podajemy w temacie.",
    "Prosimy o przesłanie zdjęć uszkodzonego produktu oraz numeru zamówienia.",
    "Zwrot środków zlecimy w ciągu 14 dni od otrzymania towaru.",
    "Korekta faktury jest w załączniku, oryginał wyślemy pocztą.",
    "Przekazaliśmy zgłoszenie do działu technicznego, odezwiemy się jutro.",
    "Kurier odbierze przesyłkę zwrotną pod wskazanym adresem w środę.",
    "Hasło zostało zresetowane, link do ustawienia nowego wysłaliśmy osobno.",
    "Niestety ten model nie jest już produkowany, możemy zaproponować zamiennik.",
    "Czy możemy jeszcze w czymś pomóc?",
    "Część zamienna będzie dostępna w przyszłym tygodniu.",
    "Rabat został naliczony ponownie, różnicę zwróciliśmy na konto.",
    "Potwierdzamy zmianę adresu dostawy.",
]
AUTO_REPLY_TEXT = [
    "Dziękuję za wiadomość. Jestem na urlopie do {d}, bez dostępu do poczty.",
    "Automatyczna odpowiedź: przebywam poza biurem. W pilnych sprawach proszę dzwonić.",
    "Out of office / Nieobecność: wrócę {d}. Wiadomość nie jest przekazywana dalej.",
]
BULK_SENDERS = [
    # (name, address, list-id or "", subject template, repeats daily with the same subject)
    ("Kurier Ekspres", "powiadomienia@kurier-ekspres.example", "", "Dzienne podsumowanie przesyłek", True),
    ("Bank Pekao Bench", "noreply@bank-bench.example", "", "Wyciąg z rachunku – {d}", False),
    ("Hurtownia Łódź", "newsletter@hurtownia.example", "<newsletter.hurtownia.example>", "Nowości w ofercie, tydzień {n}", False),
    ("Forum e-commerce", "forum@lists.ecommerce.example", "<sprzedawcy.lists.ecommerce.example>", "[sprzedawcy] Zwroty po 14 dniach – dyskusja {n}", False),
    ("Monitoring", "alerts@monitoring.example", "", "Raport dostępności sklepu", True),
]  # fmt: skip

CRLF = "\r\n"


@dataclass(slots=True)
class Planned:
    """One message of the plan: everything but its bytes."""

    index: int  # delivery order, also the per-message seed
    thread: int
    kind: str
    folder: str
    date: datetime
    message_id: str  # without angle brackets
    subject: str
    sender: tuple[str, str]  # (name, address)
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]] = field(default_factory=list)
    parent: int | None = None  # position in its thread of the message answered (planning)
    parent_id: str = ""  # Message-ID of the message answered, even if the headers omit it
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    charset: str = "utf-8"
    bulk_list_id: str = ""


@dataclass(frozen=True, slots=True)
class Expected:
    """Ground truth: the message count and the conversation of every message."""

    messages: int
    folders: dict[str, int]
    kinds: dict[str, int]  # customer / support / auto_reply / bulk -> messages
    auto_submitted: int  # messages with an Auto-Submitted header (auto-replies, notifications)
    thread_of: dict[str, int]  # message_id (no brackets) -> thread number

    @property
    def conversations(self) -> int:
        return len(set(self.thread_of.values()))


@dataclass(frozen=True, slots=True)
class ThreadingScore:
    expected_conversations: int
    found_conversations: int
    exact_conversations: int  # expected threads reproduced exactly
    split_messages: int  # messages not in the largest found part of their true thread
    merged_messages: int  # messages not of the dominant true thread of their conversation
    pair_precision: float
    pair_recall: float
    unknown_messages: int  # found by Parley but not in the ground truth
    missing_messages: int  # in the ground truth, not found

    @property
    def perfect(self) -> bool:
        return (
            self.exact_conversations == self.expected_conversations
            and self.found_conversations == self.expected_conversations
            and self.unknown_messages == 0
            and self.missing_messages == 0
        )


# --------------------------------------------------------------------------------- plan


def _person(rng: random.Random) -> tuple[str, str]:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    domain = rng.choice(DOMAINS)
    local = _ascii(f"{first}.{last}").lower()
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    # IDN domains are written in their punycode-free ASCII form by most clients.
    return f"{first} {last}", f"{local}@{_ascii(domain)}"


_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def _ascii(text: str) -> str:
    return text.translate(_FOLD)


def _normalized(subject: str) -> str:
    return re.sub(r"^((re|odp|aw|fwd|pd|wg)\s*:\s*)+", "", subject, flags=re.IGNORECASE).lower()


def _thread_length(rng: random.Random) -> int:
    # Geometric-like over 1..15, mean about 3: most tickets are short, a few drag on.
    weights = [30, 24, 16, 10, 6, 4, 3, 2, 1.5, 1.2, 1.0, 0.8, 0.6, 0.5, 0.4]
    return rng.choices(range(1, 16), weights=weights)[0]


def _message_id(rng: random.Random, index: int, address: str) -> str:
    domain = address.rsplit("@", 1)[1]
    return f"{rng.getrandbits(64):016x}.{index}@{domain}"


class _SubjectBook:
    """Keeps one customer's threads with the same normalized subject 10+ days apart.

    A guarded subject fallback (same subject + same external participant within 7 days) is
    allowed to join such messages; the ground truth must not contradict it.
    """

    def __init__(self) -> None:
        self._busy: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)

    def free(self, who: str, subject: str, start: datetime, end: datetime) -> bool:
        margin = timedelta(days=10)
        return all(
            end + margin < s or start - margin > e
            for s, e in self._busy[(who, _normalized(subject))]
        )

    def take(self, who: str, subject: str, start: datetime, end: datetime) -> None:
        self._busy[(who, _normalized(subject))].append((start, end))


def plan(n: int = 20000, seed: int = 1) -> list[Planned]:
    """The messages of the mailbox in delivery order, without their bytes."""
    rng = random.Random(seed)
    customers = [_person(rng) for _ in range(max(20, n // 5))]
    book = _SubjectBook()
    drafts: list[Planned] = []
    thread = 0
    daily_counter: Counter[str] = Counter()
    while len(drafts) < n:
        thread += 1
        start = START + timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86400))
        if rng.random() < 0.16:
            drafts.append(_bulk(rng, thread, start, daily_counter))
            continue
        drafts.extend(_conversation(rng, thread, start, customers, book, n - len(drafts)))
    drafts.sort(key=lambda p: (p.date, p.thread, p.message_id))
    for index, item in enumerate(drafts):
        item.index = index
    return drafts


def _bulk(rng: random.Random, thread: int, start: datetime, counter: Counter[str]) -> Planned:
    name, address, list_id, template, _repeats = rng.choice(BULK_SENDERS)
    counter[address] += 1
    subject = template.format(n=counter[address], d=start.strftime("%d.%m.%Y"))
    return Planned(
        index=0,
        thread=thread,
        kind=BULK,
        folder=INBOX,
        date=start,
        message_id=_message_id(rng, thread, address),
        subject=subject,
        sender=(name, address),
        to=[(SUPPORT_NAME, SUPPORT_ADDRESS)],
        charset=rng.choice(["utf-8", "utf-8", "iso-8859-2"]),
        bulk_list_id=list_id,
    )


def _conversation(  # noqa: PLR0912, PLR0913, PLR0917 (one readable plan step)
    rng: random.Random,
    thread: int,
    start: datetime,
    customers: list[tuple[str, str]],
    book: _SubjectBook,
    room: int,
) -> list[Planned]:
    customer = rng.choice(customers)
    colleague = rng.choice(customers) if rng.random() < 0.08 else None
    charset = rng.choices(["utf-8", "iso-8859-2", "windows-1250"], weights=[70, 20, 10])[0]
    length = min(_thread_length(rng), room)
    proactive = rng.random() < 0.1
    templates = PROACTIVE_SUBJECTS if proactive else SUBJECTS
    subject = rng.choice(templates).format(n=rng.randint(10000, 99999))

    # Authors and times first, so the subject can be checked against the customer's others.
    msgs: list[Planned] = []
    when = start
    for position in range(length):
        if position == 0:
            kind = SUPPORT if proactive else CUSTOMER
            parent = None
        else:
            parent_msg = msgs[-1] if rng.random() < 0.85 else rng.choice(msgs)
            parent = len(msgs) - 1 if parent_msg is msgs[-1] else msgs.index(parent_msg)
            if parent_msg.kind == SUPPORT:
                roll = rng.random()
                kind = AUTO_REPLY if roll < 0.12 else (SUPPORT if roll < 0.19 else CUSTOMER)
            elif parent_msg.kind == AUTO_REPLY:
                kind = CUSTOMER
            else:
                kind = CUSTOMER if rng.random() < 0.15 else SUPPORT
            gap_hours = {
                SUPPORT: rng.uniform(0.2, 30),
                CUSTOMER: rng.uniform(1, 96),
                AUTO_REPLY: rng.uniform(0.001, 0.05),
            }[kind]
            when = max(when, parent_msg.date) + timedelta(hours=gap_hours)
        if kind == SUPPORT:
            sender = (rng.choice(AGENTS) + " – Sklep Bench", SUPPORT_ADDRESS)
            to = [customer]
            folder = SENT
        else:
            sender = (
                colleague if (colleague and kind == CUSTOMER and rng.random() < 0.3) else customer
            )
            to = [(SUPPORT_NAME, SUPPORT_ADDRESS)]
            folder = INBOX
        cc = [colleague] if colleague and sender != colleague and rng.random() < 0.5 else []
        msgs.append(
            Planned(
                index=0,
                thread=thread,
                kind=kind,
                folder=folder,
                date=when,
                message_id=_message_id(rng, thread * 100 + position, sender[1]),
                subject="",
                sender=sender,
                to=to,
                cc=cc,
                parent=parent,
                charset="utf-8" if kind == SUPPORT else charset,
            )
        )

    end = msgs[-1].date
    attempt = 0
    while not book.free(customer[1], subject, start, end):
        attempt += 1
        subject = f"{subject} ({attempt + 1})" if attempt < 3 else f"{subject} – sprawa {thread}"
    book.take(customer[1], subject, start, end)

    for msg in msgs:
        if msg.parent is None:
            msg.subject = subject
            continue
        parent_msg = msgs[msg.parent]
        msg.parent_id = parent_msg.message_id
        if msg.kind == AUTO_REPLY:
            msg.subject = "Automatyczna odpowiedź: " + parent_msg.subject
        elif _normalized(parent_msg.subject) == _normalized(subject) and rng.random() < 0.8:
            msg.subject = rng.choice(REPLY_PREFIXES) + _strip_prefixes(parent_msg.subject)
        else:
            msg.subject = rng.choice(REPLY_PREFIXES) + subject
        style = rng.random()
        if (
            msg.kind == CUSTOMER
            and msg.sender == customer
            and style < 0.04
            and (msg.date - parent_msg.date) < timedelta(days=3)
        ):
            # A webmail that drops both headers: only the subject and the sender tie it, so
            # only when the customer writes (a guarded subject fallback needs them).
            continue
        msg.in_reply_to = parent_msg.message_id
        if style < 0.14 and msg.kind != SUPPORT:
            continue  # Outlook-style: In-Reply-To only.
        refs = [*parent_msg.references, parent_msg.message_id]
        if len(refs) > 10:
            refs = [refs[0], *refs[-9:]]
        msg.references = refs
    return msgs


def _strip_prefixes(subject: str) -> str:
    return re.sub(r"^((re|odp|aw|fwd|pd|wg)\s*:\s*)+", "", subject, flags=re.IGNORECASE)


def expected(n: int = 20000, seed: int = 1) -> Expected:
    """The ground truth of `generate(n, seed)`, computed without rendering any message."""
    items = plan(n, seed)
    return Expected(
        messages=len(items),
        folders=dict(Counter(p.folder for p in items)),
        kinds=dict(Counter(p.kind for p in items)),
        auto_submitted=sum(
            1 for p in items if p.kind == AUTO_REPLY or (p.kind == BULK and not p.bulk_list_id)
        ),
        thread_of={p.message_id: p.thread for p in items},
    )


# ------------------------------------------------------------------------------- render


def generate(n: int = 20000, seed: int = 1) -> Iterator[tuple[str, bytes]]:
    """Yield (folder, raw message bytes with CRLF line ends), in delivery order."""
    items = plan(n, seed)
    by_id: dict[str, Planned] = {p.message_id: p for p in items}
    for item in items:
        parent = by_id.get(item.parent_id) if item.parent_id else None
        yield item.folder, render(item, seed, parent)


def render(item: Planned, seed: int, parent: Planned | None = None) -> bytes:
    rng = random.Random(seed * 1_000_003 + item.index)
    headers = _headers(rng, item)
    text = _text(seed, item)
    if parent is not None and item.kind in (CUSTOMER, SUPPORT) and rng.random() < 0.7:
        who = parent.sender[0]
        stamp = parent.date.strftime("%d.%m.%Y %H:%M")
        quoted = "\n".join("> " + line for line in _text(seed, parent).splitlines())
        text += f"\n\nW dniu {stamp} {who} napisał(a):\n{quoted}\n"
    body_headers, body = _body(rng, item, text)
    return (CRLF.join(headers + body_headers) + CRLF + CRLF).encode("ascii") + body


def _text(seed: int, item: Planned) -> str:
    rng = random.Random(seed * 7_000_001 + item.index)
    if item.kind == BULK:
        lines = [
            f"{item.subject}",
            "",
            *(rng.choice(SENTENCES) for _ in range(rng.randint(4, 12))),
            "",
            "Aby zrezygnować z subskrypcji, kliknij link w stopce.",
        ]
        return "\n".join(lines)
    if item.kind == AUTO_REPLY:
        back = (item.date + timedelta(days=rng.randint(2, 14))).strftime("%d.%m.%Y")
        return rng.choice(AUTO_REPLY_TEXT).format(d=back)
    bank = SUPPORT_SENTENCES if item.kind == SUPPORT else SENTENCES
    paragraphs = [
        " ".join(rng.choice(bank) for _ in range(rng.randint(1, 4)))
        for _ in range(rng.randint(1, 4))
    ]
    greeting = (
        "Dzień dobry," if item.kind == SUPPORT else rng.choice(["Witam,", "Dzień dobry,", ""])
    )
    sign = (
        f"\n\nPozdrawiamy,\n{item.sender[0]}\nul. Piękna 7, 00-549 Warszawa"
        if item.kind == SUPPORT
        else f"\n\nPozdrawiam\n{item.sender[0]}"
    )
    return (greeting + "\n\n" if greeting else "") + "\n\n".join(paragraphs) + sign


def _encode_words(text: str, charset: str, *, phrase: bool = False) -> str:
    """RFC 2047 encoded words (B or Q, picked by the text), folded, 75 characters at most.

    A display name (`phrase`) is one B word when it fits, as mail clients write it.
    """
    if text.isascii():
        return text
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"  # what a real client does when its preferred charset falls short
    words = []
    if phrase or sum(not c.isascii() for c in text) * 4 > len(text):
        chunk = ""
        for char in text:
            if len((chunk + char).encode(charset)) > (45 if phrase else 39):
                words.append(f"=?{charset}?B?{base64.b64encode(chunk.encode(charset)).decode()}?=")
                chunk = ""
            chunk += char
        words.append(f"=?{charset}?B?{base64.b64encode(chunk.encode(charset)).decode()}?=")
    else:
        for start in range(0, len(text), 15):
            encoded = header_encode_q(text[start : start + 15].encode(charset))
            words.append(f"=?{charset}?Q?{encoded}?=")
    return f"{CRLF} ".join(words)


def header_encode_q(raw: bytes) -> str:
    safe = b"!*+-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(
        "_" if byte == 32 else chr(byte) if byte in safe else f"={byte:02X}" for byte in raw
    )


def _address(name: str, address: str, charset: str) -> str:
    if not name:
        return address
    if name.isascii():
        quoted = f'"{name}"' if re.search(r'[()<>@,;:\\".\[\]]', name) else name
        return f"{quoted} <{address}>"
    return f"{_encode_words(name, charset, phrase=True)} <{address}>"


_MAILERS = [
    "Mozilla Thunderbird 115.6.0",
    "Microsoft Outlook 16.0",
    "Roundcube Webmail/1.6.5",
    "Apple Mail (2.3774.300.61.1.2)",
    "Poczta WP",
]


def _headers(rng: random.Random, item: Planned) -> list[str]:
    charset = item.charset
    hop = f"mx{rng.randint(1, 9)}.{SUPPORT_DOMAIN}"
    headers = [
        f"Return-Path: <{item.sender[1]}>",
        (
            f"Received: from {hop} (localhost [127.0.0.1]){CRLF}\tby imap.{SUPPORT_DOMAIN}"
            f" with LMTP id {rng.getrandbits(48):012x}; {format_datetime(item.date)}"
        ),
        (
            f"Received: from smtp.{item.sender[1].rsplit('@', 1)[1]} ([192.0.2.{rng.randint(1, 254)}])"
            f"{CRLF}\tby {hop} with ESMTPS id {rng.getrandbits(40):010x}; {format_datetime(item.date)}"
        ),
        f"Message-ID: <{item.message_id}>",
        f"Date: {format_datetime(item.date)}",
        f"From: {_address(*item.sender, charset)}",
        "To: " + ", ".join(_address(n, a, charset) for n, a in item.to),
    ]
    if item.cc:
        headers.append("Cc: " + ", ".join(_address(n, a, charset) for n, a in item.cc))
    headers.append(f"Subject: {_encode_words(item.subject, charset)}")
    if item.in_reply_to:
        headers.append(f"In-Reply-To: <{item.in_reply_to}>")
    if item.references:
        headers.append("References: " + f"{CRLF} ".join(f"<{r}>" for r in item.references))
    headers.append("MIME-Version: 1.0")
    if item.kind == AUTO_REPLY:
        headers += ["Auto-Submitted: auto-replied", "X-Autoreply: yes"]
        if rng.random() < 0.5:
            headers.append("X-Auto-Response-Suppress: All")
    elif item.kind == BULK:
        headers.append("Precedence: bulk")
        if item.bulk_list_id:
            headers += [
                f"List-Id: {item.bulk_list_id}",
                f"List-Unsubscribe: <mailto:unsubscribe@{item.sender[1].rsplit('@', 1)[1]}>",
            ]
        else:
            headers.append("Auto-Submitted: auto-generated")
    else:
        headers.append(f"User-Agent: {rng.choice(_MAILERS)}")
        headers.append("Content-Language: pl")
    return headers


def _payload(text: str, charset: str, rng: random.Random) -> tuple[str, str, bytes]:
    """(charset, Content-Transfer-Encoding, encoded body) of one text part, CRLF line ends."""
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    try:
        raw = text.encode(charset)
    except UnicodeEncodeError:
        charset, raw = "utf-8", text.encode()
    cte = rng.choices(["quoted-printable", "8bit", "base64"], weights=[55, 30, 15])[0]
    if raw.isascii():
        cte = "7bit"
    if cte == "base64":
        return charset, cte, _b64(raw)
    if cte == "quoted-printable":
        return charset, cte, _qp(raw)
    return charset, cte, raw


def _qp(raw: bytes) -> bytes:
    import quopri

    return quopri.encodestring(raw.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")


def _b64(raw: bytes) -> bytes:
    flat = base64.b64encode(raw)
    return b"".join(flat[i : i + 76] + b"\r\n" for i in range(0, len(flat), 76))


def _html(text: str, rng: random.Random, cids: Iterable[str] = ()) -> str:
    import html

    paras = "\n".join(
        f'<p style="margin:0 0 1em">{html.escape(p).replace(chr(10), "<br>" + chr(10))}</p>'
        for p in text.split("\n\n")
    )
    images = "".join(f'<p><img src="cid:{cid}" alt="obraz" width="320"></p>' for cid in cids)
    tracker = (
        f'<img src="https://track.example/open.gif?u={rng.getrandbits(32)}" width="1" height="1">'
        if rng.random() < 0.2
        else ""
    )
    return (
        "<!DOCTYPE html><html><head><style>body{font-family:Arial}</style>"
        f"</head><body>\n{paras}\n{images}{tracker}</body></html>\n"
    )


def _attachment_bytes(rng: random.Random, kind: str) -> bytes:
    size = int(math.exp(rng.uniform(math.log(800), math.log(200_000))))
    magic = {
        "application/pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        "application/octet-stream": b"PK\x03\x04",
    }[kind]
    return magic + rng.randbytes(max(0, size - len(magic)))


_ATTACHMENT_NAMES = [
    ("application/pdf", "faktura_{n}.pdf"),
    ("application/pdf", "Reklamacja – protokół {n}.pdf"),
    ("image/jpeg", "zdjęcie_uszkodzenia_{n}.jpg"),
    ("image/png", "zrzut ekranu {n}.png"),
    ("application/octet-stream", "dokumenty_{n}.zip"),
]


def _filename_params(name: str) -> str:
    if name.isascii():
        return f'filename="{name}"'
    from urllib.parse import quote

    return f"filename*=utf-8''{quote(name, safe='')}"


def _part(content_type: str, cte: str, body: bytes, extra: str = "") -> bytes:
    head = f"Content-Type: {content_type}{CRLF}Content-Transfer-Encoding: {cte}{CRLF}{extra}"
    return head.encode("ascii") + CRLF.encode() + body


def _multipart(
    rng: random.Random, subtype: str, parts: list[bytes], index: int
) -> tuple[str, bytes]:
    boundary = f"----=_Part_{index}_{rng.getrandbits(40):010x}"
    out = bytearray()
    for part in parts:
        out += f"--{boundary}{CRLF}".encode() + part + CRLF.encode()
    out += f"--{boundary}--{CRLF}".encode()
    extra = '; type="text/html"' if subtype == "related" else ""
    return f'multipart/{subtype}; boundary="{boundary}"{extra}', bytes(out)


def _body(rng: random.Random, item: Planned, text: str) -> tuple[list[str], bytes]:
    charset = item.charset
    style = rng.choices(
        ["plain", "alternative", "html"],
        weights=[45, 45, 10] if item.kind != BULK else [10, 60, 30],
    )[0]
    with_files = item.kind in (CUSTOMER, SUPPORT) and rng.random() < 0.1
    inline = style != "plain" and item.kind in (CUSTOMER, SUPPORT, BULK) and rng.random() < 0.05

    cids = (
        [f"img{k}.{item.index}@{SUPPORT_DOMAIN}" for k in range(rng.randint(1, 2))]
        if inline
        else []
    )
    html_part = b""
    if style != "plain":
        used, cte, payload = _payload(_html(text, rng, cids), charset, rng)
        html_part = _part(f'text/html; charset="{used}"', cte, payload)
        if cids:
            images = []
            for cid in cids:
                data = _attachment_bytes(rng, "image/png")
                images.append(
                    _part(
                        'image/png; name="logo.png"',
                        "base64",
                        _b64(data),
                        f"Content-ID: <{cid}>{CRLF}"
                        f'Content-Disposition: inline; filename="logo.png"{CRLF}',
                    )
                )
            ctype, body = _multipart(rng, "related", [html_part, *images], item.index)
            html_part = _part(ctype, "7bit", body)
    text_part = b""
    if style != "html":
        used, cte, payload = _payload(text, charset, rng)
        text_part = _part(f'text/plain; charset="{used}"', cte, payload)

    if style == "plain":
        main = text_part
    elif style == "html":
        main = html_part
    else:
        ctype, body = _multipart(rng, "alternative", [text_part, html_part], item.index)
        main = _part(ctype, "7bit", body)

    if with_files:
        parts = [main]
        for _ in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
            ctype, name = rng.choice(_ATTACHMENT_NAMES)
            name = name.format(n=rng.randint(100, 999))
            data = _attachment_bytes(rng, ctype)
            parts.append(
                _part(
                    ctype,
                    "base64",
                    _b64(data),
                    f"Content-Disposition: attachment; {_filename_params(name)}{CRLF}",
                )
            )
        ctype, body = _multipart(rng, "mixed", parts, item.index)
        main = _part(ctype, "7bit", body)

    head, _, body = main.partition(b"\r\n\r\n")
    return head.decode("ascii").split(CRLF), body


# ------------------------------------------------------------------------------- scoring


def misthreaded(truth: Expected, found: Iterable[Iterable[str | None]]) -> list[str]:
    """Message-IDs outside the largest found part of their true thread, or found merged
    into a conversation dominated by another thread."""
    groups = [[m for m in group if m is not None] for group in found]
    group_of = {m: gi for gi, g in enumerate(groups) for m in g}
    parts: dict[int, Counter[int]] = defaultdict(Counter)
    for mid, thread in truth.thread_of.items():
        if mid in group_of:
            parts[thread][group_of[mid]] += 1
    dominant: dict[int, Counter[int]] = defaultdict(Counter)
    for mid, gi in group_of.items():
        if mid in truth.thread_of:
            dominant[gi][truth.thread_of[mid]] += 1
    wrong = []
    for mid, thread in truth.thread_of.items():
        gi = group_of.get(mid)
        if gi is None:
            continue
        if parts[thread].most_common(1)[0][0] != gi or dominant[gi].most_common(1)[0][0] != thread:
            wrong.append(mid)
    return wrong


def compare_threads(truth: Expected, found: Iterable[Iterable[str | None]]) -> ThreadingScore:
    """Score conversations found (each an iterable of Message-IDs) against the ground truth."""
    groups = [[m for m in group if m is not None] for group in found]
    thread_of = truth.thread_of
    unknown = sum(1 for g in groups for m in g if m not in thread_of)
    seen = {m for g in groups for m in g}
    missing = sum(1 for m in thread_of if m not in seen)

    true_sizes = Counter(thread_of.values())
    cells: Counter[tuple[int, int]] = Counter()  # (found group, true thread) -> messages
    for gi, group in enumerate(groups):
        for m in group:
            if m in thread_of:
                cells[(gi, thread_of[m])] += 1
    group_sizes = Counter[int]()
    largest_part: dict[int, int] = defaultdict(int)  # true thread -> largest found part
    dominant: dict[int, int] = defaultdict(int)  # found group -> largest true part
    for (gi, ti), count in cells.items():
        group_sizes[gi] += count
        largest_part[ti] = max(largest_part[ti], count)
        dominant[gi] = max(dominant[gi], count)
    exact = sum(
        1
        for (gi, ti), count in cells.items()
        if count == true_sizes[ti] and count == group_sizes[gi]
    )

    def pairs(k: int) -> int:
        return k * (k - 1) // 2

    same_both = sum(pairs(c) for c in cells.values())
    same_found = sum(pairs(c) for c in group_sizes.values())
    same_true = sum(pairs(c) for c in true_sizes.values())
    return ThreadingScore(
        expected_conversations=len(true_sizes),
        found_conversations=sum(1 for g in groups if g),
        exact_conversations=exact,
        split_messages=sum(true_sizes[t] - largest_part[t] for t in true_sizes),
        merged_messages=sum(group_sizes[g] - dominant[g] for g in group_sizes),
        pair_precision=same_both / same_found if same_found else 1.0,
        pair_recall=same_both / same_true if same_true else 1.0,
        unknown_messages=unknown,
        missing_messages=missing,
    )


def _main() -> None:
    import argparse
    import sys
    import time

    parser = argparse.ArgumentParser(description="Generate the benchmark mailbox as an mbox.")
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("output", help="mbox file to write, or - for statistics only")
    args = parser.parse_args()
    began = time.perf_counter()
    total = 0
    count = 0
    out = None if args.output == "-" else open(args.output, "wb")  # noqa: SIM115
    for folder, raw in generate(args.messages, args.seed):
        count += 1
        total += len(raw)
        if out is not None:
            out.write(f"From bench@{folder} Thu Jan  1 00:00:00 2025\n".encode())
            out.write(re.sub(rb"(?m)^(>*From )", rb">\1", raw.replace(b"\r\n", b"\n")) + b"\n")
    if out is not None:
        out.close()
    truth = expected(args.messages, args.seed)
    elapsed = time.perf_counter() - began
    print(
        f"{count} messages, {total / 1e6:.1f} MB (mean {total / max(count, 1) / 1024:.1f} KiB), "
        f"{truth.conversations} conversations, folders {truth.folders}, {elapsed:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    _main()
