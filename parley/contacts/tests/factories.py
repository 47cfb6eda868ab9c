from __future__ import annotations

import factory

from parley.accounts.tests.factories import TeamFactory
from parley.contacts.models import Contact, Organization, Stage


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Firma {n} sp. z o.o.")


class ContactFactory(factory.django.DjangoModelFactory):
    """A bare contact; add addresses and numbers with the services."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    first_name = factory.Sequence(lambda n: f"Jan{n}")
    last_name = "Kowalski"
    stage = Stage.LEAD
