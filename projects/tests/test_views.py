"""The pages: who sees them, the header's unread count, board moves, and a constant number of
queries on the board and the task page whatever the number of tasks."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from projects.models import Sprint
from projects.models import Task
from projects.models import TaskComment
from projects.models import TaskLog
from projects.models import TaskStatus
from projects.models import WorkLog
from projects.tests.factories import app_admin
from projects.tests.factories import bug
from projects.tests.factories import sprint
from projects.tests.factories import task
from projects.tests.factories import team_member
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


def test_timesheet_shows_a_persons_hours_per_task_and_day_of_the_week(client):
    import datetime

    member, other = team_member(), team_member("other@example.com")
    first, second = task("Importer"), task("Exporter")
    monday = datetime.date(2026, 11, 30)
    for item, day, hours in ((first, 0, "2"), (first, 2, "1.5"), (second, 2, "3"), (first, 7, "9")):
        WorkLog.objects.create(task=item, user=member, hours=Decimal(hours), work_date=monday + datetime.timedelta(day))
    WorkLog.objects.create(task=first, user=other, hours=Decimal(5), work_date=monday)
    signed_in(client, other)
    html = client.get(reverse("projects:timesheet"), {"person": member.pk, "week": "2026-12-02"}).content.decode()
    assert "data-week-total><strong>6.50</strong>" in html  # next Monday's 9 h and the other person's 5 h are out
    importer_row = html.split("Importer</a></td>")[1].split("</tr>")[0]
    assert ">2<" in importer_row and ">1.50<" in importer_row and ">3.50<" in importer_row


def test_deployments_page_shows_what_is_live_what_shipped_and_rollbacks(client):
    from projects.models import Deployment

    shipped = task("Invoice PDF")
    Deployment.objects.create(version="3.0", environment="production", status="success", deployed_tasks=[shipped.pk])
    Deployment.objects.create(version="3.1", environment="production", status="rolled_back", notes="Broke login")
    Deployment.objects.create(version="9.9", environment="staging", status="success")
    signed_in(client, team_member())
    html = client.get(reverse("projects:deployments", args=["production"])).content.decode()
    live = html.split('id="live-title"')[1].split("</section>")[0]
    assert "3.0" in live and "3.1" not in live
    assert "Broke login" in html.split('id="rollbacks-title"')[1].split("</section>")[0]
    assert "Invoice PDF" in html and "9.9" not in html
    assert client.get(reverse("projects:deployments", args=["moon"])).status_code == 404


def test_task_logs_filter_by_level(client):
    item = task()
    TaskLog.objects.create(task=item, level="error", message="Disk full")
    TaskLog.objects.create(task=item, level="info", message="Started")
    signed_in(client, team_member())
    url = reverse("projects:task_detail", args=[item.pk])
    fragment = client.get(url, {"level": "error"}, headers={"HX-Request": "true", "HX-Target": "task-logs"})
    html = fragment.content.decode()
    assert "Disk full" in html and "Started" not in html and "<html" not in html
    assert "Started" in client.get(url).content.decode()


def test_task_history_tells_each_change_in_words(client):
    item = task("Refund button")
    signed_in(client, app_admin())
    client.post(reverse("projects:task_move", args=[item.pk]), {"status": "in_progress"})
    html = client.get(reverse("projects:task_detail", args=[item.pk])).content.decode()
    history = html.split('id="object-history"', 1)[1].split("</section>", 1)[0]
    headlines = [re.sub(r"<[^>]+>|\s+", " ", line).strip() for line in re.findall(r"<strong>(.*?)</strong>", history)]
    assert len(headlines) == 2 and all(headlines), headlines  # what happened, not a bare date
    words = re.sub(r"<[^>]+>|\s+", " ", history)
    assert "lead@example.com" in words and "Status changed from todo to in_progress" in words, words
