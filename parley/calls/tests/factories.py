from __future__ import annotations

import factory
from django.utils import timezone

from parley.accounts.tests.factories import TeamFactory
from parley.calls.models import Call, Direction, Origin, Phase, Result


class CallFactory(factory.django.DjangoModelFactory[Call]):
    """A bare, unmatched inbound call; calls that workflows produce come from the services."""

    class Meta:
        model = Call
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    direction = Direction.INBOUND
    from_raw = "+48 601 234 567"
    from_e164 = "+48601234567"
    to_raw = "100"
    started_at = factory.LazyFunction(timezone.now)
    duration = 42
    result = Result.ANSWERED
    phase = Phase.ENDED
    origin = Origin.API
    external_id = factory.Sequence(lambda n: f"pbx-{n}")
