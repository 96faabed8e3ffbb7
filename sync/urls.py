"""The store's sync pages (dashboard UI), included by ``config/urls.py`` under
``stores/<uuid:store_id>/sync/``."""

from django.urls import path

from sync import views

app_name = "sync"

urlpatterns = [
    path("", views.sync_status, name="sync_status"),
    path("start/", views.sync_start, name="sync_start"),
    path("runs/", views.sync_run_list, name="sync_run_list"),
    path("runs/<uuid:run_id>/progress/", views.sync_progress, name="sync_progress"),
    path("errors/", views.sync_error_list, name="sync_error_list"),
    path("errors/<uuid:error_id>/retry/", views.sync_error_retry, name="sync_error_retry"),
]
