import pytest

from config.health import record_beat_heartbeat


@pytest.mark.django_db
def test_healthz_is_ok_when_database_redis_and_beat_are(client):
    record_beat_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": {"ok": True},
        "redis": {"ok": True},
        "beat": {"ok": True, "age_seconds": response.json()["checks"]["beat"]["age_seconds"]},
    }


@pytest.mark.django_db
def test_healthz_reports_a_stopped_redis_as_503(client, settings):
    # Nothing listens on port 1: exactly what a stopped Redis looks like to a client.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": True}
    assert checks["redis"]["ok"] is False
    assert checks["redis"]["error"] == "ConnectionError"


@pytest.mark.django_db
def test_healthz_reports_a_silent_beat_as_503(client, settings):
    import redis

    redis.Redis.from_url(settings.REDIS_URL).delete(settings.BEAT_HEARTBEAT_KEY)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False
