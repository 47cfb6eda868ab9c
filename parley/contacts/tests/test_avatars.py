"""Avatar images: validation, resizing, storage, GDPR export and erase."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import storages
from PIL import Image

from parley.contacts import gdpr
from parley.contacts.avatars import MAX_BYTES, SIZE, InvalidImageError, process_avatar
from parley.contacts.models import Activity, Contact
from parley.contacts.services import create_contact, delete_contact
from parley.contacts.services.avatars import (
    read_avatar,
    remove_contact_avatar,
    set_contact_avatar,
)
from parley.contacts.services.gdpr import erase_contact
from parley.contacts.timeline import Entry
from parley.testing import use_tmp_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    use_tmp_storage(settings, tmp_path)


def image_bytes(width: int, height: int, fmt: str = "PNG", color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def jan(team_a):
    return create_contact(team=team_a, fields={"first_name": "Jan"}, emails=["jan@example.pl"])


def test_it_crops_a_wide_image_to_a_square_of_the_avatar_size():
    png = process_avatar(io.BytesIO(image_bytes(800, 400, "JPEG")))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (SIZE, SIZE)


def test_it_enlarges_a_tiny_image_to_the_avatar_size():
    png = process_avatar(io.BytesIO(image_bytes(10, 30, "GIF")))
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (SIZE, SIZE)


def test_it_rejects_a_file_that_is_not_an_image():
    with pytest.raises(InvalidImageError, match="not an image"):
        process_avatar(io.BytesIO(b"%PDF-1.7 not a picture at all"))


def test_it_rejects_an_empty_file():
    with pytest.raises(InvalidImageError, match="empty"):
        process_avatar(io.BytesIO(b""))


def test_it_rejects_a_truncated_image():
    data = image_bytes(300, 300, "PNG")
    with pytest.raises(InvalidImageError, match="not an image"):
        process_avatar(io.BytesIO(data[: len(data) // 2]))


def test_it_rejects_a_file_over_five_megabytes():
    with pytest.raises(InvalidImageError, match="5 MB"):
        process_avatar(io.BytesIO(b"\x89PNG" + b"0" * MAX_BYTES))


def test_it_rejects_a_decompression_bomb_before_decoding_it():
    # A 1-bit 8000x8000 PNG compresses to kilobytes but is 64 megapixels (256 MB as RGBA).
    out = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(out, format="PNG")
    assert len(out.getvalue()) < MAX_BYTES
    with pytest.raises(InvalidImageError, match="too many pixels"):
        process_avatar(io.BytesIO(out.getvalue()))


def test_it_rejects_formats_other_than_the_web_ones():
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, format="BMP")
    with pytest.raises(InvalidImageError):
        process_avatar(io.BytesIO(out.getvalue()))


def test_it_keeps_transparency():
    out = io.BytesIO()
    Image.new("RGBA", (100, 100), (0, 0, 0, 0)).save(out, format="PNG")
    png = process_avatar(io.BytesIO(out.getvalue()))
    with Image.open(io.BytesIO(png)) as image:
        assert image.mode == "RGBA"


def test_set_stores_the_resized_image_and_logs_the_change(jan, alice):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(500, 500)), actor=alice)
    jan.refresh_from_db()
    assert jan.avatar.startswith(f"avatars/{jan.team_id}/{jan.pk}-")
    data = read_avatar(jan)
    assert data is not None
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (SIZE, SIZE)
    change = Activity.objects.get(contact=jan, changes__0__field="avatar")
    assert change.changes == [{"field": "avatar", "old": "", "new": "new"}]
    (shown,) = Entry(kind=change.kind, at=change.occurred_at, text="", activity=change).changes
    assert (shown.old, shown.new) == ("", "new picture")


def test_a_new_picture_replaces_the_old_file(jan, alice, django_capture_on_commit_callbacks):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(50, 50)), actor=alice)
    old = jan.avatar
    with django_capture_on_commit_callbacks(execute=True):
        set_contact_avatar(
            contact=jan, upload=io.BytesIO(image_bytes(60, 60, color="blue")), actor=alice
        )
    assert jan.avatar != old
    assert not storages["default"].exists(old)
    assert storages["default"].exists(jan.avatar)


def test_a_rejected_upload_keeps_the_current_picture(jan, alice):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(50, 50)), actor=alice)
    current = jan.avatar
    with pytest.raises(InvalidImageError):
        set_contact_avatar(contact=jan, upload=io.BytesIO(b"nope"), actor=alice)
    jan.refresh_from_db()
    assert jan.avatar == current
    assert storages["default"].exists(current)


def test_remove_forgets_the_picture_and_deletes_the_file(
    jan, alice, django_capture_on_commit_callbacks
):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(50, 50)), actor=alice)
    name = jan.avatar
    with django_capture_on_commit_callbacks(execute=True):
        remove_contact_avatar(contact=jan, actor=alice)
    jan.refresh_from_db()
    assert jan.avatar == ""
    assert read_avatar(jan) is None
    assert not storages["default"].exists(name)


def test_deleting_the_contact_deletes_its_picture(jan, alice, django_capture_on_commit_callbacks):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(50, 50)), actor=alice)
    name = jan.avatar
    with django_capture_on_commit_callbacks(execute=True):
        delete_contact(contact=jan)
    assert not Contact.objects.filter(pk=jan.pk).exists()
    assert not storages["default"].exists(name)


def test_the_gdpr_export_contains_the_picture(jan, alice):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(50, 50)), actor=alice)
    with zipfile.ZipFile(io.BytesIO(gdpr.export_zip(jan))) as archive:
        assert archive.read("avatar.png") == read_avatar(jan)
        assert json.loads(archive.read("contact.json"))["id"] == jan.pk


def test_the_gdpr_export_has_no_picture_when_there_is_none(jan):
    with zipfile.ZipFile(io.BytesIO(gdpr.export_zip(jan))) as archive:
        assert "avatar.png" not in archive.namelist()


def test_erasing_the_contact_deletes_its_picture(jan, alice, django_capture_on_commit_callbacks):
    set_contact_avatar(contact=jan, upload=io.BytesIO(image_bytes(50, 50)), actor=alice)
    name = jan.avatar
    with django_capture_on_commit_callbacks(execute=True):
        erase_contact(contact=jan, actor=alice)
    jan.refresh_from_db()
    assert jan.avatar == ""
    assert not storages["default"].exists(name)
