"""``GET /healthz``: the state of the database, Redis and beat, for load balancers and monitors."""

import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _redis_client():
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)


def _check_redis():
    _redis_client().ping()
    return {"ok": True}


def _check_beat():
    raw = _redis_client().get(settings.BEAT_HEARTBEAT_KEY)
    if raw is None:
        return {"ok": False, "error": "no heartbeat from beat yet"}
    age = time.time() - float(raw)
    return {"ok": age <= settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS, "age_seconds": round(age, 1)}


def record_beat_heartbeat():
    _redis_client().set(settings.BEAT_HEARTBEAT_KEY, str(time.time()))


@never_cache
@require_GET
def healthz(request):
    checks = {}
    for name, check in (("database", _check_database), ("redis", _check_redis), ("beat", _check_beat)):
        try:
            checks[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is reported, never raised
            checks[name] = {"ok": False, "error": type(exc).__name__}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": checks}, status=200 if healthy else 503)
