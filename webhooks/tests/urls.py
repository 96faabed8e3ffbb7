"""The project's URLs plus the webhooks app's, whatever state config/urls.py is in."""

from django.urls import include, path

from config import urls as project_urls
from webhooks import urls as webhooks_urls

_ours = {"webhooks", "webhooks_receiver"}
urlpatterns = [p for p in project_urls.urlpatterns if getattr(p, "namespace", None) not in _ours] + [
    path("webhooks/", include((webhooks_urls.receiver_urlpatterns, "webhooks_receiver"))),
    path("stores/<uuid:store_id>/webhooks/", include((webhooks_urls.urlpatterns, "webhooks"))),
]
