"""The contact page's header actions and tabs: e-mail (asking for an address first),
call logging, SMS/fax/note through the timeline form, tag, meeting."""

from __future__ import annotations

import pytest

from parley.compose.models import OutgoingMessage
from parley.contacts.models import Activity, ActivityKind, ContactEmail
from parley.contacts.services import NewPhone, create_contact
from parley.mail.tests.support import make_mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def jan(team_a):
    return create_contact(
        team=team_a,
        fields={"first_name": "Jan"},
        emails=["jan@example.pl"],
        phones=[NewPhone("601 234 567")],
    )


@pytest.fixture
def nameless(team_a):
    return create_contact(team=team_a, fields={"first_name": "Ewa"})


def test_the_page_offers_every_header_action_and_tab(client, bob, jan):
    client.force_login(bob)
    page = client.get(f"/contacts/{jan.pk}/").text
    assert f'action="/contacts/{jan.pk}/write/"' in page
    assert 'href="tel:+48601234567"' in page
    assert f'data-log-call="/contacts/{jan.pk}/log-call/"' in page
    for kind in ("sms", "fax", "note"):
        assert f'href="?log={kind}#log-event"' in page
    assert f"/meetings/new/?contact={jan.pk}" in page
    assert f'action="/contacts/{jan.pk}/tag/"' in page
    for anchor in ("#timeline", "#conversations", "#calls", "#meetings", "#details"):
        assert f'href="{anchor}"' in page


def test_readers_get_no_actions(client, dave, jan):
    client.force_login(dave)
    page = client.get(f"/contacts/{jan.pk}/").text
    assert 'data-testid="contact-actions"' not in page
    assert 'href="#conversations"' in page


@pytest.fixture
def mailbox(team_a):
    return make_mailbox(team_a)


def _draft_to(response):
    """The recipients of the draft the composer was opened on."""
    assert response.status_code == 302
    outgoing_id = int(response["Location"].strip("/").split("/")[-1])
    return OutgoingMessage.objects.get(pk=outgoing_id).to


def test_e_mail_opens_the_composer_to_the_primary_address(client, bob, jan, mailbox):
    client.force_login(bob)
    response = client.post(f"/contacts/{jan.pk}/write/")
    assert response["Location"].startswith("/compose/")
    assert _draft_to(response) == ["jan@example.pl"]


def test_without_a_mailbox_it_explains_why_it_cannot_write(client, bob, jan):
    client.force_login(bob)
    response = client.post(f"/contacts/{jan.pk}/write/")
    assert response.status_code == 403


def test_without_an_address_it_asks_then_stores_it_as_primary(client, bob, nameless, mailbox):
    client.force_login(bob)
    page = client.get(f"/contacts/{nameless.pk}/").text
    assert "The contact has no address yet" in page
    response = client.post(f"/contacts/{nameless.pk}/write/", {"address": "Ewa@Example.PL"})
    assert _draft_to(response) == ["ewa@example.pl"]
    stored = ContactEmail.objects.get(contact=nameless)
    assert stored.address == "ewa@example.pl"
    assert stored.is_primary


def test_a_bad_address_is_refused_and_not_stored(client, bob, nameless):
    client.force_login(bob)
    response = client.post(
        f"/contacts/{nameless.pk}/write/", {"address": "not an address"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/contacts/{nameless.pk}/"
    assert not ContactEmail.objects.filter(contact=nameless).exists()


def test_an_address_of_another_contact_is_refused(client, bob, jan, nameless):
    client.force_login(bob)
    client.post(f"/contacts/{nameless.pk}/write/", {"address": "jan@example.pl"})
    assert not ContactEmail.objects.filter(contact=nameless).exists()


def test_no_address_at_all_is_a_message(client, bob, nameless):
    client.force_login(bob)
    response = client.post(f"/contacts/{nameless.pk}/write/", follow=True)
    assert "Type the address to write to." in response.text


def test_following_the_call_link_logs_the_call(client, bob, jan):
    client.force_login(bob)
    phone = jan.phones.get()
    response = client.post(f"/contacts/{jan.pk}/log-call/", {"phone": phone.pk})
    assert response.status_code == 204
    activity = Activity.objects.get(contact=jan, kind=ActivityKind.CALL)
    assert activity.text == "Outgoing call to 601 234 567"
    assert activity.actor == bob


def test_a_call_to_another_contacts_number_is_404(client, bob, jan, nameless):
    client.force_login(bob)
    response = client.post(f"/contacts/{nameless.pk}/log-call/", {"phone": jan.phones.get().pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("user", "status"), [("dave", 403), ("charlie", 404)], ids=["reader", "outsider"]
)
def test_readers_and_outsiders_cannot_act(client, request, jan, user, status):
    client.force_login(request.getfixturevalue(user))
    phone = jan.phones.get()
    assert client.post(f"/contacts/{jan.pk}/log-call/", {"phone": phone.pk}).status_code == status
    assert client.post(f"/contacts/{jan.pk}/write/").status_code == status
    assert client.post(f"/contacts/{jan.pk}/tag/", {"name": "x"}).status_code == status
    assert not Activity.objects.filter(kind=ActivityKind.CALL).exists()
    assert not jan.tags.exists()


def test_sms_opens_the_log_form_with_sms_chosen(client, bob, jan):
    client.force_login(bob)
    page = client.get(f"/contacts/{jan.pk}/", {"log": "sms"}).text
    assert '<details id="log-event" open>' in page
    assert '<option value="sms" selected>' in page


def test_an_unknown_log_kind_is_ignored(client, bob, jan):
    client.force_login(bob)
    page = client.get(f"/contacts/{jan.pk}/", {"log": "field_change"}).text
    assert '<details id="log-event">' in page


def test_tag_adds_a_tag(client, bob, jan):
    client.force_login(bob)
    response = client.post(f"/contacts/{jan.pk}/tag/", {"name": "VIP"}, follow=True)
    assert "Tagged VIP." in response.text
    assert [t.name for t in jan.tags.all()] == ["VIP"]


def test_meeting_opens_the_meeting_form_for_the_contact(client, bob, jan):
    client.force_login(bob)
    response = client.get(f"/meetings/new/?contact={jan.pk}")
    assert response.status_code == 200
    assert 'value="601 234 567"' in response.text
