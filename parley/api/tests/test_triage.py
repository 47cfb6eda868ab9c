from __future__ import annotations

import pytest

from parley.accounts.services import create_api_token
from parley.contacts.models import Lead
from parley.contacts.services import create_contact
from parley.mail.tests.support import make_mailbox, use_tmp_storage
from parley.triage.models import EmailTriage, Rule, State
from parley.triage.tests.support import email, receive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


@pytest.fixture
def ready(team_a) -> EmailTriage:
    """An e-mail from an unknown sender, waiting in team A's Ready list."""
    row = receive(make_mailbox(team_a), email(sender="Ewa Nowa <ewa@nowa.pl>", subject="Oferta"))
    assert row.state == State.READY
    return row


def _call(client, method, url, user=None, body=None):
    kwargs: dict = {}
    if user is not None:
        _token, plain = create_api_token(user=user, name="test")
        kwargs["headers"] = {"Authorization": f"Bearer {plain}"}
    if method == "post":
        kwargs |= {"data": body or {}, "content_type": "application/json"}
    return getattr(client, method)(url, **kwargs)


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/triage/emails"),
        ("get", "/api/v1/triage/emails/1"),
        ("post", "/api/v1/triage/emails/1/ignore"),
        ("post", "/api/v1/triage/emails/1/attach"),
        ("post", "/api/v1/triage/emails/1/create-lead"),
        ("post", "/api/v1/triage/emails/1/undo"),
    ],
)
def test_every_endpoint_needs_a_token(client, method, url):
    assert _call(client, method, url).status_code == 401


def test_an_agent_lists_ready_mail_with_its_essentials(client, bob, ready):
    body = _call(client, "get", "/api/v1/triage/emails", bob).json()

    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["state"], item["subject"], item["from_address"]) == (
        ready.pk,
        "ready",
        "Oferta",
        "ewa@nowa.pl",
    )
    assert (item["source"], item["conversation_id"]) == ("inbox", ready.message.conversation_id)


def test_it_ignores_lists_as_ignored_and_undoes(client, bob, ready):
    url = f"/api/v1/triage/emails/{ready.pk}"
    ignored = _call(client, "post", f"{url}/ignore", bob, {"reason": "Spam"}).json()
    assert (ignored["state"], ignored["reason"], ignored["rule"]) == ("ignored", "Spam", "manual")
    listed = _call(client, "get", "/api/v1/triage/emails?state=ignored", bob).json()
    assert [item["id"] for item in listed["items"]] == [ready.pk]
    assert _call(client, "get", "/api/v1/triage/emails", bob).json()["count"] == 0

    undone = _call(client, "post", f"{url}/undo", bob).json()

    assert undone["state"] == "ready"
    assert _call(client, "post", f"{url}/undo", bob).status_code == 422


def test_it_attaches_to_a_contact_and_undo_detaches(client, bob, team_a, ready):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, emails=["ewa@nowa.pl"])
    url = f"/api/v1/triage/emails/{ready.pk}"

    linked = _call(client, "post", f"{url}/attach", bob, {"contact_id": ewa.pk}).json()

    assert (linked["state"], linked["contact_id"]) == ("linked", ewa.pk)
    ready.message.conversation.refresh_from_db()
    assert ready.message.conversation.contact_id == ewa.pk
    listed = _call(client, "get", "/api/v1/triage/emails?state=linked", bob).json()
    assert [item["id"] for item in listed["items"]] == [ready.pk]
    undone = _call(client, "post", f"{url}/undo", bob).json()
    assert (undone["state"], undone["contact_id"]) == ("ready", None)


def test_it_creates_a_lead_from_the_mail(client, bob, ready):
    url = f"/api/v1/triage/emails/{ready.pk}/create-lead"

    body = _call(client, "post", url, bob, {"name": "Meble Nowa"}).json()

    lead = Lead.objects.get(pk=body["lead_id"])
    assert (lead.name, lead.email, lead.salesperson) == ("Meble Nowa", "ewa@nowa.pl", bob)
    assert (body["state"], body["rule"]) == ("linked", Rule.MANUAL)


def test_attach_needs_exactly_one_record(client, bob, ready):
    url = f"/api/v1/triage/emails/{ready.pk}/attach"
    assert _call(client, "post", url, bob, {}).status_code == 422
    assert _call(client, "post", url, bob, {"contact_id": 1, "lead_id": 1}).status_code == 422


def test_it_will_not_attach_to_another_teams_record(client, bob, team_b, ready):
    other = create_contact(team=team_b, fields={"first_name": "Obcy"}, emails=["x@b.pl"])
    url = f"/api/v1/triage/emails/{ready.pk}/attach"

    assert _call(client, "post", url, bob, {"contact_id": other.pk}).status_code == 404
    ready.refresh_from_db()
    assert ready.state == State.READY


@pytest.mark.parametrize(
    ("method", "action"),
    [("get", ""), ("post", "/ignore"), ("post", "/create-lead"), ("post", "/undo")],
)
def test_an_outsider_gets_404(client, charlie, ready, method, action):
    url = f"/api/v1/triage/emails/{ready.pk}{action}"
    assert _call(client, method, url, charlie).status_code == 404
    assert _call(client, "get", "/api/v1/triage/emails", charlie).json()["count"] == 0


@pytest.mark.parametrize("action", ["/ignore", "/create-lead", "/undo"])
def test_a_reader_reads_but_gets_403_on_decisions(client, dave, ready, action):
    url = f"/api/v1/triage/emails/{ready.pk}"
    assert _call(client, "get", url, dave).json()["id"] == ready.pk
    assert _call(client, "get", "/api/v1/triage/emails", dave).json()["count"] == 1

    assert _call(client, "post", f"{url}{action}", dave).status_code == 403
    ready.refresh_from_db()
    assert ready.state == State.READY


def test_a_reader_cannot_attach(client, dave, team_a, ready):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa"}, emails=["ewa@nowa.pl"])
    url = f"/api/v1/triage/emails/{ready.pk}/attach"
    assert _call(client, "post", url, dave, {"contact_id": ewa.pk}).status_code == 403
