import re

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static as static_url
from django.urls import include
from django.urls import path
from django.urls import re_path

from accounts import urls as accounts_urls
from accounts.views import invitation_accept
from accounts.views import language_set
from catalog.image_views import uploaded_image
from config.health import healthz
from config.media import media
from config.rls import as_service
from stores import urls as stores_urls
from stores.views import home
from webhooks import urls as webhooks_urls


def favicon(request):
    """Browsers ask for /favicon.ico on pages without a <link rel=icon> (JSON, admin, files)."""
    return redirect(static_url("img/favicon.ico"), permanent=True)


# Once per process: a re-import of this module (a test reloading the URLconf) must not wrap the
# wrapper again (it would call itself).
_admin_view = getattr(admin.site.admin_view, "storedesk_unwrapped", admin.site.admin_view)


def _admin_view_as_service(view, cacheable=False):
    """The admin is the app admins' (checked by ``admin_view`` first, as the web role); its pages
    run as the service role, which may name the store's credential columns in its joins."""
    return _admin_view(as_service()(view), cacheable)


_admin_view_as_service.storedesk_unwrapped = _admin_view
admin.site.admin_view = _admin_view_as_service

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("healthz", healthz, name="healthz"),
    # Uploaded product images, public: WooCommerce downloads them from here (catalog.images).
    path("uploads/product-images/<uuid:store_id>/<str:name>", uploaded_image, name="uploaded_image"),
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("invitations/<str:token>/accept/", invitation_accept, name="invitation_accept"),
    path("stores/", include((stores_urls.urlpatterns + accounts_urls.store_team_urlpatterns, "stores"))),
    path("stores/<uuid:store_id>/products/", include("catalog.urls")),
    path("stores/<uuid:store_id>/", include("orders.urls")),
    path("stores/<uuid:store_id>/sync/", include("sync.urls")),
    path("stores/<uuid:store_id>/webhooks/", include((webhooks_urls.urlpatterns, "webhooks"))),
    path("webhooks/", include((webhooks_urls.receiver_urlpatterns, "webhooks_receiver"))),
    path("audit/", include("audit.urls")),
    path("", include("agents.urls")),
    path("projects/", include("projects.urls")),
]

if settings.DEBUG and settings.STORAGE_BACKEND == "filesystem" and settings.MEDIA_URL.startswith("/"):
    # Avatars and product images in development; production serves MEDIA_ROOT from S3 or another
    # host (README), never from this origin.
    urlpatterns.append(re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$", media))
