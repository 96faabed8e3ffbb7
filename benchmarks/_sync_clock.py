"""What a benchmark's pull costs, measured: the instruments of ``sync_pull.py`` (and ``sync_replay.py``).

* ``DbTimer``: wall time of every database statement of the run's connections;
* ``server_seconds``: PostgreSQL's own time executing this database's statements;
* ``CpuClock``: CPU seconds of the sandbox, the worker and the run's PostgreSQL server processes
  (``/proc/<pid>/stat``), the figures that hold on a loaded machine; ``cpu_line`` prints them;
* ``Phases``: all of these at the start and end of a run and of its image-file step;
* ``GcPauses``, ``peak_rss_mb``, ``load_average``, ``verdict``: the rest of the report.
"""

import gc
import os
import resource
import threading
import time


class DbTimer:
    """Time spent in database statements (every statement of the run's connections goes through
    here: this thread's, and those of the steps in threads of their own, orders and store-wide
    variations; their times add up)."""

    def __init__(self):
        self.seconds = 0.0
        self.statements = 0
        self._lock = threading.Lock()

    def add(self, seconds):
        with self._lock:
            self.seconds += seconds
            self.statements += 1

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.add(time.perf_counter() - started)


class GcPauses:
    """Time this process spends in Python's cyclic garbage collector (every thread stops)."""

    def __init__(self):
        self.seconds = 0.0
        self.count = 0
        self._started = None
        gc.callbacks.append(self)

    def __call__(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.seconds += time.perf_counter() - self._started
            self.count += 1
            self._started = None

    def close(self):
        gc.callbacks.remove(self)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def server_seconds():
    """PostgreSQL's own time executing this database's statements so far
    (``pg_stat_database.active_time``, PostgreSQL 14+; the benchmark is alone in its database).

    Unlike the time a statement takes as seen from this process, it leaves out the time the
    answer waits here for the GIL while the page-fetching threads hold it, and Python's encoding
    of the COPY rows. This connection's counters are flushed first (they reach the shared
    statistics before the server says it is ready for the next statement), then read from a
    connection of its own, whose snapshot is fresh."""
    from django.db import connection
    from django.db import connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    reader = connections.create_connection("default")
    try:
        with reader.cursor() as cursor:
            cursor.execute("SELECT active_time FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()[0] / 1000
    finally:
        reader.close()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    """CPU seconds (user + system) a process has used so far, from ``/proc/<pid>/stat``; None
    once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def backend_pid(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


class CpuClock:
    """CPU seconds of the three processes that share the machine during a pull: the sandbox
    (WooCommerce's side: a real store is remote), the worker (this process: the page-fetching
    threads, decoding, mapping, COPY encoding) and PostgreSQL (the server processes of the
    run's connections: this thread's, and those the steps in threads of their own open).
    Unlike wall time, these figures hold on a loaded machine.

    A server process ends with its connection, taking its counters with it: each one is read
    every ``SAMPLE_SECONDS`` meanwhile, so at most that much of its last work is missed."""

    SAMPLE_SECONDS = 0.05

    def __init__(self, sandbox_pid):
        self.sandbox_pid = sandbox_pid
        self.backends = {}  # pid -> [first reading, last reading]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sampler = None

    def _watch_backend(self, pid):
        seconds = process_cpu_seconds(pid)
        if seconds is not None:
            with self._lock:
                self.backends.setdefault(pid, [seconds, seconds])

    def _on_connection(self, sender, connection, **kwargs):
        self._watch_backend(backend_pid(connection))

    def _sample(self):
        while not self._stop.wait(self.SAMPLE_SECONDS):
            self._refresh()

    def _refresh(self):
        with self._lock:
            for pid, readings in self.backends.items():
                seconds = process_cpu_seconds(pid)
                if seconds is not None:
                    readings[1] = seconds

    def __enter__(self):
        from django.db import connection
        from django.db.backends.signals import connection_created

        self._watch_backend(backend_pid(connection))
        connection_created.connect(self._on_connection)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()
        return self

    def __exit__(self, *exc):
        from django.db.backends.signals import connection_created

        connection_created.disconnect(self._on_connection)
        self._stop.set()
        self._sampler.join()

    def read(self):
        self._refresh()
        with self._lock:
            postgres = sum(last - first for first, last in self.backends.values())
        return {
            "sandbox": process_cpu_seconds(self.sandbox_pid) or 0.0,
            "worker": process_cpu_seconds(os.getpid()),
            "postgres": postgres,
        }

    @staticmethod
    def spent(before, after):
        return {name: after[name] - before[name] for name in after}


class Phases:
    """Wall, database, server and CPU time at the start and end of a run and of its image-file
    step."""

    def __init__(self, timer, cpu):
        self.timer = timer
        self.cpu = cpu
        self.marks = {}
        self.cpu_marks = {}

    def mark(self, name):
        self.cpu_marks[name] = self.cpu.read() if self.cpu else None
        self.marks[name] = (time.perf_counter(), self.timer.seconds, self.timer.statements, server_seconds())

    def api_cpu(self):
        """CPU seconds per process of the run without its image-file step."""
        marks = self.cpu_marks
        if marks.get("start") is None:
            return None
        total = CpuClock.spent(marks["start"], marks["end"])
        if "images_start" in marks:
            images = CpuClock.spent(marks["images_start"], marks["images_end"])
            total = {name: seconds - images[name] for name, seconds in total.items()}
        return total


def load_average():
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def cpu_line(cpu):
    return (
        f"sandbox {cpu['sandbox']:.1f} s, worker {cpu['worker']:.1f} s, PostgreSQL {cpu['postgres']:.1f} s "
        f"(total {sum(cpu.values()):.1f} s)"
    )


def verdict(ok):
    return "ok" if ok else "FAILED"
