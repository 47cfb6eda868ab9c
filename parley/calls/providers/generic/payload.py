"""The JSON body of the generic PBX webhook (documented in docs/integrations/calls.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from parley.calls.models import Direction, Phase, Result
from parley.calls.services.calls import CallReport

EVENT_PHASES = {"ringing": Phase.RINGING, "answered": Phase.ACTIVE, "ended": Phase.ENDED}


class WebhookCall(BaseModel):
    """One event about one call; several events with the same `call_id` update one record."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    call_id: str = Field(min_length=1, max_length=200)
    event: Literal["ringing", "answered", "ended"] = "ended"
    direction: Direction
    from_number: str = Field(default="", max_length=64)
    to_number: str = Field(default="", max_length=64)
    started_at: datetime | None = None
    duration: int = Field(default=0, ge=0, le=7 * 86400)
    result: Result | None = None
    recording_url: str = Field(default="", max_length=1000, pattern=r"^(https?://.*)?$")
    agent: str = Field(default="", max_length=254)

    @field_validator("result", mode="before")
    @classmethod
    def _blank_is_unknown(cls, value: object) -> object:
        # Shell helpers pass "" for a result they do not know yet.
        return None if value == "" else value

    def report(self) -> CallReport:
        return CallReport(
            direction=self.direction,
            from_number=self.from_number,
            to_number=self.to_number,
            started_at=self.started_at,
            duration=self.duration,
            result=self.result,
            phase=EVENT_PHASES[self.event],
            recording_url=self.recording_url,
            agent=self.agent,
            external_id=self.call_id,
        )
