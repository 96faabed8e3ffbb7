import pytest

from accounts.models import AppRole
from accounts.services import user_create, user_role_grant
from config.testing import make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per password; these tests are about auditing, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def audit_urls(settings):
    settings.ROOT_URLCONF = "audit.tests.urls"


@pytest.fixture
def user(db):
    return user_create(email="owner@example.com", password="correct horse battery staple")


@pytest.fixture
def app_admin(db):
    admin = user_create(email="admin@example.com", password="correct horse battery staple")
    user_role_grant(user=admin, role=AppRole.ADMIN)
    return admin


@pytest.fixture
def store(db, user):
    from stores.models import Store

    return make(Store, user=user, name="Shop")
