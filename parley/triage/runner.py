"""The triage catch-up pass: decide every new inbound message, by a high-water mark.

Mail ingest is not hooked (it is the mail app's write path and must stay fast); instead,
like the search indexer, each pass reads messages above `TriageMark.last_pk` in id order and
calls `services.triage_message` for each, in batches, advancing the mark in the same
transaction. PostgreSQL hands out ids before commit, so a message may appear below the mark
later: each pass also looks back LATE_PK_WINDOW ids for messages without a triage row.
`parley triage --loop` runs a pass every few seconds in the worker.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from parley.mail.models import Direction, Message
from parley.triage.models import AssistantMailbox, EmailTriage, TriageMark
from parley.triage.services import triage_message

logger = logging.getLogger(__name__)

BATCH = 200
LATE_PK_WINDOW = 500
MARK = "email"


def _batch(pks: list[int], assistant_ids: set[int]) -> int:
    messages = Message.objects.filter(pk__in=pks).select_related("conversation", "mailbox")
    done = 0
    for message in messages.order_by("pk"):
        try:
            with transaction.atomic():
                row = triage_message(message=message, assistant_ids=assistant_ids)
        except Exception:
            # One bad message must not stop triage for all later ones: it waits as Ready.
            logger.exception("Triage of message %s failed; it stays Ready", message.pk)
            if message.direction == Direction.INBOUND:
                EmailTriage.objects.get_or_create(
                    message=message, defaults={"team_id": message.conversation.team_id}
                )
            row = None
        done += row is not None
    return done


def catch_up() -> int:
    """One pass; returns how many messages got a triage decision."""
    mark, _created = TriageMark.objects.get_or_create(name=MARK)
    assistant_ids = set(AssistantMailbox.objects.values_list("mailbox_id", flat=True))
    # Sent mail is looked at once (for record codes); only inbound mail is looked for late.
    inbound = Message.objects.filter(direction=Direction.INBOUND, deleted_at__isnull=True)
    late = list(
        inbound.filter(
            pk__gt=mark.last_pk - LATE_PK_WINDOW, pk__lte=mark.last_pk, triage__isnull=True
        ).values_list("pk", flat=True)
    )
    done = 0
    if late:
        with transaction.atomic():
            done += _batch(late, assistant_ids)
    while pks := list(
        Message.objects.filter(pk__gt=mark.last_pk)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    ):
        with transaction.atomic():
            done += _batch(pks, assistant_ids)
            mark.last_pk = pks[-1]
            mark.updated_at = timezone.now()
            mark.save(update_fields=["last_pk", "updated_at"])
    return done
