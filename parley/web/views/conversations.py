"""Minimal conversation pages (issue 3 part 7): a mailbox's conversations, one conversation
with its messages, attachment and raw-message downloads. Read-only: every team member,
readers included, may see them; outsiders get 404 from the access helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.http import FileResponse, HttpResponse, HttpResponseBase, HttpResponseGone
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from parley.contacts.models import Contact
from parley.conversations.access import (
    get_attachment_for_user,
    get_conversation_for_user,
    get_mailbox_for_user,
    get_message_for_user,
)
from parley.conversations.html_quoting import split_html
from parley.conversations.models import Conversation
from parley.conversations.quoting import stored_reply_parts
from parley.conversations.services.records import mark_read, touch_presence
from parley.mail import blobs
from parley.mail.models import Attachment, Mailbox, Message
from parley.mail.parsing import REMOTE_IMAGE_MARK, allow_remote_images
from parley.web.views.conversation_actions import conversation_extras
from parley.web.views.conversation_calls import calls_panel
from parley.web.views.conversation_meetings import meetings_panel

if TYPE_CHECKING:
    from parley.web.views._auth import AuthenticatedHttpRequest

PAGE_SIZE = 50
# Types a browser may show inline without running anything (no SVG: it can carry script).
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_CID_SRC_RE = re.compile(r'src="cid:([^"]+)"')


@login_required
def mailboxes(request: AuthenticatedHttpRequest) -> HttpResponse:
    visible = Mailbox.objects.visible_to(request.user).select_related("team")
    return render(request, "web/conversation_mailboxes.html", {"mailboxes": visible})


@login_required
def mailbox_conversations(request: AuthenticatedHttpRequest, mailbox_id: int) -> HttpResponse:
    mailbox = get_mailbox_for_user(request.user, mailbox_id)
    senders = Message.objects.alive().only("conversation_id", "from_name", "from_address")
    conversations = (
        Conversation.objects.visible_to(request.user)
        .filter(Q(mailbox=mailbox) | Q(messages__mailbox=mailbox))
        .distinct()
        .order_by(F("last_message_at").desc(nulls_last=True), "-pk")
    )
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    prefetch_related_objects(
        page.object_list, Prefetch("messages", queryset=senders, to_attr="senders")
    )
    context = {"mailbox": mailbox, "page": page}
    return render(request, "web/conversation_list.html", context)


def _with_inline_images(message: Message, html: str, *, remote_images: bool) -> SafeString:
    """Sanitized HTML with cid: images pointing at our downloads, and remote images put
    back only when the user asked for them (they can tell the sender the mail was read)."""
    urls = {
        att.content_id: reverse("web:attachment", args=[att.pk])
        for att in message.attachments.all()
        if att.content_id
    }

    def replace(match: re.Match[str]) -> str:
        url = urls.get(match.group(1))
        return f'src="{url}"' if url else 'src=""'

    # The HTML was cleaned by nh3 at ingest (parley.mail.parsing.sanitize_html) and
    # split_html only cuts it between the sanitizer's own tokens; only our own URLs are put
    # back in, so marking it safe is sound.
    html = allow_remote_images(html) if remote_images else html
    return mark_safe(_CID_SRC_RE.sub(replace, html))  # noqa: S308


@dataclass(frozen=True)
class _ShownHtml:
    visible: SafeString
    quoted: SafeString


def _shown_html(message: Message, *, remote_images: bool = False) -> _ShownHtml | None:
    """The message's HTML as the page shows it: the new text, and the quoted history and
    signature folded under it (parley.conversations.html_quoting)."""
    if not message.html:
        return None
    parts = split_html(message.html)
    return _ShownHtml(
        visible=_with_inline_images(message, parts.visible, remote_images=remote_images),
        quoted=_with_inline_images(message, parts.quoted, remote_images=remote_images),
    )


@login_required
def conversation(request: AuthenticatedHttpRequest, conversation_id: int) -> HttpResponse:
    item = get_conversation_for_user(request.user, conversation_id)
    if item.merged_into_id is not None:
        return redirect("web:conversation", item.merged_into_id)
    messages = list(
        item.messages.alive()
        .order_by(F("date").asc(nulls_first=True), "pk")
        .prefetch_related("attachments")
    )
    # ?images=<message id> shows that message's remote images (blocked by default).
    wanted = request.GET.get("images", "")
    rows = [
        (
            m,
            _shown_html(m, remote_images=wanted == str(m.pk)),
            stored_reply_parts(m.text, m.reply_text),
            wanted != str(m.pk) and REMOTE_IMAGE_MARK in m.html,
        )
        for m in messages
    ]
    mark_read(user=request.user, conversation=item)
    touch_presence(user=request.user, conversation=item)
    extras = conversation_extras(request.user, item, messages)
    customer = extras["customer"]
    context = {
        "conversation": item,
        "rows": rows,
        **extras,
        **calls_panel(request.user, item),
        **meetings_panel(item, customer if isinstance(customer, Contact) else None),
    }
    response = render(request, "web/conversation_detail.html", context)
    if wanted:
        # Only this page, only on request: let the browser load images from other sites.
        img_src = cast("list[str]", settings.SECURE_CSP["img-src"])
        config = {**settings.SECURE_CSP, "img-src": [*img_src, "https:", "http:"]}
        response._csp_config = config  # type: ignore[attr-defined]  # read by Django's CSP middleware
    return response


@login_required
def message_raw(request: AuthenticatedHttpRequest, message_id: int) -> HttpResponseBase:
    message = get_message_for_user(request.user, message_id)
    if message.is_erased:
        # Redacted for a GDPR erasure: the original is gone for good, not merely missing.
        return HttpResponseGone(_("This message was erased."))
    return FileResponse(
        blobs.open_raw(message.raw_sha256),
        as_attachment=True,
        filename=f"message-{message.pk}.eml",
        content_type="message/rfc822",
    )


def _download_name(attachment: Attachment) -> str:
    return attachment.filename or f"attachment-{attachment.pk}"


@login_required
def attachment(request: AuthenticatedHttpRequest, attachment_id: int) -> FileResponse:
    item = get_attachment_for_user(request.user, attachment_id)
    inline = item.content_type in INLINE_TYPES
    return FileResponse(
        blobs.open_attachment(item.sha256),
        as_attachment=not inline,
        filename=_download_name(item),
        content_type=item.content_type if inline else "application/octet-stream",
    )
