"""Retention cleanup of audit_logs while another process keeps inserting audit rows.

    .venv/bin/python benchmarks/audit_cleanup.py [--rows 3000000] [--expired 2000000]
                                                 [--insert-rate 500] [--skip-single-delete]

Loads ``--rows`` audit rows (``--expired`` of them older than the 365-day window) into a separate
database, starts a second process that inserts one audit row per transaction at
``--insert-rate`` per second and times each insert, then runs the retention job
(``audit.cleanup``: batches of CLEANUP_BATCH_SIZE rows by key range, one transaction each).
Prints the cleanup's total time and the insert latencies before and during it; the floor is
that no insert waits more than 50 ms. For contrast it then reloads the same rows and removes
them with one big DELETE under the same insert load.
"""

import argparse
import contextlib
import multiprocessing
import time
from datetime import timedelta

from _benchdb import percentile
from _benchdb import setup

FLOOR_MS = 50.0

LOAD_SQL = """
INSERT INTO audit_logs (id, table_name, record_id, action, old_data, new_data, changed_fields,
                        user_id, user_email, ip_address, user_agent, created_at)
SELECT gen_random_uuid(), 'products', gen_random_uuid(), 'UPDATE',
       jsonb_build_object('name', 'Product ' || g, 'price', 10 + g %% 90, 'stock_quantity', g %% 17),
       jsonb_build_object('name', 'Product ' || g, 'price', 11 + g %% 90, 'stock_quantity', g %% 17),
       ARRAY['price'], NULL, 'system:sync', NULL, NULL,
       %(start)s::timestamptz + (g - %(offset)s::bigint) * %(step)s::interval
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g
"""

INSERT_SQL = """
INSERT INTO audit_logs (id, table_name, record_id, action, new_data, user_email, created_at)
VALUES (gen_random_uuid(), 'products', gen_random_uuid(), 'INSERT', %s::jsonb, 'system:bench', now())
"""


def load(dsn, rows, expired, now):
    """``expired`` rows spread over the year before the cut-off, the rest over the year after.

    The secondary indexes are dropped for the load and rebuilt after it, then the table is
    vacuumed and a checkpoint taken, so the measurement starts without the load's pending I/O.
    """
    import psycopg

    chunk = 250_000 if rows > 100_000 else 2_500
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("TRUNCATE audit_logs")
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'audit_logs' AND indexname <> 'audit_logs_pkey'"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        spans = [
            (0, expired, now - timedelta(days=730), timedelta(days=364)),
            (expired, rows - expired, now - timedelta(days=364), timedelta(days=364)),
        ]
        for offset, count, start, span in spans:
            step = span / max(count, 1)
            for first in range(offset, offset + count, chunk):
                last = min(first + chunk, offset + count) - 1
                params = {"start": start, "offset": offset, "step": step, "first": first, "last": last}
                conn.execute(LOAD_SQL, params)
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE audit_logs")
        with contextlib.suppress(psycopg.Error):  # needs superuser or pg_checkpoint; else only noisier
            conn.execute("CHECKPOINT")
        total = conn.execute("SELECT count(*) FROM audit_logs").fetchone()[0]
    return total, time.perf_counter() - started


def inserter(dsn, rate, ready, stop, results):
    """Insert one audit row per transaction (autocommit) at ``rate``/s; report (start, seconds) pairs."""
    import psycopg

    samples = []
    interval = 1.0 / rate
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(INSERT_SQL, ['{"name": "warm-up"}'], prepare=True)
        ready.set()
        next_at = time.perf_counter()
        while not stop.is_set():
            t0 = time.perf_counter()
            conn.execute(INSERT_SQL, ['{"name": "live insert"}'], prepare=True)
            samples.append((t0, time.perf_counter() - t0))
            next_at += interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.perf_counter()
    results.put(samples)


def stats(samples, start, end):
    """Latencies of the inserts that *began* in [start, end] (an insert waiting on the work counts)."""
    latencies = [seconds * 1000 for at, seconds in samples if start <= at <= end]
    if not latencies:
        return "no inserts", 0.0
    return (
        f"{len(latencies)} inserts, p50 {percentile(latencies, 0.5):.2f} ms, "
        f"p99 {percentile(latencies, 0.99):.2f} ms, max {max(latencies):.2f} ms"
    ), max(latencies)


def slowest(samples, start, end, count=5):
    inside = sorted(((s * 1000, at - start) for at, s in samples if start <= at <= end), reverse=True)
    return ", ".join(f"{ms:.0f} ms at +{offset:.1f} s" for ms, offset in inside[:count])


def under_insert_load(dsn, rate, work):
    """Run ``work()`` while a second process inserts; return (work result, timings, samples)."""
    context = multiprocessing.get_context("spawn")
    ready, stop, results = context.Event(), context.Event(), context.Queue()
    process = context.Process(target=inserter, args=(dsn, rate, ready, stop, results))
    process.start()
    ready.wait(30)
    time.sleep(2.0)  # a baseline of undisturbed inserts
    work_start = time.perf_counter()
    result = work()
    work_end = time.perf_counter()
    time.sleep(0.5)
    stop.set()
    samples = results.get(timeout=60)
    process.join(30)
    return result, (work_start, work_end), samples


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--expired", type=int, default=2_000_000)
    parser.add_argument("--insert-rate", type=int, default=500, help="inserts per second by the other process")
    parser.add_argument("--batch-size", type=int, default=None, help="default: CLEANUP_BATCH_SIZE")
    parser.add_argument(
        "--pause", type=float, default=None, help="seconds between batches (CLEANUP_BATCH_PAUSE_SECONDS)"
    )
    parser.add_argument("--skip-single-delete", action="store_true")
    args = parser.parse_args()

    dsn = setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from audit import cleanup

    now = timezone.now()
    job = cleanup.cleanup_jobs()["audit_logs"]
    batch_size = args.batch_size or settings.CLEANUP_BATCH_SIZE
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, database {connection.settings_dict['NAME']}"
    )

    total, seconds = load(dsn, args.rows, args.expired, now)
    print(f"loaded {total:,} audit rows ({args.expired:,} older than 365 days) in {seconds:.1f} s")

    result, (start, end), samples = under_insert_load(
        dsn, args.insert_rate, lambda: cleanup.cleanup_one(job, now=now, batch_size=batch_size, pause=args.pause)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE created_at < %s) FROM audit_logs", [result.cutoff])
        left, left_expired = cursor.fetchone()
    baseline, _ = stats(samples, 0, start)
    during, worst = stats(samples, start, end)
    print(
        f"batched cleanup (key range, {batch_size} rows per transaction): removed {result.removed:,} rows "
        f"in {result.batches} batches, {end - start:.1f} s ({result.removed / (end - start):,.0f} rows/s); "
        f"{left:,} rows left, {left_expired} expired"
    )
    print(f"  inserts before cleanup: {baseline}")
    print(f"  inserts during cleanup: {during}")
    print(f"  slowest inserts: {slowest(samples, start, end)}")
    verdict = "met" if worst <= FLOOR_MS else "NOT met"
    print(f"  floor (no insert waits more than {FLOOR_MS:.0f} ms): {verdict} (longest insert stall {worst:.1f} ms)")

    if not args.skip_single_delete:
        load(dsn, args.rows, args.expired, now)

        def single_delete():
            import psycopg

            with psycopg.connect(dsn) as conn:
                conn.execute("SELECT set_config('storedesk.audit_retention', 'on', true)")
                removed = conn.execute("DELETE FROM audit_logs WHERE created_at < %s", [result.cutoff]).rowcount
                conn.commit()
            return removed

        removed, (start, end), samples = under_insert_load(dsn, args.insert_rate, single_delete)
        during, worst = stats(samples, start, end)
        print(f"for contrast, one big DELETE: removed {removed:,} rows in {end - start:.1f} s")
        print(f"  inserts during the DELETE: {during}")
        print(f"  slowest inserts: {slowest(samples, start, end)}")

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_logs")


if __name__ == "__main__":
    main()
