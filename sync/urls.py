"""The store's sync pages (dashboard UI), included by ``config/urls.py`` under ``stores/``
(every route starts with the store)."""

from django.urls import path

from sync import views

app_name = "sync"

urlpatterns = [
    path("<uuid:store_id>/sync/", views.sync_status, name="sync_status"),
    path("<uuid:store_id>/sync/start/", views.sync_start, name="sync_start"),
    path("<uuid:store_id>/sync/runs/", views.sync_run_list, name="sync_run_list"),
    path("<uuid:store_id>/sync/runs/<uuid:run_id>/progress/", views.sync_progress, name="sync_progress"),
    path("<uuid:store_id>/sync/errors/", views.sync_error_list, name="sync_error_list"),
    path("<uuid:store_id>/sync/errors/<uuid:error_id>/retry/", views.sync_error_retry, name="sync_error_retry"),
]
