from __future__ import annotations

import pytest

from parley.accounts.models import Role
from parley.accounts.services import set_membership
from parley.conversations.models import Category, Priority, PrioritySla, Queue, Tag

pytestmark = pytest.mark.django_db

URL = "/settings/inbox/"


def test_an_admin_adds_a_queue_with_a_default_assignee(client, alice, bob, team_a):
    client.force_login(alice)
    data = {"section": "queue", "action": "add", "name": " Billing ", "default_assignee": bob.pk}
    assert client.post(URL, data).status_code == 302
    queue = Queue.objects.get(team=team_a)
    assert (queue.name, queue.default_assignee) == ("Billing", bob)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'value="Billing"' in page.text


def test_an_admin_renames_and_deletes_categories_and_tags(client, alice, team_a):
    client.force_login(alice)
    client.post(URL, {"section": "category", "action": "add", "name": "Complaint"})
    client.post(URL, {"section": "tag", "action": "add", "name": "vip"})
    category, tag = Category.objects.get(team=team_a), Tag.objects.get(team=team_a)
    client.post(URL, {"section": "category", "action": "save", "id": category.pk, "name": "Claim"})
    assert Category.objects.get(pk=category.pk).name == "Claim"
    client.post(URL, {"section": "tag", "action": "delete", "id": tag.pk})
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_a_duplicate_name_is_refused_with_a_message(client, alice, team_a):
    client.force_login(alice)
    client.post(URL, {"section": "tag", "action": "add", "name": "vip"})
    response = client.post(URL, {"section": "tag", "action": "add", "name": "VIP"}, follow=True)
    assert "exists already" in response.text
    assert Tag.objects.filter(team=team_a).count() == 1


def test_a_reader_cannot_be_a_default_assignee(client, alice, dave, team_a):
    client.force_login(alice)
    data = {"section": "queue", "action": "add", "name": "Sales", "default_assignee": dave.pk}
    response = client.post(URL, data, follow=True)
    assert "must be an agent" in response.text
    assert not Queue.objects.exists()


def test_an_admin_sets_and_clears_sla_targets(client, alice, team_a):
    client.force_login(alice)
    data = {"section": "sla", "priority": "urgent", "first_response": "30", "resolution": "240"}
    client.post(URL, data)
    sla = PrioritySla.objects.get(team=team_a, priority=Priority.URGENT)
    assert (sla.first_response_minutes, sla.resolution_minutes) == (30, 240)
    client.post(URL, {"section": "sla", "priority": "urgent", "first_response": ""})
    sla.refresh_from_db()
    assert (sla.first_response_minutes, sla.resolution_minutes) == (None, None)


def test_a_manager_may_configure(client, bob, team_a):
    set_membership(user=bob, team=team_a, role=Role.MANAGER)
    client.force_login(bob)
    assert client.get(URL).status_code == 200


def test_an_agent_is_refused(client, bob, team_a):
    client.force_login(bob)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"section": "tag", "action": "add", "name": "x"}).status_code == 403
    assert not Tag.objects.exists()


def test_a_reader_is_refused(client, dave):
    client.force_login(dave)
    assert client.get(URL).status_code == 403


def test_an_outsider_cannot_open_another_team(client, alice, charlie, team_a, team_b):
    set_membership(user=charlie, team=team_b, role=Role.ADMIN)
    client.force_login(charlie)
    assert client.get(f"{URL}?team={team_a.pk}").status_code == 404
    data = {"section": "tag", "action": "add", "name": "x"}
    assert client.post(f"{URL}?team={team_a.pk}", data).status_code == 404
    assert not Tag.objects.filter(team=team_a).exists()


def test_a_row_of_another_team_is_404(client, alice, team_b):
    theirs = Tag.objects.create(team=team_b, name="theirs")
    client.force_login(alice)
    response = client.post(URL, {"section": "tag", "action": "delete", "id": theirs.pk})
    assert response.status_code == 404
    assert Tag.objects.filter(pk=theirs.pk).exists()


def test_anonymous_is_sent_to_log_in(client):
    assert client.get(URL).status_code == 302
