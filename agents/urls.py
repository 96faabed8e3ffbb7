"""Included by ``config/urls.py`` at the root: store pages under ``stores/<uuid:store_id>/insights/``,
app-wide insights under ``insights/`` (app admins), and the alerts centre under ``alerts/``."""

from django.urls import path

from agents import views

app_name = "agents"

urlpatterns = [
    path("stores/<uuid:store_id>/insights/", views.store_insights, name="store_insights"),
    path("stores/<uuid:store_id>/insights/run/", views.store_run, name="store_run"),
    path("stores/<uuid:store_id>/insights/settings/", views.store_agent_settings, name="store_settings"),
    path("stores/<uuid:store_id>/insights/<uuid:insight_id>/", views.store_insight, name="store_insight"),
    path(
        "stores/<uuid:store_id>/insights/<uuid:insight_id>/status/",
        views.store_insight_status,
        name="store_insight_status",
    ),
    path("insights/", views.app_insights, name="insights"),
    path("insights/run/", views.app_run, name="run"),
    path("insights/<uuid:app_insight_id>/", views.app_insight, name="insight"),
    path("insights/<uuid:app_insight_id>/status/", views.app_insight_status, name="insight_status"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/read/", views.alerts_mark_read, name="alerts_read"),
    path("alerts/bell/", views.alerts_bell, name="alerts_bell"),
]
