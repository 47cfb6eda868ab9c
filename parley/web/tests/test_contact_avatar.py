"""The contact avatar: upload, serve only to those who may see the contact, remove."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from parley.contacts.services import create_contact
from parley.contacts.services.avatars import set_contact_avatar
from parley.testing import use_tmp_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


def _png(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan", "last_name": "Kowalski"})


@pytest.fixture
def jan_with_picture(jan, alice):
    return set_contact_avatar(contact=jan, upload=io.BytesIO(_png()), actor=alice)


def _upload(client, user, contact, data: bytes, name: str = "me.png"):
    client.force_login(user)
    return client.post(
        f"/contacts/{contact.pk}/avatar/",
        {"avatar": SimpleUploadedFile(name, data, content_type="image/png")},
        follow=True,
    )


def test_an_agent_uploads_a_picture_shown_on_the_page_and_in_the_list(client, bob, jan):
    response = _upload(client, bob, jan, _png())
    assert "The picture has been saved." in response.text
    jan.refresh_from_db()
    assert jan.avatar
    src = f"/contacts/{jan.pk}/avatar.png?v={jan.avatar_version}"
    assert src in response.text
    assert src in client.get("/contacts/").text


def test_a_file_that_is_not_an_image_is_refused_with_a_message(client, bob, jan):
    response = _upload(client, bob, jan, b"MZ\x90\x00 an executable", name="me.png")
    assert "The file is not an image" in response.text
    jan.refresh_from_db()
    assert jan.avatar == ""


def test_a_reader_may_not_upload(client, dave, jan):
    client.force_login(dave)
    response = client.post(
        f"/contacts/{jan.pk}/avatar/",
        {"avatar": SimpleUploadedFile("me.png", _png(), content_type="image/png")},
    )
    assert response.status_code == 403


def test_an_outsider_may_not_upload(client, charlie, jan):
    client.force_login(charlie)
    response = client.post(
        f"/contacts/{jan.pk}/avatar/",
        {"avatar": SimpleUploadedFile("me.png", _png(), content_type="image/png")},
    )
    assert response.status_code == 404


def test_a_locked_contact_s_picture_is_changed_by_admins_only(client, alice, bob, jan):
    jan.is_locked = True
    jan.save(update_fields=["is_locked"])
    assert _upload(client, bob, jan, _png()).status_code == 403
    assert _upload(client, alice, jan, _png()).status_code == 200


def test_teammates_and_readers_see_the_picture(client, bob, dave, jan_with_picture):
    for user in (bob, dave):
        client.force_login(user)
        response = client.get(f"/contacts/{jan_with_picture.pk}/avatar.png")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"].startswith("private")
        with Image.open(io.BytesIO(response.content)) as image:
            assert image.size == (256, 256)


def test_outsiders_and_anonymous_visitors_do_not_get_the_picture(client, charlie, jan_with_picture):
    response = client.get(f"/contacts/{jan_with_picture.pk}/avatar.png")
    assert response.status_code == 302
    client.force_login(charlie)
    assert client.get(f"/contacts/{jan_with_picture.pk}/avatar.png").status_code == 404


def test_a_contact_without_a_picture_has_none_to_serve(client, bob, jan):
    client.force_login(bob)
    assert client.get(f"/contacts/{jan.pk}/avatar.png").status_code == 404


def test_an_agent_removes_the_picture(client, bob, jan_with_picture):
    client.force_login(bob)
    response = client.post(f"/contacts/{jan_with_picture.pk}/avatar/remove/", follow=True)
    assert "The picture has been removed." in response.text
    jan_with_picture.refresh_from_db()
    assert jan_with_picture.avatar == ""
    assert client.get(f"/contacts/{jan_with_picture.pk}/avatar.png").status_code == 404


def test_a_reader_may_not_remove_the_picture(client, dave, jan_with_picture):
    client.force_login(dave)
    response = client.post(f"/contacts/{jan_with_picture.pk}/avatar/remove/")
    assert response.status_code == 403
