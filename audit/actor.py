"""Who is acting, passed to the audit triggers through transaction-local settings.

The audit triggers (``audit_log_changes()``, installed by ``audit/migrations/0004``) read the actor
with ``current_setting('storedesk.actor_user_id', true)`` and friends. Those settings are set with
``set_config(name, value, true)``, i.e. they live until the end of the current transaction only, so
an actor can never leak into another request or task through a persistent connection.

How the settings reach the database
-----------------------------------
The actor of the running code lives in a ``ContextVar``: the web middleware
(``audit.middleware.AuditActorMiddleware``) sets it for each request (lazily: the user is only
resolved when the request actually writes). Every Celery task runs as the named system actor of
its app (``system:sync`` for ``sync.*`` tasks, ``system:webhook`` for ``webhooks.*``,
``system:agents`` for ``agents.*``; set by the ``task_prerun`` signal), and any code can choose
one with ``with audit_actor.system("cleanup"):`` or act for a user with ``with audit_actor(user):``.

A connection ``execute_wrapper`` (installed on every connection when it is created, see
``install``) prefixes every *write* statement issued while an actor is set with one
``SELECT set_config(...), set_config(...), ...;`` in the same ``execute`` call. Django's psycopg 3
backend uses client-side binding, so the two statements travel as one simple-protocol query:

* in autocommit mode PostgreSQL runs a multi-statement simple query as one implicit
  transaction, so the transaction-local settings are in force for the write and gone right after;
* inside ``atomic()`` the settings are re-set before each write, so a savepoint rollback (which
  also rolls back a ``set_config``) or an actor change in the middle of a transaction can never
  leave a stale actor behind; there is no per-transaction bookkeeping to get wrong.

It costs no extra round trip: the prefix rides in the same network message. Reads (``SELECT``)
and DDL are never touched. Where a prefix is impossible (``executemany``, a server-side-binding
cursor) the wrapper falls back to a separate ``set_config`` statement, wrapping both in a
transaction when the connection is in autocommit mode.

Writes issued without an actor are recorded with an empty actor (NULL user and e-mail). Inside a
transaction (where an earlier write may have set an actor) such a write is prefixed with empty
settings, so code after a ``with audit_actor(...)`` block is never attributed to it; in autocommit
mode, or for the statement that opens a transaction, nothing can linger and nothing is added.
"""

import contextlib
import contextvars
import ipaddress
import re
from dataclasses import dataclass
from functools import cached_property

import psycopg
from django.db import transaction

from config import rls
from config.client_ip import client_ip

SETTING_USER_ID = "storedesk.actor_user_id"
SETTING_EMAIL = "storedesk.actor_email"
SETTING_IP = "storedesk.actor_ip"
SETTING_USER_AGENT = "storedesk.actor_user_agent"

SYSTEM_PREFIX = "system:"
# The named system actors of the workers. Others may be added; names are [a-z0-9_-].
SYSTEM_SYNC = "sync"
SYSTEM_WEBHOOK = "webhook"
SYSTEM_CLEANUP = "cleanup"
SYSTEM_AGENTS = "agents"
SYSTEM_ANOMALY = "anomaly"

_SYSTEM_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
_USER_AGENT_MAX = 512

# Transaction control and session statements: no table is touched, no role matters.
_CONTROL_PREFIXES = (
    "savepoint", "release", "rollback", "commit", "begin", "start", "end", "set", "reset", "show",
    "fetch", "move", "close", "discard", "listen", "unlisten", "notify", "deallocate", "vacuum", "checkpoint",
)  # fmt: skip
# Statements that never write rows of an audited table, or that cannot run inside a transaction
# block (a multi-statement query is one): these are passed through untouched.
_PASS_THROUGH_PREFIXES = (
    *_CONTROL_PREFIXES,
    "select", "explain", "declare", "analyze", "load", "cluster", "reindex", "create", "alter", "drop",
    "grant", "revoke", "comment", "lock", "prepare", "refresh", "truncate", "security", "call", "copy",
)  # fmt: skip


def _literal(value):
    """A SQL string literal (standard_conforming_strings is on in every supported PostgreSQL)."""
    return "'" + value.replace("\x00", "").replace("'", "''") + "'"


@dataclass(frozen=True)
class Actor:
    """The values the audit triggers record. ``email`` holds ``system:<name>`` for workers."""

    user_id: str = ""
    email: str = ""
    ip: str = ""
    user_agent: str = ""

    @classmethod
    def for_user(cls, user, *, ip=None, user_agent=None):
        authenticated = user is not None and getattr(user, "is_authenticated", False)
        return cls(
            user_id=str(user.pk) if authenticated else "",
            email=(user.email or "") if authenticated else "",
            ip=clean_ip(ip),
            user_agent=(user_agent or "")[:_USER_AGENT_MAX],
        )

    @classmethod
    def system(cls, name):
        if not _SYSTEM_NAME.match(name):
            raise ValueError(f"A system actor name is [a-z0-9_-]{{1,40}}, not {name!r}.")
        return cls(email=SYSTEM_PREFIX + name)

    @property
    def is_system(self):
        return self.email.startswith(SYSTEM_PREFIX)

    @cached_property
    def set_sql(self):
        """``SELECT set_config(...)`` for the four settings, values inlined as literals."""
        pairs = (
            (SETTING_USER_ID, self.user_id),
            (SETTING_EMAIL, self.email),
            (SETTING_IP, self.ip),
            (SETTING_USER_AGENT, self.user_agent),
        )
        return "SELECT " + ", ".join(f"set_config('{name}', {_literal(value)}, true)" for name, value in pairs)

    @cached_property
    def prefix(self):
        """The prefix for a statement executed without parameters."""
        return self.set_sql + "; "

    @cached_property
    def web_prefix(self):
        """Run the statement as the web role, for this actor (row-level security, config/rls.py),
        its policies reading the actor's rights computed once, here (``rls_remember_context()``,
        after the settings: a select list is evaluated in order)."""
        web = self.set_sql.replace("SELECT ", f"SELECT set_config('role', '{rls.WEB_ROLE}', true), ", 1)
        return web + ", rls_remember_context(); "

    @cached_property
    def service_prefix(self):
        """Back to the connecting (service) login after web statements in the same transaction."""
        return self.set_sql.replace("SELECT ", "SELECT set_config('role', 'none', true), ", 1) + "; "

    @cached_property
    def prefix_escaped(self):
        """The prefix for a statement with parameters: psycopg reads ``%`` as a placeholder."""
        return self.prefix.replace("%", "%%")


NO_ACTOR = Actor()


def clean_ip(value):
    """A valid IP address as text, or "" (the trigger casts it to ``inet``)."""
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError:
        return ""


class _LazyActor:
    """The actor of a web request, built from ``request.user`` the first time something writes."""

    __slots__ = ("_actor", "_request", "_resolving")

    def __init__(self, request):
        self._request = request
        self._actor = None
        self._resolving = False

    def resolve(self):
        if self._actor is None:
            if self._resolving:  # a write made while loading the user itself: no actor yet
                return NO_ACTOR
            self._resolving = True
            try:
                request = self._request
                self._actor = Actor.for_user(
                    getattr(request, "user", None),
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT"),
                )
            finally:
                self._resolving = False
        return self._actor


_current = contextvars.ContextVar("storedesk_audit_actor", default=None)


def current_actor():
    """The actor writes are attributed to right now, or ``None``."""
    value = _current.get()
    if value is None:
        return None
    return value.resolve() if isinstance(value, _LazyActor) else value


def set_request_actor(request):
    """Make ``request``'s user the actor (resolved on first write). Returns a token for ``reset``."""
    return _current.set(_LazyActor(request))


def reset(token):
    _current.reset(token)


class audit_actor(contextlib.ContextDecorator):
    """Attribute the writes inside the block to an actor.

    ``with audit_actor(user, ip=..., user_agent=...):`` for a user outside a request (e.g. a task
    acting on someone's behalf), ``with audit_actor.system("sync"):`` for a worker,
    ``with audit_actor(None):`` to write without an actor. Nests; usable as a decorator.
    """

    def __init__(self, user=None, *, ip=None, user_agent=None, actor=None):
        self.actor = actor if actor is not None else (Actor.for_user(user, ip=ip, user_agent=user_agent))
        self._tokens = []

    @classmethod
    def system(cls, name):
        return cls(actor=Actor.system(name))

    def _recreate_cm(self):
        return type(self)(actor=self.actor)

    def __enter__(self):
        self._tokens.append(_current.set(self.actor if (self.actor.user_id or self.actor.email) else None))
        return self.actor

    def __exit__(self, *exc):
        _current.reset(self._tokens.pop())
        return False


def audit_actor_becomes(user):
    """Attribute the block's writes to ``user`` from the current request's address: for the
    account a visitor has just created (an accepted invitation), whose request began signed out."""
    current = current_actor() or NO_ACTOR
    return audit_actor(actor=Actor.for_user(user, ip=current.ip, user_agent=current.user_agent))


# ---------------------------------------------------------------------------------------------
# The execute wrapper


def _is_write(sql):
    if not isinstance(sql, str):
        return True
    head = sql.lstrip()[:12].lower()
    return not head.startswith(_PASS_THROUGH_PREFIXES)


def _reads_rows(sql):
    """Statements that read or write rows, which row-level security applies to."""
    if not isinstance(sql, str):
        return True
    head = sql.lstrip()[:12].lower()
    return head.startswith(("select", "explain")) or not head.startswith(_PASS_THROUGH_PREFIXES)


def _touches_objects(sql):
    """Reads, writes and DDL: they must run as the service login once a web role was set."""
    if not isinstance(sql, str):
        return True
    return not sql.lstrip()[:12].lower().startswith(_CONTROL_PREFIXES)


def _advance_to_last_result(result, raw_cursor):
    # The prefix's SELECT is the first result; callers expect the statement's own result.
    while raw_cursor.nextset():
        pass
    return result


def _resolve(value):
    if value is None:
        return None
    return value.resolve() if isinstance(value, _LazyActor) else value


# The connection attribute that says a web role may have been set in the open transaction.
_ROLE_SET = "_storedesk_rls_role_set"
# The web prefix (role and actor settings) in effect in the open transaction, if any.
_WEB_PREFIX_SET = "_storedesk_rls_web_prefix_set"


def _reverts_settings(sql):
    return isinstance(sql, str) and sql.lstrip()[:8].lower() == "rollback"


def _keeps_settings(sql):
    """Savepoints and cursor moves leave the role and the settings as they are."""
    return isinstance(sql, str) and sql.lstrip()[:9].lower().startswith(
        ("savepoint", "release", "show", "fetch", "move", "close")
    )


def _execute_with(prefix, set_sql, execute, sql, params, many, context):
    raw = context["cursor"].cursor
    if not many and isinstance(sql, str) and isinstance(raw, psycopg.ClientCursor) and not getattr(raw, "name", None):
        prefixed = (prefix if params is None else prefix.replace("%", "%%")) + sql
        return _advance_to_last_result(execute(prefixed, params, many, context), raw)
    # Fallback: a separate set_config in the same transaction (one extra round trip).
    connection = context["connection"]
    if connection.get_autocommit():
        with transaction.atomic(using=connection.alias):
            raw.connection.execute(set_sql)
            return execute(sql, params, many, context)
    raw.connection.execute(set_sql)
    return execute(sql, params, many, context)


def audit_execute_wrapper(execute, sql, params, many, context):
    """Every statement of a web request runs as ``storedesk_web`` with the user's id; writes carry
    the audit actor; a transaction that ran web statements is switched back before service code."""
    raw = context["cursor"].cursor
    connection = context["connection"]
    status = raw.connection.info.transaction_status
    if status == psycopg.pq.TransactionStatus.IDLE or _reverts_settings(sql):
        # No transaction open, or a rollback (to a savepoint, often from a failed transaction)
        # that takes back the settings made since: the web prefix must be sent again.
        setattr(connection, _WEB_PREFIX_SET, None)
    if status == psycopg.pq.TransactionStatus.INERROR:
        # The statement will fail anyway (or is the rollback); don't add a second error.
        return execute(sql, params, many, context)
    if status == psycopg.pq.TransactionStatus.IDLE:
        # No transaction open: nothing set earlier can linger.
        setattr(connection, _ROLE_SET, False)
    value = _current.get()
    if rls.web_role_active() and _reads_rows(sql):
        actor = _resolve(value) or NO_ACTOR
        if not actor.is_system:
            if status == psycopg.pq.TransactionStatus.INTRANS and getattr(connection, _WEB_PREFIX_SET, None) == (
                actor.web_prefix
            ):
                # This transaction already runs as the web role for this very actor (a request's
                # reads share one transaction, AuditActorMiddleware): nothing to set again.
                return execute(sql, params, many, context)
            setattr(connection, _ROLE_SET, True)
            result = _execute_with(actor.web_prefix, actor.web_prefix[:-2], execute, sql, params, many, context)
            if raw.connection.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:
                setattr(connection, _WEB_PREFIX_SET, actor.web_prefix)
            return result
    if not _keeps_settings(sql):
        # What runs now may change the role or the actor settings: send the web prefix again.
        setattr(connection, _WEB_PREFIX_SET, None)
    role_set = status == psycopg.pq.TransactionStatus.INTRANS and getattr(connection, _ROLE_SET, False)
    if role_set and not _is_write(sql):
        if not _touches_objects(sql):
            return execute(sql, params, many, context)
        actor = _resolve(value) or NO_ACTOR
        return _execute_with(actor.service_prefix, actor.service_prefix[:-2], execute, sql, params, many, context)
    if not _is_write(sql):
        return execute(sql, params, many, context)
    if value is None:
        if status != psycopg.pq.TransactionStatus.INTRANS:
            # Autocommit, or a transaction this statement starts: no earlier actor can linger.
            return execute(sql, params, many, context)
        # Inside a transaction where an actor may have been set before: clear it.
        actor = NO_ACTOR
    else:
        actor = _resolve(value)
    prefix = actor.service_prefix if role_set else actor.prefix
    return _execute_with(prefix, prefix[:-2], execute, sql, params, many, context)


# ---------------------------------------------------------------------------------------------
# Celery: every task runs as the named system actor of its app, unless it sets another one.

_TASK_ACTORS = {"webhooks": SYSTEM_WEBHOOK, "audit": "maintenance"}


def system_actor_for_task(task_name):
    """``sync.tasks.x`` -> ``sync``, ``webhooks.tasks.y`` -> ``webhook``, ``agents...`` -> ``agents``."""
    app = (task_name or "").split(".", 1)[0].lower()
    name = _TASK_ACTORS.get(app, app)
    return name if _SYSTEM_NAME.match(name or "") else "worker"


def on_task_prerun(task_id=None, task=None, **kwargs):
    token = _current.set(Actor.system(system_actor_for_task(getattr(task, "name", ""))))
    _task_tokens[task_id] = (token, rls.as_service_for_task())


def on_task_postrun(task_id=None, **kwargs):
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        token, role_token = tokens
        try:
            _current.reset(token)
            rls.leave(role_token)
        except ValueError:  # set in another context (should not happen): fall back to clearing
            _current.set(None)


_task_tokens = {}


def install(connection, **kwargs):
    """Add the wrapper to a connection (``connection_created`` receiver; idempotent).

    It goes first in ``execute_wrappers`` so the ``execute_wrapper()`` context manager of other
    code, which pops the *last* wrapper on exit, never removes it.
    """
    if audit_execute_wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, audit_execute_wrapper)
