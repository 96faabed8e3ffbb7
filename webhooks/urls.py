"""Two URL lists, included by ``config/urls.py``:

    from webhooks import urls as webhooks_urls
    path("webhooks/", include((webhooks_urls.receiver_urlpatterns, "webhooks_receiver"))),
    path("stores/<uuid:store_id>/webhooks/", include((webhooks_urls.urlpatterns, "webhooks"))),

The receiver is public (signed, CSRF-exempt); the store pages need a login and store access.
"""

from django.urls import path

from webhooks import views

app_name = "webhooks"

receiver_urlpatterns = [
    path("woocommerce/<uuid:store_id>/", views.receive, name="receive"),
]

# Under /stores/<uuid:store_id>/webhooks/
urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("register/", views.webhook_register, name="register"),
    path("refresh/", views.webhook_refresh, name="refresh"),
    path("rotate-secret/", views.webhook_secret_rotate, name="rotate_secret"),
    path("<uuid:webhook_id>/reenable/", views.webhook_reenable, name="reenable"),
    path("deliveries/retry-failed/", views.webhook_deliveries_retry_failed, name="retry_failed"),
    path("deliveries/<uuid:delivery_id>/retry/", views.webhook_delivery_retry, name="retry_delivery"),
    path("alerts/<uuid:alert_id>/dismiss/", views.webhook_alert_dismiss, name="dismiss_alert"),
]
