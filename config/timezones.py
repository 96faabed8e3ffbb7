"""Language and time zone of each request: the person's own, from the first request.

``static/js/timezone.js`` (loaded by every page, the sign-in page included) stores the browser's
IANA time zone in the ``storedesk_tz`` cookie. For a signed-in person the profile decides: the
language and time zone chosen on the profile page; an empty time zone is filled once with the
browser's (so the first page after sign-in already uses it, and later visits from another
machine keep the person's choice). Signed out, the cookies decide (``django_language`` through
``LocaleMiddleware``). Without either, ``settings.LANGUAGE_CODE`` / ``settings.TIME_ZONE`` apply.

The profile's values are copied into the session once (``SESSION_KEY``), so a page costs no
extra query; ``remember_preferences`` refreshes the copy when the person changes them.

Add after the authentication middleware: ``"config.timezones.UserPreferencesMiddleware"``.
"""

import zoneinfo
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone, translation

COOKIE = "storedesk_tz"
SESSION_KEY = "storedesk_preferences"


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


def remember_preferences(request, profile):
    """Copy the profile's language and time zone into the session (after sign-in or a change)."""
    request.session[SESSION_KEY] = {
        "user": str(profile.pk),
        "language": profile.language or "",
        "time_zone": profile.time_zone or "",
    }


def _preferences(request):
    """The signed-in person's preferences, loaded from the profile once per session."""
    from accounts.services import profile_record_browser_time_zone

    stored = request.session.get(SESSION_KEY)
    if stored and stored.get("user") == str(request.user.pk):
        return stored
    browser_zone = valid_zone_name(_cookie_zone_name(request))
    profile = profile_record_browser_time_zone(user=request.user, zone_name=browser_zone)
    remember_preferences(request, profile)
    return request.session[SESSION_KEY]


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        zone = user_timezone(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            preferences = _preferences(request)
            zone = _zone(preferences["time_zone"]) or zone
            if preferences["language"] in self.languages:
                translation.activate(preferences["language"])
                request.LANGUAGE_CODE = preferences["language"]
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
