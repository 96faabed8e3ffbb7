"""Fixtures of the agents tests: a store with its owner, manager and viewer, another store, an
app admin, and ``run(agent)`` that runs one agent and returns its execution-log row."""

import pytest

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant

# The dashboard tests' users and stores (owner, store, manager, viewer, other_store).
from catalog.tests.conftest import (  # noqa: F401 - fixtures
    PASSWORD,
    _fast_password_hashing,
    manager,
    other_store,
    owner,
    store,
    viewer,
)


@pytest.fixture
def admin(db):
    user = user_create(email="admin@example.com", password=PASSWORD)
    user_role_grant(user=user, role=AppRole.ADMIN)
    user.refresh_from_db()
    return user


@pytest.fixture
def run():
    from agents.models import ExecutionType
    from agents.services import agent_run

    def run_agent(agent_type, *, store_id=None, execution_type=ExecutionType.SCHEDULED, now=None):
        return agent_run(agent_type, execution_type=execution_type, store_id=store_id, now=now)

    return run_agent


def live(agent_type, of_store=None):
    """``{cause: insight}`` of the agent's live insights (of the store, or app-wide)."""
    from agents.models import AgentInsight

    rows = AgentInsight.objects.filter(agent_type=agent_type, resolved_at__isnull=True, store=of_store)
    return {row.cause: row for row in rows}
