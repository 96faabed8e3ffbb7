"""How a pull uses the worker process: steps in threads alongside the others (``Alongside``,
with ``ParentsGate`` between the products and the variations), Python's cyclic collector tuned
for millions of short-lived objects (``collector_for_bulk``), and the database session tuned for
idempotent bulk writes (``tune_session``).
"""

from __future__ import annotations

import contextvars
import gc
import threading
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

# Young-generation threshold of Python's cyclic collector during a pull (default 2,000).
PULL_GC_THRESHOLD = 50_000


@contextmanager
def collector_for_bulk() -> Iterator[None]:
    """Python's cyclic garbage collector tuned for a pull, set back after it.

    A pull decodes some 100 MB of JSON into millions of dicts and lists that live until their
    batch is written: with the default threshold the collector runs after every 2,000 of them,
    over a thousand times a run, and each older-generation pass walks everything this process
    holds (Django, the app, the pages in flight), about a second of a full pull's CPU with every
    thread stopped. The objects that exist before the pull are frozen (no collection walks them)
    and the young generation is collected 25 times less often; the pages hold no reference
    cycles, so what they free goes by reference counting anyway."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(PULL_GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def tune_session() -> None:
    with connection.cursor() as cursor:
        # A pull is idempotent: a crash losing its last commits is repaired by the next one, so
        # the session does not wait for each commit's WAL flush. Its statements are short bulk
        # writes: compiling a JIT plan (100-200 ms once a plan's cost passes jit_above_cost, as
        # a big table's scan does) costs more than it saves.
        cursor.execute("SET synchronous_commit TO off; SET jit TO off")


def reset_session() -> None:
    """The session's settings back to the server's (the connection outlives the pull)."""
    with connection.cursor() as cursor:
        cursor.execute("RESET synchronous_commit; RESET jit")


# The step that depends on no other: pulled alongside the others.
ALONGSIDE = "orders"
# What a puller and the pullers alongside it share: the run's counters, and what one step leaves
# for another (the products written for the variations, the new images for the image files).
SHARED_STATE = (
    "stats",
    "clients",
    "progress_lock",
    "created_products",
    "variable_products",
    "product_modified",
    "new_images",
)


class ParentsGate:
    """The products written so far, for a variations step pulled alongside the products step.

    ``GET /variations`` does not depend on the products listing, but a variation's row needs its
    product's: the variations step fetches its pages meanwhile and writes a batch once every
    product it names is committed (``wait_for``), or once the products step is over (``close``:
    a parent still missing then is an error, as in a pull that runs the steps in turn). Both
    listings go by id, and WooCommerce numbers a variation after its product, so a batch seldom
    waits for long; while it waits, its listing fetches nothing more than its window ahead."""

    def __init__(self) -> None:
        self._committed: set[int] = set()
        self._closed = False
        self._changed = threading.Condition()

    def committed(self, woo_ids: Iterable[int]) -> None:
        with self._changed:
            self._committed.update(woo_ids)
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_for(self, woo_ids: set[int] | None) -> None:
        """Until the products ``woo_ids`` are committed (``None``: until the products step is over)."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or (woo_ids is not None and woo_ids <= self._committed))


class Alongside:
    """One step of a run pulled in a thread of its own, alongside the other steps.

    Orders depend on nothing the catalog steps write. Pulled one after another, the steps leave
    one of the machine's cores idle: while this process decodes, maps and encodes a batch,
    PostgreSQL waits for it, and while PostgreSQL writes it, this process waits. Two steps at a
    time keep both busy. The step has its own database connection (the thread's), its own
    puller and client (their counters are the run's: ``stats`` and ``clients`` are shared), and
    the run's bound on API calls in flight (:meth:`WooClient.sibling`). It runs in a copy of the
    caller's context (the audit actor, the service role). ``puller`` is the run's
    :class:`sync.pull.Puller`; the variations step goes alongside with a ``gate``."""

    def __init__(self, puller, entity: str, *, gate: ParentsGate | None = None) -> None:
        self.entity = entity
        self.error: BaseException | None = None
        self.puller = type(puller)(puller.run, client=puller.client.sibling(), on_progress=puller.on_progress)
        for name in SHARED_STATE:
            setattr(self.puller, name, getattr(puller, name))
        self.puller.parents_gate = gate
        puller.clients.append(self.puller.client)
        context = contextvars.copy_context()
        self.thread = threading.Thread(target=context.run, args=(self._run,), name=f"pull-{entity}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            tune_session()
            # The collector is tuned by the run's thread for the whole run (join() is within).
            self.puller._run_entity(self.entity)
        except BaseException as exc:  # noqa: BLE001 - raised again in the run's thread (join)
            self.error = exc
        finally:
            connection.close()

    def join(self) -> None:
        self.thread.join()
