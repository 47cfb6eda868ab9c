"""The search query language: free words, "exact phrases" and operators.

    faktura "termin płatności" from:kowalski to:biuro@firma.pl subject:reklamacja
    has:attachment is:open is:closed assignee:me queue:Sprzedaż tag:vip
    before:2025-06-30 after:2025-01-01

Words match as prefixes ("fakt" finds "faktura"), phrases match exactly (word order kept),
everything is folded (ą=a, ł=l, case ignored) and every part must match (AND). A run of
digits that looks like a phone number ("601 234 567", "+48 601-234-567", "0048601234567") also
matches the number in its other written forms. An unknown operator is searched as text.
Parsing never fails: values it cannot read are reported in `ParsedQuery.warnings`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _

from parley.search.text import Needle, tokens


class Column(StrEnum):
    """Where a term must occur; the index has the same four columns for every kind."""

    TITLE = "title"  # message subject, contact or organization name
    SENDER = "sender"  # message From (names and addresses), contact e-mails, org domains
    RECIPIENTS = "recipients"  # message To/Cc/Bcc, contact phones, organization NIP
    BODY = "body"


@dataclass(frozen=True)
class Phrase:
    """Folded tokens that must occur in this order; the last one may be a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Term:
    """One AND-ed part of a query: any of `options`, in `column` (None: any column)."""

    options: tuple[Phrase, ...]
    column: Column | None = None


@dataclass
class ParsedQuery:
    raw: str
    terms: list[Term] = field(default_factory=list)
    has_attachment: bool = False
    status: str = ""  # "open" or "closed"
    assignee_me: bool = False
    queues: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    before: date | None = None
    after: date | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.message_only and not self.tags

    @property
    def message_only(self) -> bool:
        """Operators that only conversations have: contacts and organizations are left out."""
        columns = {term.column for term in self.terms} - {None}
        return bool(
            self.has_attachment
            or self.status
            or self.assignee_me
            or self.queues
            or self.before
            or self.after
            or columns & {Column.TITLE, Column.SENDER, Column.RECIPIENTS}
        )

    def needles(self) -> list[Needle]:
        """The words to highlight in snippets."""
        found: list[Needle] = []
        for term in self.terms:
            for phrase in term.options:
                last = len(phrase.tokens) - 1
                found += [
                    Needle(token, phrase.prefix and i == last)
                    for i, token in enumerate(phrase.tokens)
                ]
        return found


MIN_PREFIX = 2
_PHONE = r"\+?\(?\d(?:[\s\-().]{0,2}\d){6,}\)?"
_PART = re.compile(
    rf"""(?P<key>[a-z]+):(?:"(?P<qvalue>[^"]*)"?|(?P<value>\S+))
    | "(?P<phrase>[^"]*)"?
    | (?P<phone>{_PHONE})(?![\w])
    | (?P<word>\S+)""",
    re.VERBOSE | re.IGNORECASE,
)
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_COLUMNS = {"from": Column.SENDER, "to": Column.RECIPIENTS, "subject": Column.TITLE}


def parse(raw: str) -> ParsedQuery:
    query = ParsedQuery(raw=raw)
    for match in _PART.finditer(raw):
        if match["key"] is not None:
            value = match["qvalue"] if match["qvalue"] is not None else match["value"]
            _operator(query, match["key"].lower(), value, quoted=match["qvalue"] is not None)
        elif match["phrase"] is not None:
            _add_text(query, match["phrase"], phrase=True)
        elif match["phone"] is not None:
            _add_phone(query, match["phone"])
        else:
            _add_text(query, match["word"])
    return query


def _add_text(
    query: ParsedQuery, text: str, *, phrase: bool = False, column: Column | None = None
) -> None:
    """Add `text` as one phrase (quoted) or as one prefix term per word."""
    words = tokens(text)
    if not words:
        return
    if phrase:
        query.terms.append(Term((Phrase(tuple(words)),), column))
        return
    for word in words:
        query.terms.append(Term((Phrase((word,), prefix=len(word) >= MIN_PREFIX),), column))


def _operator(query: ParsedQuery, key: str, value: str, *, quoted: bool) -> None:  # noqa: PLR0911 (one branch per operator)
    lowered = value.strip().lower()
    if key in _COLUMNS:
        words = tokens(value)
        # A whole address ("jan@firma.pl") is complete: its last token ("pl") as a prefix
        # would match every word starting with "pl" and make the phrase costly.
        complete = quoted or _ADDRESS.fullmatch(value.strip()) is not None
        if words:
            phrase = Phrase(tuple(words), prefix=not complete and len(words[-1]) >= MIN_PREFIX)
            query.terms.append(Term((phrase,), _COLUMNS[key]))
        return
    if key == "has" and lowered in {"attachment", "attachments", "załącznik", "zalacznik"}:
        query.has_attachment = True
        return
    if key == "is" and lowered in {"open", "closed"}:
        query.status = lowered
        return
    if key == "assignee" and lowered == "me":
        query.assignee_me = True
        return
    if key == "queue" and lowered:
        query.queues.append(value.strip())
        return
    if key == "tag" and lowered:
        query.tags.append(value.strip())
        return
    if key in {"before", "after"}:
        try:
            setattr(query, key, date.fromisoformat(lowered))
        except ValueError:
            query.warnings.append(
                _("“%(value)s” is not a date (use YYYY-MM-DD); %(key)s: was ignored.")
                % {"value": value, "key": key}
            )
        return
    _add_text(query, f"{key} {value}", phrase=quoted)


def phone_forms(raw: str) -> list[str]:
    """Digit strings a phone number may be indexed as: as typed, E.164 and national."""
    digits = re.sub(r"\D", "", raw)
    forms = [digits]
    try:
        number = phonenumbers.parse(raw, settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        return forms
    if phonenumbers.is_possible_number(number):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        forms += [e164.lstrip("+"), phonenumbers.national_significant_number(number)]
    return list(dict.fromkeys(forms))


def _add_phone(query: ParsedQuery, raw: str) -> None:
    """A phone-like run of digits: the digits as typed, or the number in another form."""
    typed = tuple(tokens(raw))
    options = [Phrase(typed)] if len(typed) > 1 else []
    options += [Phrase((form,)) for form in phone_forms(raw)]
    query.terms.append(Term(tuple(dict.fromkeys(options))))
