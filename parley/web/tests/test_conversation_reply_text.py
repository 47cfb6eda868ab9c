from __future__ import annotations

import pytest

from parley.conversations.tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(team_a):
    conversation = make_conversation(team_a, "Invoice")
    # The stored reply text decides what is folded, even where the rules today would not
    # find a quote: the text was split at ingest.
    make_message(conversation, text="Paid today.\nJan\nACME Ltd", reply_text="Paid today.\nJan")
    return conversation


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_the_page_shows_the_stored_reply_text_and_folds_the_rest(
    client, request, conversation, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(f"/conversations/{conversation.pk}/")

    assert response.status_code == 200
    assert '<pre class="message-text" data-testid="message-text">Paid today.\nJan</pre>' in (
        response.text
    )
    assert "Show quoted text" in response.text
    assert '<pre class="message-text">ACME Ltd</pre>' in response.text


def test_an_outsider_gets_404(client, charlie, conversation):
    client.force_login(charlie)

    assert client.get(f"/conversations/{conversation.pk}/").status_code == 404
