"""Background work of the conversations app: waking snoozed conversations.

`wake_snoozed` is enqueued on commit by `snooze_conversations` to run at the snooze end.
It re-checks the row (compare-and-swap on `snoozed_until`), so it is safe to run twice or
after the agent re-snoozed to a later time; `wake_due_snoozed` sweeps up anything a lost
task left behind.
"""

from __future__ import annotations

from django.tasks import task


@task()
def wake_snoozed(*, conversation_id: int) -> bool:
    from parley.conversations.services.workflow import wake_conversation

    return wake_conversation(conversation_id=conversation_id)


@task()
def wake_all_due() -> int:
    from parley.conversations.services.workflow import wake_due_snoozed

    return wake_due_snoozed()
