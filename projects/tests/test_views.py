"""The pages: who sees them, the header's unread count, board moves, and a constant number of
queries on the board and the task page whatever the number of tasks."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from projects.models import Sprint, Task, TaskComment, TaskLog, TaskStatus, WorkLog
from projects.tests.factories import app_admin, bug, sprint, task, team_member
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def test_only_the_team_and_admins_see_the_projects_link_and_the_unread_count(client):
    outsider = make_user("shopkeeper@example.com")
    signed_in(client, outsider)
    home = client.get(reverse("home")).content.decode()
    assert reverse("projects:board") not in home and "data-project-alerts" not in home
    assert client.get(reverse("projects:board")).status_code == 404

    member = team_member()
    bug("Payments down", severity="blocker")
    from projects import alerts

    alerts.refresh()
    signed_in(client, member)
    home = client.get(reverse("home")).content.decode()
    assert reverse("projects:board") in home
    assert 'data-project-alerts="1"' in home


def test_moving_a_card_with_htmx_answers_the_board_with_the_card_in_its_new_column(client):
    member = team_member()
    current = sprint()
    cards = [task(f"Card {n}", in_sprint=current) for n in range(3)]
    signed_in(client, member)
    response = client.post(
        reverse("projects:task_move", args=[cards[1].pk]),
        {"status": "review"},
        headers={"HX-Request": "true", "HX-Target": "board"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    review = html.split('data-drop-status="review"')[1].split("</ul>")[0]
    assert "Card 1" in review and "Card 0" not in review
    assert Task.objects.get(pk=cards[1].pk).status == "review"
    assert "<html" not in html  # a fragment, not a page


def test_an_unknown_status_is_an_error_message_not_a_500(client):
    member = team_member()
    item = task(in_sprint=sprint())
    signed_in(client, member)
    response = client.post(reverse("projects:task_move", args=[item.pk]), {"status": "nonsense"}, follow=True)
    assert response.status_code == 200
    assert "Unknown status." in response.content.decode()
    assert Task.objects.get(pk=item.pk).status == "todo"


def test_work_log_form_refuses_zero_hours_and_logs_positive_ones(client):
    member = team_member()
    item = task(estimate=2)
    signed_in(client, member)
    url = reverse("projects:work_log_add", args=[item.pk])
    response = client.post(url, {"hours": "0", "work_date": "2026-12-01"}, follow=True)
    assert "Hours must be more than zero." in response.content.decode()
    client.post(url, {"hours": "1.25", "work_date": "2026-12-01"})
    item.refresh_from_db()
    assert item.actual_hours == Decimal("1.25")


def _fill(count):
    """``count`` tasks in the active sprint (every column) and in the backlog, each with an
    assignee, tags, comments, work logs and log records; returns one of them."""
    people = [team_member(f"dev{n}@example.com") for n in range(3)]
    current = sprint()
    statuses = list(TaskStatus.values)
    tasks = [
        Task(
            title=f"Task {n}",
            sprint=None if n % 4 == 3 else current,
            status="todo" if n % 4 == 3 else statuses[n % len(statuses)],
            priority=["low", "medium", "high", "critical"][n % 4],
            assigned_to=people[n % 3],
            tags=[f"tag{n % 5}", "shared"],
            estimated_hours=Decimal(3),
        )
        for n in range(count)
    ]
    Task.objects.bulk_create(tasks)
    WorkLog.objects.bulk_create([WorkLog(task=t, user=people[0], hours=Decimal(1)) for t in tasks])
    TaskComment.objects.bulk_create([TaskComment(task=t, user=people[1], comment="ok") for t in tasks])
    TaskLog.objects.bulk_create([TaskLog(task=t, level="info", message="m") for t in tasks])
    one = tasks[0]
    for extra in range(min(count, 200) - 1):
        TaskComment.objects.create(task=one, user=people[extra % 3], comment=f"c{extra}")
        WorkLog.objects.create(task=one, user=people[extra % 3], hours=Decimal("0.5"))
        TaskLog.objects.create(task=one, level="warning", message=f"w{extra}")
    return people[0], one


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("page", ["board", "task"])
def test_board_and_task_pages_keep_a_fixed_query_count_at_1_and_200_tasks(client, page):
    counts = []
    for size in (1, 200):
        Task.objects.all().delete()
        Sprint.objects.all().delete()
        User.objects.filter(email__startswith="dev").delete()
        person, one = _fill(size)
        signed_in(client, person)
        url = reverse("projects:board") if page == "board" else reverse("projects:task_detail", args=[one.pk])
        count, response = _queries(client, url)
        counts.append(count)
        if page == "board" and size == 200:
            assert response.content.decode().count('class="task-card') == 150  # 200 - the 50 in the backlog
    assert counts[0] == counts[1], counts


def test_admin_sees_the_same_board_with_sprint_controls(client):
    signed_in(client, app_admin())
    current = sprint(status="planned")
    response = client.get(reverse("projects:sprint_detail", args=[current.pk]))
    assert "sprint-start" in response.content.decode()


def test_the_sprint_edit_form_shows_its_dates_in_the_datetime_local_format(client):
    from django.utils import timezone

    signed_in(client, app_admin())
    current = sprint()
    html = client.get(reverse("projects:sprint_edit", args=[current.pk])).content.decode()
    assert f'value="{timezone.localtime(current.start_date):%Y-%m-%dT%H:%M}"' in html
