"""Failed-login lockout on the account+IP pair; an address alone only far later; the client's
address from the trusted proxies, never from a header the client picks."""

import pytest
from django.test import Client
from django.test import RequestFactory
from django.urls import reverse

from config.client_ip import client_ip
from stores.tests.helpers import PASSWORD
from stores.tests.helpers import make_user

pytestmark = pytest.mark.django_db

ATTACKER_IP = "198.51.100.9"
VICTIM_IP = "203.0.113.20"


def login(client, email, password, **extra):
    return client.post(reverse("accounts:login"), {"username": email, "password": password}, **extra)


def signed_in_as(client):
    response = client.get(reverse("accounts:profile"))
    return response.context["user"].email if response.status_code == 200 else None


def test_attacker_locks_only_their_own_pair(settings):
    make_user("victim@example.com")
    make_user("colleague@example.com")
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(attacker, "victim@example.com", "guess", REMOTE_ADDR=ATTACKER_IP)
    locked = login(attacker, "victim@example.com", PASSWORD, REMOTE_ADDR=ATTACKER_IP)
    assert locked.status_code == 429
    assert signed_in_as(attacker) is None  # even the right password is refused on the locked pair

    victim = Client()
    assert login(victim, "victim@example.com", PASSWORD, REMOTE_ADDR=VICTIM_IP).status_code == 302
    assert signed_in_as(victim) == "victim@example.com"

    colleague = Client()  # same office, same public address as the attacker
    assert login(colleague, "colleague@example.com", PASSWORD, REMOTE_ADDR=ATTACKER_IP).status_code == 302
    assert signed_in_as(colleague) == "colleague@example.com"

    # Neither success wiped the attacker's failures: the pair stays locked.
    assert login(attacker, "victim@example.com", PASSWORD, REMOTE_ADDR=ATTACKER_IP).status_code == 429


def test_an_address_alone_is_locked_only_at_the_much_higher_limit(settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3 * settings.AXES_FAILURE_LIMIT
    make_user("colleague@example.com")
    sprayer = Client()
    # Spray: a few wrong passwords for many accounts, never enough to lock a pair.
    attempts = 0
    account = 0
    while attempts < settings.LOGIN_IP_FAILURE_LIMIT - 1:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            if attempts < settings.LOGIN_IP_FAILURE_LIMIT - 1:
                assert login(sprayer, f"user{account}@example.com", "guess", REMOTE_ADDR=ATTACKER_IP).status_code == 200
                attempts += 1
        account += 1
    colleague = Client()
    assert login(colleague, "colleague@example.com", PASSWORD, REMOTE_ADDR=ATTACKER_IP).status_code == 302
    colleague.post(reverse("accounts:logout"))
    assert login(sprayer, "another@example.com", "guess", REMOTE_ADDR=ATTACKER_IP).status_code == 429
    # Now the address is locked for everyone behind it, the colleague included...
    assert login(colleague, "colleague@example.com", PASSWORD, REMOTE_ADDR=ATTACKER_IP).status_code == 429
    # ...and nobody elsewhere.
    assert login(Client(), "colleague@example.com", PASSWORD, REMOTE_ADDR=VICTIM_IP).status_code == 302


def test_locked_page_says_how_long_in_english_and_hebrew(settings):
    settings.AXES_FAILURE_LIMIT = 1
    make_user("victim@example.com")
    english = login(Client(), "victim@example.com", "guess", REMOTE_ADDR=ATTACKER_IP)
    assert english.status_code == 429
    page = english.content.decode()
    assert "locked for 15 minutes" in page
    assert 'class="auth-card"' in page and "Reset your password" in page  # the product's layout
    hebrew = login(Client(HTTP_ACCEPT_LANGUAGE="he"), "victim@example.com", "guess", REMOTE_ADDR=ATTACKER_IP)
    assert hebrew.status_code == 429
    text = hebrew.content.decode()
    assert 'dir="rtl"' in text and "15 דקות" in text


def _request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_address_comes_from_the_trusted_proxies_only(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("192.0.2.1", "10.9.9.9")) == "192.0.2.1"  # no proxy: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.9")) == "198.51.100.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.3", "6.6.6.6, 198.51.100.9, 10.0.0.2")) == "198.51.100.9"
    assert client_ip(_request("10.0.0.3", "198.51.100.9")) == "198.51.100.9"  # fewer entries than proxies
    assert client_ip(_request("10.0.0.3", "not-an-address, garbage")) == "10.0.0.3"


def test_a_client_cannot_dodge_the_lock_by_choosing_its_forwarded_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    make_user("victim@example.com")
    attacker = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        # The proxy appends the real address; the attacker varies what it sends before it.
        response = login(
            attacker,
            "victim@example.com",
            "guess",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, {ATTACKER_IP}",
        )
    assert response.status_code == 429
    victim = login(Client(), "victim@example.com", PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=VICTIM_IP)
    assert victim.status_code == 302


def test_changing_the_case_or_spacing_of_the_email_counts_as_the_same_account(settings):
    """Sign-in ignores the case and surrounding spaces of the email, so the lockout must too:
    otherwise each spelling is a fresh pair with its own five guesses."""
    make_user("victim@example.com")
    attacker = Client()
    spellings = [
        "victim@example.com",
        "Victim@example.com",
        "VICTIM@example.com",
        " victim@Example.com",
        "viCtim@example.COM ",
    ]
    for spelling in spellings[: settings.AXES_FAILURE_LIMIT]:
        login(attacker, spelling, "guess", REMOTE_ADDR=ATTACKER_IP)
    assert login(attacker, "victim@EXAMPLE.com", PASSWORD, REMOTE_ADDR=ATTACKER_IP).status_code == 429
    assert signed_in_as(attacker) is None
    assert login(Client(), "Victim@Example.com", PASSWORD, REMOTE_ADDR=VICTIM_IP).status_code == 302
