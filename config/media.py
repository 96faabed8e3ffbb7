"""Files in MEDIA_ROOT (avatars, product images copied from stores) served by Django in development.

What is in there came from users and stores: whatever it is, the browser must not run it on our
origin. ``nosniff`` makes it keep to the stored type, and ``Content-Security-Policy: sandbox``
turns any document that slipped through into a unique, script-less origin.
"""

from django.conf import settings
from django.views.static import serve

MEDIA_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}


def media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    for name, value in MEDIA_HEADERS.items():
        response.headers[name] = value
    return response
