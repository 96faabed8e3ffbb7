"""tasks.actual_hours == the sum of the task's work logs, kept by the database in the same
transaction however a log is written, and under concurrent writers on two connections;
completed_at / resolved_at follow the status."""

import threading
from decimal import Decimal
from functools import partial

import psycopg
import pytest
from django.db import connection

from config.testing import run_at_once
from config.testing import wait_for
from projects import services
from projects.models import Task
from projects.models import WorkLog
from projects.task_log_handler import django_conninfo
from projects.tests.factories import bug
from projects.tests.factories import task
from projects.tests.factories import team_member

SUM_SQL = (
    "SELECT t.actual_hours, (SELECT COALESCE(SUM(hours), 0) FROM work_logs WHERE task_id = t.id) "
    "FROM tasks t WHERE t.id = %s"
)


def hours_and_sum(task_id):
    with connection.cursor() as cursor:
        cursor.execute(SUM_SQL, [task_id])
        return cursor.fetchone()


@pytest.mark.django_db
def test_insert_update_move_and_delete_by_orm_and_raw_sql():
    person = team_member()
    first, second = task("First"), task("Second")
    log = services.work_log_add(actor=person, task=first, hours=Decimal("1.5"))
    first.refresh_from_db()
    assert first.actual_hours == Decimal("1.5")

    WorkLog.objects.create(task=first, user=person, hours=Decimal("2.25"))
    assert hours_and_sum(first.pk) == (Decimal("3.75"), Decimal("3.75"))

    with connection.cursor() as cursor:  # raw SQL, bypassing every service
        cursor.execute("UPDATE work_logs SET hours = 4 WHERE id = %s", [log.pk])
    assert hours_and_sum(first.pk) == (Decimal("6.25"), Decimal("6.25"))

    WorkLog.objects.filter(pk=log.pk).update(task=second)  # moved to another task: both follow
    assert hours_and_sum(first.pk) == (Decimal("2.25"), Decimal("2.25"))
    assert hours_and_sum(second.pk) == (Decimal("4"), Decimal("4"))

    WorkLog.objects.filter(task=first).delete()
    assert hours_and_sum(first.pk)[0] == 0


@pytest.mark.django_db
def test_zero_or_negative_hours_are_refused():
    person = team_member()
    item = task()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.work_log_add(actor=person, task=item, hours=Decimal("0"))
    item.refresh_from_db()
    assert item.actual_hours == 0


def _waits_for_a_lock(backend_pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [backend_pid])
        return cursor.fetchone() == (True,)


@pytest.mark.django_db(transaction=True)
def test_two_connections_writing_logs_of_one_task_at_once_never_lose_hours():
    person = team_member()
    item = task("Shared task")
    params = django_conninfo()
    insert = (
        "INSERT INTO work_logs (id, task_id, user_id, hours, work_date, created_at) "
        "VALUES (gen_random_uuid(), %s, %s, %s, CURRENT_DATE, now())"
    )

    # 1. A deterministic interleaving: A inserts (and holds the task row), B inserts and waits,
    #    A commits, B goes on. B's sum must include A's log.
    with psycopg.connect(**params) as a, psycopg.connect(**params) as b:
        a.execute(insert, [item.pk, person.pk, Decimal("2")])
        b_done = threading.Event()

        def writer_b():
            b.execute(insert, [item.pk, person.pk, Decimal("3")])
            b.commit()
            b_done.set()

        thread = threading.Thread(target=writer_b)
        thread.start()
        assert wait_for(lambda: _waits_for_a_lock(b.info.backend_pid), timeout=10, interval=0.02)
        assert not b_done.is_set(), "B should wait for A's lock on the task"
        a.commit()
        thread.join(10)
        assert b_done.is_set()
    assert hours_and_sum(item.pk) == (Decimal("5"), Decimal("5"))

    # 2. Many writers on two connections: inserts, updates and deletes racing.
    def hammer(seed):
        with psycopg.connect(**params) as conn:
            for round_number in range(25):
                with conn.transaction():
                    row = conn.execute(insert + " RETURNING id", [item.pk, person.pk, Decimal(seed + round_number % 3)])
                    log_id = row.fetchone()[0]
                    if round_number % 4 == 0:
                        conn.execute("UPDATE work_logs SET hours = hours + 1 WHERE id = %s", [log_id])
                    if round_number % 5 == 0:
                        conn.execute("DELETE FROM work_logs WHERE id = %s", [log_id])

    run_at_once(partial(hammer, 1), partial(hammer, 2))
    actual, total = hours_and_sum(item.pk)
    assert actual == total
    assert WorkLog.objects.filter(task=item).count() == 2 + 2 * 20


@pytest.mark.django_db
def test_completed_at_is_set_on_done_and_cleared_when_the_task_leaves_it():
    person = team_member()
    item = task()
    assert item.completed_at is None
    services.task_move(actor=person, task=item, status="done")
    done_at = item.completed_at
    assert done_at is not None
    Task.objects.filter(pk=item.pk).update(title="Renamed")  # staying done keeps the time
    item.refresh_from_db()
    assert item.completed_at == done_at
    services.task_move(actor=person, task=item, status="testing")
    assert item.completed_at is None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tasks SET status = 'done' WHERE id = %s", [item.pk])
    item.refresh_from_db()
    assert item.completed_at is not None


@pytest.mark.django_db
def test_resolved_at_is_kept_from_resolved_to_closed_and_cleared_on_reopen():
    person = team_member()
    report = bug()
    services.bug_change_status(actor=person, bug=report, status="investigating")
    report = services.bug_change_status(actor=person, bug=report, status="resolved")
    resolved_at = report.resolved_at
    assert resolved_at is not None
    report = services.bug_change_status(actor=person, bug=report, status="closed")
    assert report.resolved_at == resolved_at
    report = services.bug_change_status(actor=person, bug=report, status="open")
    assert report.resolved_at is None
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.bug_change_status(actor=person, bug=report, status="closed")  # open → closed skips the workflow


@pytest.mark.django_db
def test_fix_task_in_one_click_links_the_bug_and_is_not_duplicated():
    person = team_member()
    report = bug("Totals wrong", severity="critical", affected_files=["orders/charts.py"], steps_to_reproduce="Open")
    fix = services.bug_create_fix_task(actor=person, bug=report)
    report.refresh_from_db()
    assert report.resolved_by_task_id == fix.pk and report.status == "in_progress"
    assert (fix.type, fix.priority, fix.related_files, fix.sprint_id) == ("bug", "critical", ["orders/charts.py"], None)
    assert services.bug_create_fix_task(actor=person, bug=report).pk == fix.pk
    assert Task.objects.count() == 1
