import io

import pytest
from django.core.management import call_command

from accounts.models import AppRole
from accounts.models import User
from accounts.models import UserRole


@pytest.mark.django_db
def test_creates_the_admin_once_and_prints_a_working_password(monkeypatch):
    monkeypatch.setenv("ADMIN_EMAIL", "Boss@Example.com")
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    password = next(line.split(": ")[1].split()[0] for line in out.getvalue().splitlines() if "password is" in line)
    user = User.objects.get(email="boss@example.com")
    assert user.check_password(password) and user.is_staff and user.is_superuser
    assert UserRole.objects.filter(user=user, role=AppRole.ADMIN).exists()
    assert "ADMIN_EMAIL=boss@example.com" in out.getvalue()

    again = io.StringIO()
    call_command("ensure_admin", stdout=again)
    assert "already exists" in again.getvalue() and User.objects.get(pk=user.pk).check_password(password)
