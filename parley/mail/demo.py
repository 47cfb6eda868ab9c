"""Demo mailbox and conversations, filed through the real ingest pipeline.

Called by the `parley demo` command after the demo contacts exist. The mailbox points at a
server that does not exist and is paused, so the worker never tries to sync it; the messages
are imported the way `parley import` would, so they are threaded, matched and indexed like
real mail.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from django.utils import timezone

from parley.mail.ingest import ingest_raw
from parley.mail.models import MessageSource
from parley.mail.services import MailboxSettings, create_mailbox, pause_mailbox

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from parley.accounts.models import Team, User

SUPPORT = ("Obsługa klienta Parley", "pomoc@parley.example")

# Each thread: subject, customer (name, address), then the messages as (from_customer, text,
# hours before now). The customers are the demo contacts of parley.contacts.demo, plus one
# unknown sender for the triage "Ready" list.
THREADS: list[tuple[str, tuple[str, str], list[tuple[bool, str, int]]]] = [
    (
        "Faktura FV/2026/11/042 — błędna kwota",
        ("Łukasz Wiśniewski", "lukasz.wisniewski@stolarnia-wisniewski.pl"),
        [
            (
                True,
                (
                    "Dzień dobry,\n\nna fakturze FV/2026/11/042 kwota brutto nie zgadza się "
                    "z zamówieniem (powinno być 4 920,00 zł).\nProszę o korektę.\n\nŁukasz Wiśniewski"
                ),
                50,
            ),
            (
                False,
                (
                    "Dzień dobry Panie Łukaszu,\n\ndziękujemy za zgłoszenie — sprawdzamy "
                    "i wyślemy korektę do jutra.\n\nPozdrawiamy,\nObsługa klienta"
                ),
                47,
            ),
            (True, "Dziękuję, czekam na korektę.\n\n> dziękujemy za zgłoszenie", 46),
        ],
    ),
    (
        "Zmiana terminu dostawy regałów",
        ("Paweł Żak", "pawel@podzaglami.com.pl"),
        [
            (True, "Czy możemy przesunąć dostawę regałów na przyszły czwartek?\n\nPaweł", 30),
        ],
    ),
    (
        "Prośba o ofertę: 40 krzeseł do poczekalni",
        ("Grzegorz Brzęczyszczykiewicz", "g.brzeczyszczykiewicz@zdrowie-lodz.pl"),
        [
            (
                True,
                (
                    "Witam,\n\nprosimy o ofertę na 40 krzeseł do poczekalni przychodni, "
                    "dostawa do Łodzi w styczniu.\n\nZ poważaniem,\nG. Brzęczyszczykiewicz"
                ),
                20,
            ),
            (
                False,
                (
                    "Dzień dobry,\n\nw załączeniu przesyłamy wstępną ofertę. "
                    "Czy preferują Państwo tapicerkę zmywalną?\n\nObsługa klienta"
                ),
                18,
            ),
        ],
    ),
    (
        "Nie mogę zalogować się do panelu",
        ("Zofia Szczęsna", "zofia.szczesna@gmail.com"),
        [
            (
                True,
                (
                    "Od wczoraj nie mogę zalogować się do panelu klienta — pojawia się "
                    "komunikat o błędnym haśle, choć hasło jest dobre."
                ),
                5,
            ),
        ],
    ),
    (
        "Współpraca przy targach Meble Polska",
        ("Marta Kamińska", "marta.kaminska@targi-example.pl"),
        [
            (
                True,
                (
                    "Dzień dobry,\n\nszukamy wystawców na targi Meble Polska w marcu. "
                    "Czy byliby Państwo zainteresowani?\n\nMarta Kamińska"
                ),
                3,
            ),
        ],
    ),
]


def _message(
    *,
    parties: tuple[tuple[str, str], tuple[str, str]],
    subject: str,
    text: str,
    date: datetime,
    parent_ids: list[str],
) -> tuple[bytes, str]:
    sender, recipient = parties
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = f"{recipient[0]} <{recipient[1]}>"
    message["Subject"] = subject if not parent_ids else f"Re: {subject}"
    message["Date"] = format_datetime(date)
    message_id = make_msgid(domain=sender[1].split("@")[1])
    message["Message-ID"] = message_id
    if parent_ids:
        message["In-Reply-To"] = parent_ids[-1]
        message["References"] = " ".join(parent_ids)
    message.set_content(text)
    return message.as_bytes(), message_id


def load(*, teams: Sequence[Team], users: Sequence[User]) -> None:
    """Create the paused demo mailbox of the first team and import the demo threads."""
    settings = MailboxSettings(
        name="Demo",
        email=SUPPORT[1],
        display_name=SUPPORT[0],
        imap_host="imap.parley.example",
        imap_port=993,
        imap_security="ssl",
        username=SUPPORT[1],
        smtp_host="smtp.parley.example",
    )
    # The demo server does not exist; the secret only fills the required field.
    secret = "demo-not-a-password"  # noqa: S105
    mailbox = pause_mailbox(mailbox=create_mailbox(team=teams[0], settings=settings, secret=secret))
    now = timezone.now()
    for subject, customer, messages in THREADS:
        parent_ids: list[str] = []
        for from_customer, text, hours_ago in messages:
            raw, message_id = _message(
                parties=(customer, SUPPORT) if from_customer else (SUPPORT, customer),
                subject=subject,
                text=text,
                date=now - timedelta(hours=hours_ago),
                parent_ids=parent_ids,
            )
            ingest_raw(raw=raw, source=MessageSource.IMPORT, mailbox=mailbox)
            parent_ids.append(message_id)
