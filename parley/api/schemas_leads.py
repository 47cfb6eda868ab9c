"""Request and response schemas of the leads, timeline and lists API."""

from datetime import datetime
from typing import Self

from ninja import Schema
from pydantic import Field

from parley.contacts.models import Activity, ActivityKind, FieldTarget, FieldType
from parley.contacts.timeline import activity_text, parse_changes, shown_change


class LeadOut(Schema):
    id: int
    code: str
    team_id: int
    name: str
    contact_name: str
    email: str
    phone: str
    phone_e164: str
    company: str
    salesperson_id: int | None
    status: str
    source: str
    description: str
    next_step: str
    converted_to_id: int | None
    converted_at: datetime | None
    is_locked: bool
    created_at: datetime
    updated_at: datetime


class LeadIn(Schema):
    team_id: int | None = Field(
        None, description="Needed only when the user can write in several teams."
    )
    name: str = Field(min_length=1, max_length=200, description="What the enquiry is about.")
    contact_name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=50, description="As typed; stored in E.164 as well.")
    company: str = Field("", max_length=200)
    salesperson_id: int | None = None
    status: str = Field("", max_length=100, description="A key of the team's lead statuses.")
    source: str = Field("", max_length=100)
    description: str = ""
    next_step: str = Field("", max_length=500)


class LeadPatch(Schema):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=200)
    contact_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=50)
    company: str | None = Field(None, max_length=200)
    salesperson_id: int | None = Field(None, description="Send null to unassign.")
    status: str | None = Field(None, max_length=100)
    source: str | None = Field(None, max_length=100)
    description: str | None = None
    next_step: str | None = Field(None, max_length=500)


class ConvertIn(Schema):
    organization_id: int | None = Field(
        None, description="Else the organization named like the company (created if missing)."
    )


class ConvertOut(Schema):
    contact_id: int
    lead: LeadOut


class ChangeOut(Schema):
    field: str
    old: str
    new: str


class ActivityOut(Schema):
    id: int
    kind: ActivityKind
    occurred_at: datetime
    text: str
    actor_id: int | None
    contact_id: int | None
    organization_id: int | None
    lead_id: int | None
    changes: list[ChangeOut]

    @classmethod
    def of(cls, activity: Activity) -> Self:
        return cls(
            id=activity.pk,
            kind=ActivityKind(activity.kind),
            occurred_at=activity.occurred_at,
            text=activity_text(activity),
            actor_id=activity.actor_id,
            contact_id=activity.contact_id,
            organization_id=activity.organization_id,
            lead_id=activity.lead_id,
            changes=[
                ChangeOut(**shown_change(change).model_dump()) for change in parse_changes(activity)
            ],
        )


class EventIn(Schema):
    kind: ActivityKind
    text: str = Field(min_length=1, max_length=20_000)
    occurred_at: datetime | None = Field(None, description="With a time zone; empty is now.")


class TimelineEntryOut(Schema):
    kind: str
    at: datetime
    text: str
    activity: ActivityOut | None
    message_id: int | None = Field(None, description="A Parley message (e-mail) id.")
    conversation_id: int | None = None
    url: str = Field("", description="The page of a linked e-mail, call, meeting or conversation.")


class TimelineOut(Schema):
    entries: list[TimelineEntryOut]
    next_before: datetime | None = Field(None, description="Pass as `before` for older ones.")


class ChoiceOut(Schema):
    key: str
    label: str
    is_active: bool


class LeadQuery(Schema):
    q: str = Field("", description="Enquiry, person, e-mail, company or any spelling of a number.")
    status: str = ""
    salesperson: int | None = None
    mine: bool = False
    only_open: bool = False
    source: str = ""
    company: str = Field("", description="Contained text.")
    locked: bool | None = None


class TimelineQuery(Schema):
    kind: list[ActivityKind] = Field([], description="Keep only these kinds (repeatable).")
    before: datetime | None = Field(None, description="The `next_before` of the last page.")


class CustomFieldOut(Schema):
    id: int
    team_id: int
    target: FieldTarget
    key: str
    label: str
    field_type: FieldType
    options: list[str]
    required: bool
    is_active: bool


class CustomFieldIn(Schema):
    target: FieldTarget
    label: str = Field(min_length=1, max_length=100)
    field_type: FieldType
    options: list[str] = Field([], description="For choice and multi_choice fields.")
    required: bool = False
    key: str = Field("", max_length=50, description="Else derived from the label.")


class CustomFieldPatch(Schema):
    label: str | None = Field(None, min_length=1, max_length=100)
    options: list[str] | None = None
    required: bool | None = None
    is_active: bool | None = None
