"""Query-string and form values are checked once, here, before any view or query sees them.

* Control characters (NUL included: PostgreSQL refuses it in text, so it used to be a 500) are
  stripped from every value; tab, newline and carriage return stay, forms need them.
* A query-string value longer than ``QUERY_VALUE_MAX_CHARS`` is refused with a 400 page: no
  search, filter or page number needs more, and nothing downstream has to cope with megabytes.
* Lone surrogates cannot arrive: Django decodes the query string and bodies with replacement.

Numbers are bounded where they are parsed (``config.pagination``, the filter forms).
"""

import re

from django.http import QueryDict
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

QUERY_VALUE_MAX_CHARS = 1000
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def strip_control_characters(value):
    return CONTROL_CHARACTERS.sub("", value)


def _cleaned(query_dict):
    if not any(CONTROL_CHARACTERS.search(key + "".join(values)) for key, values in query_dict.lists()):
        return query_dict
    cleaned = QueryDict(mutable=True, encoding=query_dict.encoding)
    for key, values in query_dict.lists():
        cleaned.setlist(strip_control_characters(key), [strip_control_characters(value) for value in values])
    cleaned._mutable = False
    return cleaned


class InputMiddleware:
    """Place after the locale and authentication middleware (the 400 page uses both)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.META.get("QUERY_STRING"):  # most POSTs (the webhook receiver's) have none
            if any(len(value) > QUERY_VALUE_MAX_CHARS for _key, values in request.GET.lists() for value in values):
                context = {"title": _("Request not understood"), "max_chars": QUERY_VALUE_MAX_CHARS}
                return render(request, "400.html", context, status=400)
            request.GET = _cleaned(request.GET)
        if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
            request.POST = _cleaned(request.POST)
        return self.get_response(request)


def safe_next(request, fallback):
    """A ``next`` URL from the form if it is on this site, else ``fallback``."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback
