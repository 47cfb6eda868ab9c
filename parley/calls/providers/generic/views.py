"""`POST /hooks/calls/<webhook id>`: a PBX reports a call, signed with the team's secret.

No session and no CSRF token: the HMAC signature over the timestamp and the raw body is the
authentication (`parley.calls.signing`). Answers 201 for a new call, 200 for a call already
known (a retry or a later event), 400 for a body that does not parse, 403 for a bad or old
signature and 404 for an unknown webhook id.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from parley.calls.exceptions import InvalidSignatureError
from parley.calls.models import CallSettings, Origin
from parley.calls.providers.generic.payload import WebhookCall
from parley.calls.services.calls import record_call
from parley.calls.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def call_webhook(request: HttpRequest, webhook_id: uuid.UUID) -> JsonResponse:
    settings = CallSettings.objects.filter(webhook_id=webhook_id).select_related("team").first()
    if settings is None:
        return JsonResponse({"detail": "Unknown webhook."}, status=404)
    try:
        verify(
            secret=settings.webhook_secret,
            body=request.body,
            header_signature=request.headers.get(SIGNATURE_HEADER, ""),
            header_timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            now=time.time(),
        )
    except InvalidSignatureError as error:
        logger.info("Rejected call webhook for team %s: %s", settings.team_id, error)
        return JsonResponse({"detail": str(error)}, status=403)
    try:
        payload = WebhookCall.model_validate_json(request.body)
    except ValidationError as error:
        return JsonResponse(
            {
                "detail": "Invalid payload.",
                "errors": error.errors(include_url=False, include_context=False),
            },
            status=400,
        )
    call, created = record_call(team=settings.team, report=payload.report(), origin=Origin.WEBHOOK)
    body = {"id": call.pk, "triage": call.triage, "contact_id": call.contact_id}
    return JsonResponse(body, status=201 if created else 200)
