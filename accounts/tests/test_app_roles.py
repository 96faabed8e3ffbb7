"""``user_roles`` decides who is an app admin; ``is_staff``/``is_superuser`` follow it, whoever
writes the role (service, Django admin, raw SQL as an import does), never the other way."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import AppRole
from accounts.models import User
from accounts.models import UserRole
from accounts.roles import has_role
from accounts.services import user_role_grant
from accounts.services import user_role_revoke
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ("/admin/", "/admin/accounts/user/", "/audit/anomalies/")


def reachable(client):
    """Which admin pages open for the client's user right now (a fresh request each)."""
    return {url: client.get(url).status_code == 200 for url in ADMIN_PAGES}


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_granting_and_revoking_through_the_service_applies_at_once():
    person = make_user("person@example.com")
    client = signed_in(person)  # signed in before the grant: the next request must see it
    assert not any(reachable(client).values())
    user_role_grant(user=person, role=AppRole.ADMIN)
    assert person.is_staff and person.is_superuser and has_role(person, AppRole.ADMIN)
    assert all(reachable(client).values())
    user_role_revoke(user=person, role=AppRole.ADMIN)
    assert not person.is_staff and not has_role(person, AppRole.ADMIN)
    assert not any(reachable(client).values())


def test_granting_and_revoking_in_the_django_admin_applies_at_once():
    boss = make_user("boss@example.com", admin=True)
    person = make_user("person@example.com")
    admin_client = signed_in(boss)
    client = signed_in(person)
    added = admin_client.post(reverse("admin:accounts_userrole_add"), {"user": person.pk, "role": AppRole.ADMIN})
    assert added.status_code == 302, added.content.decode()[:3000]
    assert all(reachable(client).values())
    role = UserRole.objects.get(user=person, role=AppRole.ADMIN)
    deleted = admin_client.post(reverse("admin:accounts_userrole_delete", args=[role.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    assert not any(reachable(client).values())


def test_raw_sql_writes_to_user_roles_count_too():
    """What an import with INSERT or COPY does: no Python runs, the database keeps the rule."""
    person = make_user("imported@example.com")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO user_roles (user_id, role) VALUES (%s, 'admin')", [person.pk])
    person.refresh_from_db()
    assert person.is_staff and person.is_superuser
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM user_roles WHERE user_id = %s", [person.pk])
    person.refresh_from_db()
    assert not person.is_staff and not person.is_superuser


def test_is_staff_never_makes_an_admin_without_the_role():
    person = make_user("sneaky@example.com")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE users SET is_staff = true, is_superuser = true WHERE id = %s", [person.pk])
    person.refresh_from_db()
    assert not person.is_staff and not person.is_superuser
    person.is_staff = True
    person.save()
    person.refresh_from_db()
    assert not person.is_staff
    assert not any(reachable(signed_in(person)).values())


def test_createsuperuser_makes_an_admin_role():
    root = User.objects.create_superuser("root@example.com", "a-Long-enough-passw0rd")
    assert root.is_staff and root.is_superuser
    assert UserRole.objects.filter(user=root, role=AppRole.ADMIN).exists()


def test_has_role_for_the_user_role():
    person = make_user("member@example.com")
    assert not has_role(person, AppRole.USER)
    user_role_grant(user=person, role=AppRole.USER)
    assert has_role(person, AppRole.USER) and not has_role(person, AppRole.ADMIN)
    assert not person.is_staff
