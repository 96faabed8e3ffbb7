from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.board, name="board"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<uuid:task_id>/", views.task_detail, name="task_detail"),
    path("tasks/<uuid:task_id>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<uuid:task_id>/move/", views.task_move, name="task_move"),
    path("tasks/<uuid:task_id>/plan/", views.task_plan, name="task_plan"),
    path("tasks/<uuid:task_id>/comments/", views.task_comment_add, name="task_comment_add"),
    path("tasks/<uuid:task_id>/work-logs/", views.work_log_add, name="work_log_add"),
    path("comments/<uuid:comment_id>/edit/", views.task_comment_edit, name="task_comment_edit"),
    path("work-logs/<uuid:work_log_id>/edit/", views.work_log_edit, name="work_log_edit"),
    path("timesheet/", views.timesheet, name="timesheet"),
    path("sprints/", views.sprint_list, name="sprint_list"),
    path("sprints/new/", views.sprint_form, name="sprint_create"),
    path("sprints/<uuid:sprint_id>/", views.sprint_detail, name="sprint_detail"),
    path("sprints/<uuid:sprint_id>/edit/", views.sprint_form, name="sprint_edit"),
    path("sprints/<uuid:sprint_id>/start/", views.sprint_start, name="sprint_start"),
    path("sprints/<uuid:sprint_id>/complete/", views.sprint_complete, name="sprint_complete"),
    path("sprints/<uuid:sprint_id>/cancel/", views.sprint_cancel, name="sprint_cancel"),
    path("bugs/", views.bug_list, name="bug_list"),
    path("bugs/new/", views.bug_form, name="bug_create"),
    path("bugs/<uuid:bug_id>/", views.bug_detail, name="bug_detail"),
    path("bugs/<uuid:bug_id>/edit/", views.bug_form, name="bug_edit"),
    path("bugs/<uuid:bug_id>/status/", views.bug_status, name="bug_status"),
    path("bugs/<uuid:bug_id>/fix-task/", views.bug_fix_task, name="bug_fix_task"),
    path("deployments/<str:environment>/", views.deployments, name="deployments"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/read-all/", views.alerts_read_all, name="alerts_read_all"),
    path("alerts/<uuid:project_alert_id>/read/", views.alert_read, name="alert_read"),
]
