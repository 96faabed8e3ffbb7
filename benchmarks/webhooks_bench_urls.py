"""URLs for benchmarks/webhooks_receive.py: the project's with the webhooks app mounted, plus the
issue's yardstick: a bare Django view that checks the signature, inserts one row and enqueues a
Celery task (no inbox, no dedupe, no log cap), served by the same process under the same load."""

import base64
import hashlib
import hmac

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.rls import as_service
from config.urls import urlpatterns as project_urlpatterns

SECRET = b">Zx3&b;X|~<x-bench"


@csrf_exempt
@as_service()  # like the receiver: the signature authorises the write, not a user (config/rls.py)
def bare(request, store_id):
    from config.celery import app
    from webhooks.models import WebhookLog

    body = request.body
    expected = base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest())
    if not hmac.compare_digest(expected, request.headers.get("X-WC-Webhook-Signature", "").encode()):
        return HttpResponse(status=401)
    log = WebhookLog.objects.create(store_id=store_id, topic="bench.bare", status="success")
    app.send_task("bench.bare", args=[str(log.pk)], queue="bench-bare")
    return HttpResponse("ok")


urlpatterns = [*project_urlpatterns, path("webhooks/bench-bare/<uuid:store_id>/", bare)]
