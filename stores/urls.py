from django.urls import path

from stores import views

app_name = "stores"

urlpatterns = [
    path("new/", views.store_create, name="create"),
    path("<uuid:store_id>/", views.store_detail, name="detail"),
    path("<uuid:store_id>/settings/", views.store_settings, name="settings"),
    path("<uuid:store_id>/credentials/", views.store_credentials, name="credentials"),
    path("<uuid:store_id>/credentials/reveal/", views.store_credentials_reveal, name="credentials_reveal"),
    path("<uuid:store_id>/credentials/test/", views.store_test_connection, name="test_connection"),
    path("<uuid:store_id>/credential-log/", views.store_credential_log, name="credential_log"),
    path("<uuid:store_id>/delete/", views.store_delete, name="delete"),
]
