"""Request and response schemas of the calls API."""

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from parley.calls.models import Call, Direction, Origin, Phase, Result, Triage


class CallIn(Schema):
    team: int | None = Field(
        default=None, description="Team id; optional when you can write in one team only."
    )
    external_id: str = Field(
        default="",
        max_length=200,
        description="The PBX's call id. Sending it again returns the stored call (HTTP 200).",
    )
    event: Literal["ringing", "answered", "ended"] = "ended"
    direction: Direction
    from_number: str = Field(default="", max_length=64)
    to_number: str = Field(default="", max_length=64)
    started_at: datetime | None = None
    duration: int = Field(default=0, ge=0, le=7 * 86400, description="Seconds.")
    result: Result | None = None
    recording_url: str = Field(default="", max_length=1000, pattern=r"^(https?://.*)?$")
    agent: str = Field(default="", max_length=254, description="Extension or e-mail address.")


class CallConversationIn(Schema):
    conversation_id: int = Field(description="A conversation of the call's team.")


class CallQuery(Schema):
    """Filters of `GET /calls`; `since`/`until` bound `started_at`."""

    direction: Direction | None = None
    result: Result | None = None
    triage: Triage | None = None
    phase: Phase | None = None
    agent: int | None = Field(default=None, description="User id of the agent.")
    contact: int | None = None
    since: datetime | None = None
    until: datetime | None = None


class CallOut(Schema):
    id: int
    team_id: int
    external_id: str
    direction: Direction
    from_number: str = Field(validation_alias="from_raw")
    from_e164: str
    to_number: str = Field(validation_alias="to_raw")
    to_e164: str
    started_at: datetime
    duration: int
    result: Result | Literal[""]
    phase: Phase
    recording_url: str
    agent_id: int | None
    agent_ref: str
    origin: Origin
    triage: Triage
    ignore_reason: str
    contact_id: int | None
    lead_id: int | None
    conversation_id: int | None
    candidate_ids: list[int] = Field(description="Contacts sharing the number, to choose from.")
    lead_candidate_ids: list[int] = Field(
        description="Open leads sharing the number when no contact has it, to choose from."
    )
    created_at: datetime

    @staticmethod
    def resolve_candidate_ids(obj: Call) -> list[int]:
        return [contact.pk for contact in obj.candidates.all()]

    @staticmethod
    def resolve_lead_candidate_ids(obj: Call) -> list[int]:
        return [lead.pk for lead in obj.lead_candidates.all()]
