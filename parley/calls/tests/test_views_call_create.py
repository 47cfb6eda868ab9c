"""Creating a contact or a lead from a call: a mistake goes back where the form was posted
(the calls list with `next=list`, else the call card) with the message."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from parley.calls.models import Call, Triage
from parley.calls.tests.factories import CallFactory
from parley.testing import signed_in

if TYPE_CHECKING:
    from django.test import Client
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

    from parley.accounts.models import Team, User

pytestmark = pytest.mark.django_db

CREATE_VIEWS = ["web:call_create_lead", "web:call_create_contact"]


@pytest.fixture
def bad_number_call(team_a: Team) -> Call:
    """A call whose number the PBX reported in a form no phone field accepts."""
    return CallFactory.create(team=team_a, from_raw="12", from_e164="+4812")


def _create(client: Client, view: str, call: Call, **data: str) -> Response:
    return client.post(reverse(view, args=[call.pk]), data)


def _errors(response: Response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]


@pytest.mark.parametrize("view", CREATE_VIEWS)
def test_a_mistake_posted_from_the_list_goes_back_to_the_list(
    client: Client, bob: User, bad_number_call: Call, view: str
) -> None:
    response = _create(signed_in(client, bob), view, bad_number_call, next="list")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:calls")
    assert _errors(response) == ["“+4812” is not a valid phone number."]
    bad_number_call.refresh_from_db()
    assert bad_number_call.triage == Triage.READY


@pytest.mark.parametrize("view", CREATE_VIEWS)
def test_a_mistake_posted_from_the_card_goes_back_to_the_card(
    client: Client, bob: User, bad_number_call: Call, view: str
) -> None:
    response = _create(signed_in(client, bob), view, bad_number_call)
    assert response["Location"] == reverse("web:call", args=[bad_number_call.pk])
    assert _errors(response) == ["“+4812” is not a valid phone number."]


def test_a_lead_created_from_the_list_opens_its_form(
    client: Client, bob: User, team_a: Team
) -> None:
    call = CallFactory.create(team=team_a)
    response = _create(signed_in(client, bob), "web:call_create_lead", call, next="list")
    call.refresh_from_db()
    assert call.lead is not None
    assert response["Location"] == reverse("web:lead_edit", args=[call.lead.pk])


def test_the_lists_create_button_posts_next_list(
    client: Client, bob: User, bad_number_call: Call
) -> None:
    page = signed_in(client, bob).get(reverse("web:calls")).content.decode()
    action = reverse("web:call_create_lead", args=[bad_number_call.pk])
    form = page[page.index(f'action="{action}"') :].split("</form>", 1)[0]
    assert 'name="next" value="list"' in form
