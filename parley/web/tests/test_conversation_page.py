from __future__ import annotations

import pytest

from parley.conversations.models import Conversation, ConversationRead, Note, Status
from parley.conversations.services.records import touch_presence
from parley.conversations.tests.factories import make_conversation, make_message
from parley.mail.parsing import sanitize_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(team_a):
    conversation = make_conversation(team_a, "Printer")
    make_message(conversation, text="It broke.\n\nW dniu 1.03.2026 Anna napisał(a):\n> old")
    make_message(conversation, text="Still broken.")
    return Conversation.objects.get(pk=conversation.pk)


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_members_see_the_page_and_it_marks_it_read(client, request, conversation, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    response = client.get(f"/conversations/{conversation.pk}/")

    assert response.status_code == 200
    assert "Show quoted text" in response.text
    assert ConversationRead.objects.filter(user=user, conversation=conversation).exists()
    assert ('data-testid="actions"' in response.text) == (persona != "dave")


def test_an_outsider_gets_404_for_every_action(client, charlie, conversation):
    client.force_login(charlie)
    message = conversation.messages.first()
    posts = ["note", "action", "follow", "merge"]

    for name in posts:
        response = client.post(f"/conversations/{conversation.pk}/{name}/", {"body": "x"})
        assert response.status_code == 404, name
    assert client.post(f"/messages/{message.pk}/split/").status_code == 404
    assert client.get(f"/conversations/{conversation.pk}/presence/").status_code == 404
    assert client.get(f"/conversations/{conversation.pk}/print/").status_code == 404


def test_a_teammate_adds_a_note_and_closes(client, bob, conversation):
    client.force_login(bob)

    client.post(f"/conversations/{conversation.pk}/note/", {"body": "Calling them"})
    client.post(f"/conversations/{conversation.pk}/action/", {"action": "close"})

    assert Note.objects.get(conversation=conversation).body == "Calling them"
    assert Conversation.objects.get(pk=conversation.pk).status == Status.CLOSED
    page = client.get(f"/conversations/{conversation.pk}/")
    assert "Calling them" in page.text


def test_a_reader_cannot_note_or_act(client, dave, conversation):
    client.force_login(dave)

    client.post(f"/conversations/{conversation.pk}/note/", {"body": "x"})
    client.post(f"/conversations/{conversation.pk}/action/", {"action": "close"})

    assert not Note.objects.exists()
    assert Conversation.objects.get(pk=conversation.pk).status == Status.NEW


def test_merge_redirects_the_merged_conversation(client, alice, team_a, conversation):
    other = make_conversation(team_a, "Printer again")
    client.force_login(alice)

    response = client.post(f"/conversations/{other.pk}/merge/", {"number": conversation.number})

    assert response["Location"] == f"/conversations/{conversation.pk}/"
    followed = client.get(f"/conversations/{other.pk}/")
    assert followed.status_code == 302
    assert followed["Location"] == f"/conversations/{conversation.pk}/"


def test_split_opens_the_new_conversation(client, alice, conversation):
    client.force_login(alice)
    second = conversation.messages.order_by("pk").last()

    response = client.post(f"/messages/{second.pk}/split/")

    new = Conversation.objects.exclude(pk=conversation.pk).get()
    assert response["Location"] == f"/conversations/{new.pk}/"


def test_presence_shows_who_else_is_here(client, alice, bob, conversation):
    touch_presence(user=bob, conversation=conversation, replying=True)
    client.force_login(alice)

    response = client.get(f"/conversations/{conversation.pk}/presence/")

    assert "Bob Agent is writing a reply" in response.text


def test_print_lists_chosen_messages_and_attachments_on_request(client, bob, conversation):
    client.force_login(bob)
    first = conversation.messages.order_by("pk").first()

    response = client.get(f"/conversations/{conversation.pk}/print/", {"messages": first.pk})

    assert response.text.count('data-testid="print-message"') == 1


def test_follow_toggles(client, bob, conversation):
    client.force_login(bob)

    client.post(f"/conversations/{conversation.pk}/follow/", {"follow": "1"})

    assert conversation.followers.filter(pk=bob.pk).exists()


GMAIL_REPLY = (
    '<div dir="ltr">Thanks, the new invoice is correct.<div>Anna</div></div><br>'
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 2 Mar 2026 at 10:00, '
    "Jan &lt;jan@example.pl&gt; wrote:<br></div>"
    '<blockquote class="gmail_quote">Please find the corrected invoice attached.'
    '<img src="https://tracker.example/q.png"></blockquote></div>'
)


@pytest.fixture
def html_reply(team_a):
    conversation = make_conversation(team_a, "Invoice")
    return make_message(
        conversation,
        text="Thanks, the new invoice is correct.\nAnna\n\nOn Mon, 2 Mar 2026 Jan wrote:\n> Please",
        html=sanitize_html(GMAIL_REPLY),
    )


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_an_html_reply_folds_its_quote_and_keeps_the_original_one_click_away(
    client, request, html_reply, persona
):
    client.force_login(request.getfixturevalue(persona))

    page = client.get(f"/conversations/{html_reply.conversation_id}/").text

    shown = _between(page, 'data-testid="message-html">', "</div>\n")
    folded = _between(page, 'data-testid="quoted-html">', "</details>")
    assert "Thanks, the new invoice is correct." in shown
    assert "corrected invoice" not in shown
    assert "<summary>Show quoted text</summary>" in folded
    assert "On Mon, 2 Mar 2026 at 10:00, Jan &lt;jan@example.pl&gt; wrote:" in folded
    assert "Please find the corrected invoice attached." in folded


def test_the_folded_html_keeps_remote_images_blocked_until_asked(client, bob, html_reply):
    client.force_login(bob)
    url = f"/conversations/{html_reply.conversation_id}/"

    blocked = client.get(url).text
    shown = client.get(f"{url}?images={html_reply.pk}").text

    folded = _between(blocked, 'data-testid="quoted-html">', "</details>")
    assert 'data-remote-src="https://tracker.example/q.png"' in folded
    assert 'src="https://tracker.example/q.png"' not in blocked.replace("data-remote-src", "")
    assert 'src="https://tracker.example/q.png"' in _between(
        shown, 'data-testid="quoted-html">', "</details>"
    )


def test_an_outsider_cannot_open_the_html_reply(client, charlie, html_reply):
    client.force_login(charlie)

    assert client.get(f"/conversations/{html_reply.conversation_id}/").status_code == 404


def test_a_forwarded_html_message_is_shown_whole(client, bob, team_a):
    conversation = make_conversation(team_a, "Fwd: lamp")
    html = sanitize_html(
        "<div>See below.<br><br>---------- Forwarded message ---------<br>From: C &lt;c@x.pl&gt;"
        "<br>Date: Thu, 5 Mar 2026<br>Subject: Lamp<br><br>The lamp arrived broken.</div>"
    )
    make_message(conversation, text="See below.", html=html)
    client.force_login(bob)

    page = client.get(f"/conversations/{conversation.pk}/").text

    assert "The lamp arrived broken." in _between(page, 'data-testid="message-html">', "</div>\n")
    assert 'data-testid="quoted-html"' not in page
