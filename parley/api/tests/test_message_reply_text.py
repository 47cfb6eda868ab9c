from __future__ import annotations

import pytest

from parley.accounts.services import create_api_token
from parley.conversations.tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    _token, plain = create_api_token(user=user, name="test")
    return client.get(url, headers={"Authorization": f"Bearer {plain}"})


@pytest.fixture
def order(team_a):
    conversation = make_conversation(team_a, subject="Order 42")
    # Stored at ingest (here by hand), and one stored before the column existed (null).
    make_message(conversation, text="Thanks!\n\nOn Mon, Jan wrote:\n> Hi", reply_text="Thanks!")
    make_message(conversation, text="Ok.\n-- \nJan Kowalski\nACME")
    return conversation


def test_messages_carry_the_reply_text_stored_or_computed(client, dave, order):
    response = _get(client, dave, f"/api/v1/conversations/{order.pk}/messages")

    assert response.status_code == 200
    assert [m["reply_text"] for m in response.json()] == ["Thanks!", "Ok."]
    assert response.json()[1]["text"] == "Ok.\n-- \nJan Kowalski\nACME"


def test_an_outsider_gets_no_reply_text(client, charlie, order):
    assert _get(client, charlie, f"/api/v1/conversations/{order.pk}/messages").status_code == 404
