"""What an agent is and what it returns.

An agent is a function from the data to findings: ``analyse(context) -> [Finding]``. It reads with
set-based SQL (``context.rows``) and never writes; ``agents.services.agent_run`` turns findings
into insights, alerts and e-mails. A finding names its *cause* ("out_of_stock"): an agent keeps one
live insight per cause and store, so the same finding on the next run updates that insight, and a
cause no longer found resolves it.

Texts are translatable templates with parameters (``text(_("%(count)s products ..."), count=3)``),
rendered in every language of ``settings.LANGUAGES`` when the insight is written.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from django.conf import settings
from django.db import connection

from config.db import Severity

SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
ALERT_SEVERITIES = (Severity.HIGH, Severity.CRITICAL)

STORE_SCOPE = "store"  # findings about one store each (seen by its owners and managers)
APP_SCOPE = "app"  # app-wide findings (seen by app admins)


@dataclass(frozen=True)
class Text:
    """A translatable template and its parameters; ``render()`` in the active language."""

    template: str
    params: dict = field(default_factory=dict)

    def render(self):
        # A lazy ``ngettext_lazy(..., "count")`` picks its plural form from the parameters.
        return self.template % self.params if self.params else str(self.template)


def text(template, **params):
    return Text(template, params)


@dataclass(frozen=True)
class Figure:
    """One number of the evidence: a label and a value already formatted (digits, currency code)."""

    label: Text
    value: str


@dataclass(frozen=True)
class Item:
    """One object the finding is about. ``kind`` picks the link (``agents.presenters.ITEM_LINKS``):
    product, order, webhook, sync_errors, sprint, task, bug, deployment, user."""

    kind: str
    id: str | None
    name: "str | Text"  # store content as is, or a translatable label
    detail: Text | None = None


@dataclass
class Finding:
    cause: str
    severity: str
    title: Text
    analysis: Text
    recommendations: list
    store_id: object = None
    figures: list = field(default_factory=list)
    items: list = field(default_factory=list)
    # Plain numbers behind the text (kept in the insight's metadata; the only facts a language model sees).
    facts: dict = field(default_factory=dict)

    @property
    def key(self):
        return (self.cause, str(self.store_id) if self.store_id else None)


@dataclass(frozen=True)
class Agent:
    agent_type: str
    label: str
    analyse: object  # callable(AgentContext) -> list[Finding]
    scope: str = STORE_SCOPE
    description: str = ""


@dataclass
class AgentContext:
    """What one run looks at: ``now`` and the stores (``None``: every store)."""

    now: object
    store_ids: list | None = None

    def store_filter(self, column):
        """``AND <column> = ANY(%(store_ids)s)`` for a run limited to some stores, else nothing."""
        return "" if self.store_ids is None else f"AND {column} = ANY(%(store_ids)s)"

    def params(self, **extra):
        return {"now": self.now, "store_ids": [str(s) for s in self.store_ids or []], **extra}

    def rows(self, sql, **params):
        """Run one query; rows as dicts."""
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params(**params))
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def since(self, **delta):
        return self.now - timedelta(**delta)


def setting(name):
    return getattr(settings, name)


def severity_at_least(severity, floor):
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[floor]


def money(amount, currency):
    return f"{amount:,.2f} {currency or ''}".strip()


def percent(value):
    return f"{value:+.0f}%"
