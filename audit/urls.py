from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("activity/", views.activity, name="activity"),
    path("critical-changes/", views.critical_changes, name="critical_changes"),
    path("user-activity/", views.user_activity, name="user_activity"),
    path("anomalies/", views.anomaly_list, name="anomalies"),
    path("anomalies/acknowledge/", views.anomaly_acknowledge, name="anomaly_acknowledge"),
    path("anomalies/suspensions/<uuid:action_id>/undo/", views.anomaly_undo_suspension, name="anomaly_undo_suspension"),
]
