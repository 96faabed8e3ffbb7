"""``TaskLogHandler``: a standard ``logging.Handler`` that writes records about a task to ``task_logs``.

    logger.error("Upload failed", extra={"task_id": task.pk, "context": {"file": name}}, exc_info=True)

Only records with a ``task_id`` are kept (others are ignored at once). ``emit`` never touches the
database: it formats the record (message, level, stack trace, file path, line number, the other
``extra`` values as context) and puts it on a bounded in-memory queue; one background thread
writes batches with its own connection, in autocommit, so a log row survives the caller's
rollback and the caller never waits for the database nor sees its errors. When the database is
unreachable a batch is dropped (counted in ``dropped``, reported on stderr once per outage) and
the writer waits ``retry_seconds`` before connecting again; a full queue drops new records.
"""

import contextlib
import json
import logging
import queue
import sys
import threading
import time
import traceback

import psycopg

LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}
# Attributes every LogRecord has: anything else came from ``extra`` and goes into ``context``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "task_id", "user_id"}
_INSERT = """
INSERT INTO task_logs (id, task_id, level, message, stack_trace, context, file_path, line_number, user_id, created_at)
SELECT gen_random_uuid(), (SELECT id FROM tasks WHERE id = %(task_id)s), %(level)s, %(message)s, %(stack_trace)s,
       %(context)s::jsonb, %(file_path)s, %(line_number)s, (SELECT id FROM users WHERE id = %(user_id)s),
       to_timestamp(%(created)s)
"""


def _level_name(levelno):
    for threshold in sorted(LEVELS, reverse=True):
        if levelno >= threshold:
            return LEVELS[threshold]
    return "debug"


def django_conninfo():
    """Connection parameters of Django's default database (read when the writer first connects)."""
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return params


class TaskLogHandler(logging.Handler):
    def __init__(
        self,
        level=logging.NOTSET,
        *,
        conninfo=None,
        queue_size=10000,
        batch_size=200,
        retry_seconds=5.0,
        connect_timeout=2,
    ):
        super().__init__(level)
        self.conninfo = conninfo  # a libpq string or dict; None = Django's default database
        self.batch_size = batch_size
        self.retry_seconds = retry_seconds
        self.connect_timeout = connect_timeout
        self.dropped = 0
        self.written = 0
        self._queue = queue.Queue(maxsize=queue_size)
        self._thread = None
        self._thread_lock = threading.Lock()
        self._connection = None
        self._retry_after = 0.0
        self._outage_reported = False

    # --- caller side: cheap, never raises ---------------------------------------------------------

    def emit(self, record):
        task_id = getattr(record, "task_id", None)
        if task_id is None:
            return
        try:
            row = self._row(record, task_id)
            self._queue.put_nowait(row)
            self._ensure_thread()
        except queue.Full:
            self.dropped += 1
        except Exception:  # noqa: BLE001 - logging must never break the caller
            self.handleError(record)

    def _row(self, record, task_id):
        stack_trace = None
        if record.exc_info:
            stack_trace = "".join(traceback.format_exception(*record.exc_info))
        elif record.stack_info:
            stack_trace = record.stack_info
        context = {key: value for key, value in vars(record).items() if key not in _STANDARD}
        nested = context.pop("context", None)
        if isinstance(nested, dict):
            context.update(nested)
        context.setdefault("logger", record.name)
        user_id = getattr(record, "user_id", None)
        return {
            "task_id": str(task_id),
            "level": _level_name(record.levelno),
            "message": record.getMessage(),
            "stack_trace": stack_trace,
            "context": json.dumps(context, default=str),
            "file_path": record.pathname,
            "line_number": record.lineno,
            "user_id": str(user_id) if user_id else None,
            "created": record.created,
        }

    def _ensure_thread(self):
        if self._thread is not None and self._thread.is_alive():
            return
        with self._thread_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="task-log-writer", daemon=True)
                self._thread.start()

    def flush(self, timeout=10.0):
        """Wait until every queued record is written or dropped (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self):
        self.flush(timeout=2.0)
        self._drop_connection()
        super().close()

    # --- writer thread ------------------------------------------------------------------------------

    def _run(self):
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
                self.written += len(batch)
                self._outage_reported = False
            except Exception as exc:  # noqa: BLE001 - any failure drops the batch, never the thread
                self.dropped += len(batch)
                self._retry_after = time.monotonic() + self.retry_seconds
                self._drop_connection()
                if not self._outage_reported:
                    self._outage_reported = True
                    sys.stderr.write(f"task_logs unavailable, {len(batch)} records dropped: {type(exc).__name__}\n")
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _connect(self):
        if self._connection is not None and not self._connection.closed:
            return self._connection
        if time.monotonic() < self._retry_after:
            raise ConnectionError("waiting before reconnecting to the database")
        conninfo = self.conninfo if self.conninfo is not None else django_conninfo()
        if isinstance(conninfo, dict):
            params = {**conninfo, "connect_timeout": self.connect_timeout}
            self._connection = psycopg.connect(autocommit=True, **params)
        else:
            self._connection = psycopg.connect(conninfo, autocommit=True, connect_timeout=self.connect_timeout)
        return self._connection

    def _drop_connection(self):
        if self._connection is not None:
            with contextlib.suppress(Exception):  # it may be broken already
                self._connection.close()
        self._connection = None

    def _write(self, batch):
        connection = self._connect()
        with connection.cursor() as cursor:
            cursor.executemany(_INSERT, batch)
