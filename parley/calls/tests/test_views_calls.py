from __future__ import annotations

import pytest

from parley.calls.models import Call, Direction, Origin, Phase, Triage
from parley.calls.services.calls import CallReport, ignore_call, record_call
from parley.calls.services.setup import call_settings_for, set_outbound_url
from parley.calls.tests.factories import CallFactory
from parley.contacts.services import NewPhone, create_contact
from parley.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_call(team_a):
    return CallFactory.create(team=team_a, from_raw="22 628 12 34", from_e164="+48226281234")


@pytest.fixture
def outsider_call(team_b):
    return CallFactory.create(team=team_b, from_raw="+48 500 000 000")


# List


def test_the_list_shows_ready_calls_of_the_team_by_default(client, bob, ready_call, outsider_call):
    ignored = CallFactory.create(team=ready_call.team, from_raw="+48 33 333 33 33")
    ignore_call(call=ignored, actor=bob, reason="Spam")
    response = signed_in(client, bob).get("/calls/")
    assert response.status_code == 200
    assert "22 628 12 34" in response.text
    assert "+48 500 000 000" not in response.text
    assert "+48 33 333 33 33" not in response.text
    assert response.context["ready_count"] == 1


def test_the_ignored_view_shows_ignored_calls_with_undo(client, bob, ready_call):
    ignore_call(call=ready_call, actor=bob, reason="Wrong number")
    response = signed_in(client, bob).get("/calls/", {"view": "ignored"})
    assert "Wrong number" in response.text
    assert f"/calls/{ready_call.pk}/restore/" in response.text


def test_the_list_filters_by_direction_and_date(client, bob, ready_call):
    client.force_login(bob)
    assert "22 628 12 34" not in client.get("/calls/", {"direction": "out"}).text
    assert "22 628 12 34" not in client.get("/calls/", {"until": "2000-01-01"}).text
    assert "22 628 12 34" in client.get("/calls/", {"view": "all", "direction": "in"}).text


def test_the_list_answers_a_fragment_to_htmx(client, bob, ready_call):
    response = signed_in(client, bob).get("/calls/", headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "22 628 12 34" in response.text


def test_a_reader_sees_the_list_without_actions(client, dave, ready_call):
    response = signed_in(client, dave).get("/calls/")
    assert "22 628 12 34" in response.text
    assert "/ignore/" not in response.text


def test_the_list_needs_a_sign_in(client):
    assert client.get("/calls/").status_code == 302


# Card


def test_the_card_shows_candidates_for_a_shared_number(client, bob, team_a):
    for name in ("Jan", "Ewa"):
        create_contact(team=team_a, fields={"first_name": name}, phones=[NewPhone("601234567")])
    report = CallReport(direction=Direction.INBOUND, from_number="601234567", to_number="100")
    call, _ = record_call(team=team_a, report=report, origin=Origin.API)
    response = signed_in(client, bob).get(f"/calls/{call.pk}/")
    assert "Several contacts have this number" in response.text
    assert "Jan" in response.text
    assert "Ewa" in response.text


def test_an_outsider_gets_404_for_the_card_and_actions(client, charlie, ready_call):
    client.force_login(charlie)
    assert client.get(f"/calls/{ready_call.pk}/").status_code == 404
    assert client.post(f"/calls/{ready_call.pk}/ignore/").status_code == 404


def test_a_reader_sees_the_card_but_may_not_triage(client, dave, ready_call):
    client.force_login(dave)
    assert client.get(f"/calls/{ready_call.pk}/").status_code == 200
    assert client.post(f"/calls/{ready_call.pk}/ignore/").status_code == 403
    assert client.post(f"/calls/{ready_call.pk}/create/").status_code == 403


def test_ignore_with_a_reason_and_undo(client, bob, ready_call):
    client.force_login(bob)
    client.post(f"/calls/{ready_call.pk}/ignore/", {"reason": "Robocall"})
    ready_call.refresh_from_db()
    assert (ready_call.triage, ready_call.ignore_reason) == (Triage.IGNORED, "Robocall")
    client.post(f"/calls/{ready_call.pk}/restore/")
    ready_call.refresh_from_db()
    assert ready_call.triage == Triage.READY


def test_ignoring_from_the_list_returns_to_the_list(client, bob, ready_call):
    response = signed_in(client, bob).post(f"/calls/{ready_call.pk}/ignore/", {"next": "list"})
    assert response["Location"] == "/calls/"


def test_create_makes_a_contact_with_the_number_and_opens_it(client, bob, ready_call):
    response = signed_in(client, bob).post(
        f"/calls/{ready_call.pk}/create/", {"first_name": "Anna", "last_name": "Nowak"}
    )
    ready_call.refresh_from_db()
    contact = ready_call.contact
    assert contact is not None
    assert contact.full_name == "Anna Nowak"
    assert [p.e164 for p in contact.phones.all()] == ["+48226281234"]
    assert response["Location"] == f"/contacts/{contact.pk}/edit/"


def test_the_teammate_finds_and_attaches_another_contact(client, alice, team_a, ready_call):
    ewa = create_contact(team=team_a, fields={"first_name": "Ewa", "last_name": "Zielińska"})
    client.force_login(alice)
    found = client.get(f"/calls/{ready_call.pk}/", {"q": "zieli"}, headers={"HX-Request": "true"})
    assert "Ewa Zielińska" in found.text
    client.post(f"/calls/{ready_call.pk}/link/", {"contact": ewa.pk})
    ready_call.refresh_from_db()
    assert (ready_call.contact, ready_call.triage) == (ewa, Triage.LINKED)


def test_attaching_a_contact_of_another_team_is_404(client, bob, team_b, ready_call):
    other = create_contact(team=team_b, fields={"first_name": "Obcy"})
    response = signed_in(client, bob).post(f"/calls/{ready_call.pk}/link/", {"contact": other.pk})
    assert response.status_code == 404
    ready_call.refresh_from_db()
    assert ready_call.contact is None


def test_detach_returns_the_call_to_ready(client, bob, team_a):
    jan = create_contact(team=team_a, fields={"first_name": "Jan"}, phones=[NewPhone("601234567")])
    report = CallReport(direction=Direction.INBOUND, from_number="601234567", to_number="1")
    call, _ = record_call(team=team_a, report=report, origin=Origin.API)
    assert call.contact_id == jan.pk
    signed_in(client, bob).post(f"/calls/{call.pk}/unlink/")
    fresh = Call.objects.get(pk=call.pk)
    assert (fresh.contact_id, fresh.triage) == (None, Triage.READY)


def test_linking_to_a_conversation_by_number(client, bob, team_a, team_b, ready_call):
    from parley.conversations.models import Conversation

    mine = Conversation.objects.create(team=team_a, number=4321, subject="Offer")
    Conversation.objects.create(team=team_b, number=4322, subject="Theirs")
    client.force_login(bob)
    client.post(f"/calls/{ready_call.pk}/conversation/", {"number": "#4321"})
    ready_call.refresh_from_db()
    assert ready_call.conversation == mine
    client.post(f"/calls/{ready_call.pk}/conversation/", {"number": "4322"})
    ready_call.refresh_from_db()
    assert ready_call.conversation == mine
    client.post(f"/calls/{ready_call.pk}/conversation/", {"number": ""})
    ready_call.refresh_from_db()
    assert ready_call.conversation is None


# Logging a call by hand


def test_an_agent_logs_a_call_by_hand(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/calls/new/",
        {
            "team": team_a.pk,
            "direction": "out",
            "number": "601 234 567",
            "started_at": "2026-03-02T10:00",
            "duration_minutes": 3,
            "result": "answered",
            "note": "Offer sent",
        },
    )
    call = Call.objects.get()
    assert response["Location"] == f"/calls/{call.pk}/"
    assert (call.agent, call.duration, call.origin, call.note) == (bob, 180, "manual", "Offer sent")


def test_a_bad_number_is_shown_on_the_form(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/calls/new/",
        {
            "team": team_a.pk,
            "direction": "in",
            "number": "12",
            "started_at": "2026-03-02T10:00",
            "duration_minutes": 0,
            "result": "missed",
        },
    )
    assert response.status_code == 200
    assert "not a valid phone number" in response.text
    assert not Call.objects.exists()


def test_a_reader_may_not_log_a_call(client, dave):
    assert signed_in(client, dave).get("/calls/new/").status_code == 403


def test_an_agent_may_not_log_into_another_team(client, bob, team_b):
    signed_in(client, bob).post(
        "/calls/new/",
        {
            "team": team_b.pk,
            "direction": "in",
            "number": "601234567",
            "started_at": "2026-03-02T10:00",
            "duration_minutes": 0,
            "result": "missed",
        },
    )
    assert not Call.objects.exists()


# Click-to-call


def test_click_to_call_without_setup_explains_why(client, bob, team_a):
    response = signed_in(client, bob).post(
        "/calls/dial/", {"team": team_a.pk, "number": "601234567"}, follow=True
    )
    assert "Click-to-call is not set up" in response.text


def test_click_to_call_needs_the_agents_extension(client, bob, team_a):
    set_outbound_url(team=team_a, url="https://pbx.example.com/dial")
    response = signed_in(client, bob).post(
        "/calls/dial/", {"team": team_a.pk, "number": "601234567"}, follow=True
    )
    assert "You have no extension" in response.text


def test_click_to_call_in_another_team_is_404(client, charlie, team_a):
    response = signed_in(client, charlie).post("/calls/dial/", {"team": team_a.pk, "number": "1"})
    assert response.status_code == 404


# Live notice


def test_the_live_notice_shows_a_ringing_caller_with_the_contact(client, bob, team_a):
    jan = create_contact(
        team=team_a,
        fields={"first_name": "Jan", "last_name": "Kowalski"},
        phones=[NewPhone("601234567")],
    )
    report = CallReport(
        direction=Direction.INBOUND,
        from_number="601234567",
        to_number="100",
        phase=Phase.RINGING,
        external_id="r1",
    )
    record_call(team=team_a, report=report, origin=Origin.WEBHOOK)
    response = signed_in(client, bob).get("/calls/live")
    assert "Ringing" in response.text
    assert f"/contacts/{jan.pk}/" in response.text


def test_the_live_notice_hides_ended_and_other_teams_calls(client, bob, team_b):
    report = CallReport(
        direction=Direction.INBOUND, from_number="601234567", to_number="1", phase=Phase.RINGING
    )
    record_call(team=team_b, report=report, origin=Origin.API)
    CallFactory.create(team=bob.teams.get())
    response = signed_in(client, bob).get("/calls/live")
    assert response.status_code == 200
    assert 'data-testid="live-call"' not in response.text


def test_the_live_notice_is_only_for_signed_in_users(client):
    assert client.get("/calls/live").status_code == 302


# Settings → Telephony


def test_an_admin_sees_the_webhook_url_and_secret(client, alice, team_a):
    settings = call_settings_for(team_a)
    response = signed_in(client, alice).get("/settings/calls/")
    assert str(settings.webhook_id) in response.text
    assert settings.webhook_secret in response.text


def test_an_agent_and_a_reader_may_not_see_the_secret(client, bob, dave, team_a):
    call_settings_for(team_a)
    assert signed_in(client, bob).get("/settings/calls/").status_code == 403
    assert signed_in(client, dave).get("/settings/calls/").status_code == 403


def test_an_admin_of_another_team_may_not_change_ours(client, team_a, team_b):
    from parley.accounts.models import Role
    from parley.accounts.services import create_user, set_membership

    other_admin = create_user(email="eve@example.com", password="x-long-password-1", name="Eve")
    set_membership(user=other_admin, team=team_b, role=Role.ADMIN)
    response = signed_in(client, other_admin).post(
        f"/settings/calls/{team_a.pk}/", {"action": "rotate"}
    )
    assert response.status_code == 404


def test_the_admin_rotates_the_secret_sets_extensions_and_projects(client, alice, bob, team_a):
    old = call_settings_for(team_a).webhook_secret
    client.force_login(alice)
    client.post(f"/settings/calls/{team_a.pk}/", {"action": "rotate"})
    assert call_settings_for(team_a).webhook_secret != old
    client.post(
        f"/settings/calls/{team_a.pk}/", {"action": "extension", "user": bob.pk, "extension": "101"}
    )
    assert bob.extensions.get().extension == "101"
    client.post(f"/settings/calls/{team_a.pk}/", {"action": "project", "name": "Renewals"})
    client.post(f"/settings/calls/{team_a.pk}/", {"action": "outbound", "outbound_url": "ftp://x"})
    assert call_settings_for(team_a).outbound_url == ""
    response = client.get("/settings/calls/")
    assert "Renewals" in response.text


def test_every_page_polls_the_live_notice(client, bob):
    response = signed_in(client, bob).get("/calls/")
    assert 'hx-get="/calls/live"' in response.text
    assert "every 5s" in response.text


def test_create_from_the_list_makes_a_lead_and_opens_it(client, bob, ready_call):
    response = signed_in(client, bob).post(f"/calls/{ready_call.pk}/lead/", {"name": "Offer"})
    ready_call.refresh_from_db()
    lead = ready_call.lead
    assert lead is not None
    assert (lead.name, lead.phone_e164) == ("Offer", "+48226281234")
    assert response["Location"] == f"/leads/{lead.pk}/edit/"
    assert "Offer" in client.get(f"/calls/{ready_call.pk}/").text


def test_a_reader_may_not_create_a_lead(client, dave, ready_call):
    assert signed_in(client, dave).post(f"/calls/{ready_call.pk}/lead/").status_code == 403
