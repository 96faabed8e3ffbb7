"""Dates in the user's time zone.

``static/js/dashboard.js`` stores the browser's IANA time zone in the ``storedesk_tz`` cookie;
this middleware activates it for the request (templates' ``|date``, "today" in the overview's
figures). Without the cookie, or with an unknown zone, ``settings.TIME_ZONE`` applies.

Add after the session middleware: ``"config.timezones.UserTimezoneMiddleware"``.
"""

import zoneinfo
from functools import lru_cache

from django.utils import timezone

COOKIE = "storedesk_tz"


@lru_cache(maxsize=256)
def _zone(name):
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None


def user_timezone(request):
    return _zone(request.COOKIES.get(COOKIE, ""))


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = user_timezone(request)
        if zone is not None:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
