"""Drive a real Chromium: create a contact with two phones and a custom field, give it a
picture, find it by a number written differently, choose and reorder the columns, export
the list to XLSX and read the file back (issue 6)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from PIL import Image

from parley.contacts.services import NewPhone, create_contact
from parley.contacts.services.custom_fields import create_custom_field
from parley.testing import use_tmp_storage
from parley.testing.browser import browser, csp_violations, sign_in

pytestmark = browser


def test_create_filter_by_phone_and_export_xlsx(  # noqa: PLR0915, PLR0917  # pytest fixtures; one story
    live_server, page, console_log, bob, team_a, tmp_path, settings
):
    from playwright.sync_api import expect

    use_tmp_storage(settings, tmp_path)

    create_custom_field(
        team=team_a, target="contact", label="Branża", field_type="choice", options=["meble", "IT"]
    )
    create_contact(
        team=team_a,
        fields={"first_name": "Ewa", "last_name": "Inna"},
        phones=[NewPhone("22 111 22 33")],
    )

    sign_in(page, live_server.url, bob)

    page.goto(f"{live_server.url}/contacts/new/")
    page.get_by_label("First name").fill("Jan")
    page.get_by_label("Last name").fill("Kowalski")
    page.get_by_label("E-mail address").fill("jan@example.pl")
    page.get_by_label("Phone number").fill("601 234 567")
    page.get_by_label("Branża").select_option("meble")
    page.get_by_role("button", name="Create contact").click()
    expect(page.get_by_role("heading", name="Jan Kowalski")).to_be_visible()

    channels = page.locator("#channels")
    channels.get_by_label("Phone number").fill("(22) 628-12-34")
    channels.get_by_label("Type").select_option("work")
    channels.get_by_role("button", name="Add phone number").click()
    expect(page.get_by_test_id("phones").get_by_role("link")).to_have_count(2)
    expect(page.get_by_text("meble")).to_be_visible()

    picture = tmp_path / "jan.png"
    Image.new("RGB", (640, 480), "orange").save(picture)
    page.get_by_label("Add a picture").set_input_files(picture)
    page.get_by_role("button", name="Upload").click()
    avatar = page.get_by_test_id("avatar")
    expect(avatar).to_be_visible()
    # decode() waits until the picture is loaded: visible is not loaded (0 on a busy machine).
    assert avatar.evaluate("img => img.decode().then(() => img.naturalWidth)") == 256

    # The call button logs the call (crm.js) while the tel: link opens; the link is pointed
    # at "#" here because a headless browser has no phone application.
    call = page.get_by_role("link", name="Call 601 234 567")
    call.evaluate("link => { link.href = '#'; }")
    with page.expect_response(lambda r: "/log-call/" in r.url) as logged:
        call.click()
    assert logged.value.status == 204
    page.reload()
    expect(
        page.get_by_test_id("timeline").get_by_text("Outgoing call to 601 234 567")
    ).to_be_visible()

    page.goto(f"{live_server.url}/contacts/")
    page.get_by_text("More filters").click()
    page.get_by_test_id("filter-phone").fill("0048 22 628 12 34")
    page.get_by_role("button", name="Filter").click()
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Jan Kowalski")).to_be_visible()
    expect(results.get_by_text("Ewa Inna")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"phone=0048"))

    page.get_by_text("Sort and columns").click()
    chooser = page.get_by_test_id("column-chooser")
    for name in ("Organization", "E-mail", "Stage", "Tags"):
        chooser.get_by_label(name, exact=True).uncheck()
    chooser.get_by_label("Branża").check()
    expect(results.get_by_role("columnheader", name="Branża")).to_be_visible()
    # Reorder with the chooser's buttons (crm.js): past E-mail and Organization (hidden),
    # then before Name.
    for _step in range(3):
        chooser.get_by_role("button", name="Move Phone up").click()
    expect(results.get_by_role("columnheader")).to_have_text(["Select", "Phone", "Name", "Branża"])

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    content = download_info.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["Phone", "Name", "Branża"],
        ["+48601234567, +48226281234", "Jan Kowalski", "meble"],
    ]
    assert csp_violations(console_log) == []
