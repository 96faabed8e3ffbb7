"""Fixtures of the agents tests: a store with its owner, manager and viewer, another store, an
app admin, and ``run(agent)`` that runs one agent and returns its execution-log row."""

import pytest

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant
from stores.models import StoreRole, StoreUser
from stores.services import store_create

PASSWORD = "a-Long-enough-passw0rd"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_language_model(settings):
    settings.AGENTS_LLM_URL = ""
    settings.AGENTS_LLM_MODEL = ""


@pytest.fixture
def owner(db):
    return user_create(email="owner@example.com", password=PASSWORD)


@pytest.fixture
def store(owner):
    return store_create(
        actor=owner, name="Olive & Thyme", url="http://127.0.0.1:9", api_key="ck_test_1234", api_secret="cs_test_1234"
    )


def member(store, email, role):
    user = user_create(email=email, password=PASSWORD)
    StoreUser.objects.create(store=store, user=user, role=role)
    return user


@pytest.fixture
def manager(store):
    return member(store, "manager@example.com", StoreRole.MANAGER)


@pytest.fixture
def viewer(store):
    return member(store, "viewer@example.com", StoreRole.VIEWER)


@pytest.fixture
def admin(db):
    user = user_create(email="admin@example.com", password=PASSWORD)
    user_role_grant(user=user, role=AppRole.ADMIN)
    user.refresh_from_db()
    return user


@pytest.fixture
def other_store(db):
    other = user_create(email="other@example.com", password=PASSWORD)
    return store_create(actor=other, name="Elsewhere", url="http://127.0.0.1:9", api_key="ck_o", api_secret="cs_o")


@pytest.fixture
def run():
    from agents.models import ExecutionType
    from agents.services import agent_run

    def run_agent(agent_type, *, store_id=None, execution_type=ExecutionType.SCHEDULED, now=None):
        return agent_run(agent_type, execution_type=execution_type, store_id=store_id, now=now)

    return run_agent


def live(agent_type, store=None):
    """``{cause: insight}`` of the agent's live insights (of the store, or app-wide)."""
    from agents.models import AgentInsight

    rows = AgentInsight.objects.filter(agent_type=agent_type, resolved_at__isnull=True, store=store)
    return {row.cause: row for row in rows}
