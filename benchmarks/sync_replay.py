"""The database side of a full pull, without HTTP: where PostgreSQL's time goes.

    .venv/bin/python benchmarks/sync_replay.py record [--products 10000] [--orders 20000]
    .venv/bin/python benchmarks/sync_replay.py replay [--runs 3] [--without-audit-triggers]

``record`` runs one full pull against the sandbox (no latency, no image files) in the benchmark
database (``BENCH_DATABASE_URL``, default ``storedesk_bench_sync``) and saves every batch the
pull hands to the writer (products, variations, orders) in ``var/sync_replay.pickle``.
``replay`` writes those batches again, into a new store each run, from this one thread: no
page-fetching threads, no GIL waits, so A/B runs of a write-path change compare like with like.
As in a pull, each orders batch refreshes its customers.
Each run prints rows written, the wall time, the time inside statements and COMMITs as this
process sees it, PostgreSQL's own time (``pg_stat_database.active_time``), the backend's CPU time
(``/proc/<pid>/stat``), the WAL written, and the time per statement kind. About 15-30 s a run.
"""

import argparse
import gc
import os
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/storedesk_bench_sync")

from _benchdb import BASE_DIR
from _benchdb import setup
from _sync_clock import server_seconds

RECORDING = BASE_DIR / "var" / "sync_replay.pickle"
WRITES = ("write_products", "write_listed_variations", "write_orders")


def record(args):
    import sync_pull
    from django.conf import settings

    from sync.models import SyncRunKind
    from sync.writer import Writer

    settings.SYNC_FETCH_IMAGES = False
    settings.SYNC_PAGE_CONCURRENCY = 8
    sync_pull.clean_database()
    calls = []
    originals = {name: getattr(Writer, name) for name in WRITES}

    def recorder(name):
        def method(self, items, *rest):
            calls.append((name, list(items)))
            return originals[name](self, items, *rest)

        return method

    shop = sync_pull.Sandbox(args.products, args.orders, 0)
    try:
        for name in WRITES:
            setattr(Writer, name, recorder(name))
        store = sync_pull.make_store(f"record {time.time():.0f}", shop.url)
        run, wall, _timer, _phases = sync_pull.pull(store, SyncRunKind.FULL)
    finally:
        for name, method in originals.items():
            setattr(Writer, name, method)
        shop.stop()
    RECORDING.parent.mkdir(exist_ok=True)
    RECORDING.write_bytes(pickle.dumps(calls))
    print(f"recorded {len(calls)} batches of a {run.status} pull ({run.rows_written} rows, {wall:.1f} s)")


def backend_cpu(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def statement_kind(sql):
    words = " ".join(sql.split())
    if "INSERT INTO " in words:
        table = words.split("INSERT INTO ", 1)[1].split()[0]
        return ("insert " if "ON CONFLICT" not in words else "upsert ") + table
    return words[:60]


def replay_once(calls, number):
    import sync_pull
    from django.db import connection
    from django.db import connections

    from audit.actor import SYSTEM_SYNC
    from audit.actor import audit_actor
    from sync import upsert
    from sync.records import ItemError
    from sync.writer import EntityStats
    from sync.writer import Writer

    store = sync_pull.make_store(f"replay {number} {time.time():.0f}", "https://replay.example.com")
    kinds = defaultdict(float)
    cpu_kinds = defaultdict(float)
    commit = [0.0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_current_wal_lsn()")
        pid, lsn = cursor.fetchone()

    def measured(kind, call):
        started, cpu_started = time.perf_counter(), backend_cpu(pid)
        try:
            return call()
        finally:
            kinds[kind] += time.perf_counter() - started
            cpu_kinds[kind] += backend_cpu(pid) - cpu_started

    def timer(execute, sql, params, many, context):
        return measured(statement_kind(sql), lambda: execute(sql, params, many, context))

    stage, encode = upsert._stage, upsert._encode

    def timed_stage(table, rows):
        return measured("copy " + table.stage, lambda: stage(table, rows))

    def timed_encode(table, rows):
        started = time.perf_counter()
        try:
            return encode(table, rows)
        finally:
            kinds["(python, inside the copy) encode " + table.stage] += time.perf_counter() - started

    server0 = server_seconds()
    cpu0 = backend_cpu(pid)
    writer = Writer(store.pk)
    stats = {name: EntityStats() for name in WRITES}
    seen = {name: set() for name in WRITES}
    errors: list[ItemError] = []
    original_commit = type(connections["default"])._commit

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return measured("COMMIT", lambda: original_commit(self))
        finally:
            commit[0] += time.perf_counter() - started

    type(connections["default"])._commit = timed_commit
    upsert._stage, upsert._encode = timed_stage, timed_encode
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(timer), audit_actor.system(SYSTEM_SYNC):
            for name, items in calls:
                method = getattr(writer, name)
                if name == "write_listed_variations":
                    method(items, stats[name], seen[name], errors)
                else:
                    method(items, stats[name], seen[name])
    finally:
        type(connections["default"])._commit = original_commit
        upsert._stage, upsert._encode = stage, encode
    wall = time.perf_counter() - started
    cpu = backend_cpu(pid) - cpu0
    server = server_seconds() - server0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)", [lsn])
        wal = float(cursor.fetchone()[0])
    rows = sum(s.written for s in stats.values())
    inside = sum(v for k, v in kinds.items() if not k.startswith("(python"))
    print(
        f"run {number}: {rows} rows, wall {wall:.2f} s, statements+commits {inside:.2f} s "
        f"(commits {commit[0]:.2f} s) -> {rows / inside:,.0f} rows/s as the process sees it; "
        f"PostgreSQL {server:.2f} s -> {rows / server:,.0f} rows/s; backend CPU {cpu:.2f} s; WAL {wal / 1e6:.0f} MB"
    )
    print("    wall s  backend CPU s  statement")
    for kind, seconds in sorted(kinds.items(), key=lambda kv: -kv[1])[:16]:
        print(f"    {seconds:6.2f}  {cpu_kinds[kind]:6.2f}  {kind}")
    return rows / server


def replay(args):
    import sync_pull
    from django.db import connection

    with connection.cursor() as cursor:
        # The session as a pull sets it (sync.pull.Puller.execute).
        cursor.execute("SET synchronous_commit TO off; SET jit TO off")
        if args.work_mem:
            cursor.execute(f"SET work_mem TO '{args.work_mem}'")
    if args.explain_ms is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOAD 'auto_explain'; SET auto_explain.log_min_duration = {int(args.explain_ms)}; "
                "SET auto_explain.log_analyze = on; SET auto_explain.log_nested_statements = on; "
                "SET auto_explain.log_triggers = on; SET auto_explain.log_buffers = on"
            )

    calls = pickle.loads(RECORDING.read_bytes())
    # The recording is millions of objects: out of the garbage collector's sight, or its full
    # collections would be counted as time in the statements they interrupt.
    gc.freeze()
    sync_pull.audit_triggers(enabled=not args.without_audit_triggers)
    try:
        figures = []
        for number in range(1, args.runs + 1):
            if not args.keep:
                sync_pull.clean_database()
            figures.append(replay_once(calls, number))
        print("PostgreSQL rows/s: " + ", ".join(f"{f:,.0f}" for f in figures))
    finally:
        sync_pull.audit_triggers(enabled=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("record", "replay"))
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="do not empty the tables between replays")
    parser.add_argument("--without-audit-triggers", action="store_true")
    parser.add_argument("--work-mem", help="SET work_mem for the replay's session")
    parser.add_argument(
        "--explain-ms", type=int, help="auto_explain (analyze, nested) statements slower than this into the server log"
    )
    args = parser.parse_args()
    setup()
    record(args) if args.mode == "record" else replay(args)


if __name__ == "__main__":
    main()
