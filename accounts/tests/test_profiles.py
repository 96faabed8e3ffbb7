"""Every new user gets a profile in the same transaction, however the user row is made."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db import transaction

from accounts.models import Profile
from accounts.models import User
from accounts.services import user_create


@pytest.mark.django_db
def test_service_creates_profile_with_names():
    user = user_create(email="Dana@Example.com", password="s3cret-pass-word", first_name="Dana", last_name="לוי")
    profile = Profile.objects.get(pk=user.pk)
    assert (profile.first_name, profile.last_name, profile.email) == ("Dana", "לוי", "dana@example.com")


@pytest.mark.django_db
def test_createsuperuser_gets_a_profile(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-pass-word")
    call_command("createsuperuser", email="root@example.com", interactive=False, verbosity=0)
    assert Profile.objects.filter(user__email="root@example.com").exists()


@pytest.mark.django_db
def test_raw_sql_insert_gets_a_profile():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO users (id, email, password, is_active, is_staff, is_superuser, date_joined)"
            " VALUES (gen_random_uuid(), 'raw@example.com', '!', true, false, false, now()) RETURNING id"
        )
        user_id = cursor.fetchone()[0]
    assert Profile.objects.get(pk=user_id).email == "raw@example.com"


@pytest.mark.django_db(transaction=True)
def test_profile_rolls_back_with_its_user():
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.create_user(email="gone@example.com", password="x")
        raise RuntimeError
    assert not Profile.objects.filter(email="gone@example.com").exists()


@pytest.mark.django_db
def test_deleting_a_user_deletes_the_profile_in_the_database():
    user = user_create(email="leaving@example.com")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM users WHERE id = %s", [user.pk])
    assert not Profile.objects.filter(pk=user.pk).exists()
