import pytest

from config.testing import make


@pytest.fixture
def audit_urls(settings):
    settings.ROOT_URLCONF = "audit.tests.urls"


@pytest.fixture
def user(owner):
    """The user the audit tests act as."""
    return owner


@pytest.fixture
def store(db, user):
    from stores.models import Store

    return make(Store, user=user, name="Shop")
