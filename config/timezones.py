"""Language and time zone of each request: the person's own, from the first request.

``static/js/timezone.js`` (loaded by every page, the sign-in page included) stores the browser's
IANA time zone in the ``storedesk_tz`` cookie. For a signed-in person the profile decides: the
language and time zone chosen on the profile page; an empty time zone is filled once with the
browser's (so the first page after sign-in already uses it, and later visits from another
machine keep the person's choice). Signed out, the cookies decide (``django_language`` through
``LocaleMiddleware``). Without either, ``settings.LANGUAGE_CODE`` / ``settings.TIME_ZONE`` apply.

A signed-in page costs one small query for them (the same on every page, so list pages keep a
constant number of queries).

Add after the authentication middleware: ``"config.timezones.UserPreferencesMiddleware"``.
"""

import zoneinfo
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone
from django.utils import translation

COOKIE = "storedesk_tz"


@lru_cache(maxsize=256)
def _zone(name):
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def valid_zone_name(name):
    return name if _zone(name) is not None else None


def _cookie_zone_name(request):
    # The script writes encodeURIComponent("Europe/London"): "Europe%2FLondon".
    return unquote(request.COOKIES.get(COOKIE, ""))


def user_timezone(request):
    return _zone(_cookie_zone_name(request))


def _preferences(request):
    """The signed-in person's language and time zone: one small query per request, and the
    browser's zone recorded on the profile the first time one is seen."""
    from accounts.services import profile_preferences_for

    return profile_preferences_for(user=request.user, browser_zone=valid_zone_name(_cookie_zone_name(request)))


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        zone = user_timezone(request)
        user = getattr(request, "user", None)
        # Only a session signs anyone in: without its cookie the (lazy) user is never loaded,
        # which keeps the webhook receiver's and the health check's requests cheap.
        if user is not None and settings.SESSION_COOKIE_NAME in request.COOKIES and user.is_authenticated:
            language, time_zone = _preferences(request)
            zone = _zone(time_zone) or zone
            if language in self.languages:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
