"""The task_logs handler: a standard logging.Handler; fast; never breaks the caller without a database."""

import logging
import socket
import time

import pytest

from projects.models import TaskLog
from projects.task_log_handler import TaskLogHandler
from projects.tests.factories import task
from projects.tests.factories import team_member


@pytest.fixture
def task_logger():
    handlers = []

    def make(**kwargs):
        handler = TaskLogHandler(**kwargs)
        logger = logging.getLogger(f"projects.test.{len(handlers)}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        handlers.append((logger, handler))
        return logger, handler

    yield make
    for logger, handler in handlers:
        logger.removeHandler(handler)
        handler.close()


@pytest.mark.django_db(transaction=True)
def test_records_with_a_task_id_land_in_task_logs(task_logger):
    logger, handler = task_logger()
    person = team_member()
    item = task("Importer")
    try:
        raise ValueError("bad row 17")
    except ValueError:
        logger.error("Import failed for %s", "feed.csv", exc_info=True,
                     extra={"task_id": item.pk, "user_id": person.pk, "context": {"row": 17}})  # fmt: skip
    logger.info("No task here")  # ignored
    logger.debug("Parsed header", extra={"task_id": item.pk})
    handler.flush()

    rows = {row.level: row for row in TaskLog.objects.filter(task=item)}
    assert set(rows) == {"error", "debug"}
    error = rows["error"]
    assert error.message == "Import failed for feed.csv"
    assert "ValueError: bad row 17" in error.stack_trace
    assert error.context["row"] == 17 and error.context["logger"] == logger.name
    assert error.file_path.endswith("test_task_log_handler.py") and error.line_number > 0
    assert error.user_id == person.pk
    assert TaskLog.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_log_row_survives_the_callers_rollback_and_an_unknown_task_is_kept_without_link(task_logger):
    from django.db import transaction

    logger, handler = task_logger()
    item = task("Kept")
    with transaction.atomic():
        logger.warning("Inside a transaction", extra={"task_id": item.pk})
        handler.flush()
        transaction.set_rollback(True)
    logger.warning("About a deleted task", extra={"task_id": "00000000-0000-4000-8000-000000000000"})
    handler.flush()
    assert TaskLog.objects.filter(task=item, message="Inside a transaction").exists()
    assert TaskLog.objects.filter(task__isnull=True, message="About a deleted task").exists()


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_down_never_breaks_or_slows_the_caller(task_logger):
    logger, handler = task_logger(
        conninfo={"host": "127.0.0.1", "port": _closed_port(), "dbname": "nope", "user": "nobody"}, retry_seconds=60
    )
    started = time.perf_counter()
    for number in range(500):
        logger.error("Failure %s", number, extra={"task_id": "00000000-0000-4000-8000-000000000001"})
    elapsed = time.perf_counter() - started
    handler.flush()
    assert elapsed < 1.0, f"500 calls took {elapsed:.2f}s"
    assert handler.dropped == 500 and handler.written == 0

    # A broken connection mid-life: the writer drops the batch and keeps serving.
    logger.critical("Still fine", extra={"task_id": "00000000-0000-4000-8000-000000000001"})
    handler.flush()
    assert handler.dropped == 501


def test_a_full_queue_drops_instead_of_blocking(task_logger):
    logger, handler = task_logger(conninfo="host=127.0.0.1 port=1 dbname=x connect_timeout=1", queue_size=5)
    for number in range(50):
        logger.error("x %s", number, extra={"task_id": "00000000-0000-4000-8000-000000000001"})
    handler.flush()
    assert handler.dropped == 50
