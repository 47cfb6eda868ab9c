"""Canned responses: sandboxed variables, unknown names reported (issue 5 part 2)."""

from __future__ import annotations

import pytest

from parley.compose.exceptions import TemplateVariableError
from parley.compose.models import ResponseTemplate
from parley.compose.rendering import render
from parley.compose.services.templates import create_template, fill_template
from parley.contacts.models import Contact
from parley.conversations.services import create_conversation

pytestmark = pytest.mark.django_db


def test_known_variables_are_filled_and_escaped():
    rendered = render(
        "<p>Dear {{ contact.first_name }}, {{agent.name}}</p>",
        {"contact.first_name": "<Jan>", "agent.name": "Bob"},
    )

    assert rendered.text == "<p>Dear &lt;Jan&gt;, Bob</p>"
    assert rendered.unknown == []


@pytest.mark.parametrize(
    "source",
    [
        "{{ contact.__class__ }}",
        "{{ settings.SECRET_KEY }}",
        "{{ agent.name|upper }}",
        "{{ ''.__class__.__mro__ }}",
    ],
)
def test_anything_else_is_reported_and_left_as_written(source):
    rendered = render(source, {"agent.name": "Bob"})

    assert rendered.text == source
    assert len(rendered.unknown) == 1


def test_a_template_with_unknown_variables_is_refused(team_a):
    with pytest.raises(TemplateVariableError) as caught:
        create_template(
            team=team_a, owner=None, name="Hi", subject="", body_html="{{ contact.shoe_size }}"
        )

    assert caught.value.unknown == ["contact.shoe_size"]


def test_a_template_is_filled_for_a_conversation(team_a, bob):
    contact = Contact.objects.create(team=team_a, first_name="Jan", last_name="Kowalski")
    conversation = create_conversation(team=team_a, subject="Invoice")
    conversation.contact = contact
    template = create_template(
        team=team_a,
        owner=None,
        name="Thanks",
        subject="About #{{ ticket.number }}",
        body_html="<p>Dear {{ contact.first_name }}, regards, {{ agent.name }}</p>",
    )

    filled = fill_template(template=template, agent=bob, conversation=conversation, mailbox=None)

    assert filled.subject == f"About #{conversation.number}"
    assert filled.body_html == "<p>Dear Jan, regards, Bob Agent</p>"
    assert filled.unknown == []


def test_personal_templates_are_only_their_owners(team_a, alice, bob, dave, charlie):
    shared = create_template(team=team_a, owner=None, name="Shared", subject="", body_html="x")
    mine = create_template(team=team_a, owner=bob, name="Mine", subject="", body_html="y")

    assert set(ResponseTemplate.objects.usable_by(bob)) == {shared, mine}
    assert set(ResponseTemplate.objects.usable_by(alice)) == {shared}
    assert set(ResponseTemplate.objects.usable_by(dave)) == {shared}
    assert set(ResponseTemplate.objects.usable_by(charlie)) == set()
