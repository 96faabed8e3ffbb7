"""Fixtures of the agents tests: a store with its owner, manager and viewer, another store, an
app admin, and ``run(agent)`` that runs one agent and returns its execution-log row."""

import pytest


@pytest.fixture
def admin(app_admin):
    # The root conftest's app admin, with the is_staff the user_roles trigger set.
    app_admin.refresh_from_db()
    return app_admin


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


def out_of_stock_share(store, out, of):
    """Published products of ``store``: ``out`` of them out of stock ("Gone 0"...), the rest of
    ``of`` in stock ("Here 0"...)."""
    from config.testing import make_product

    for i in range(out):
        make_product(store, name=f"Gone {i}", stock_status="outofstock", stock_quantity=0)
    for i in range(of - out):
        make_product(store, name=f"Here {i}")
