"""Failed-login lockout: the account+IP pair, and an address on its own only much later.

django-axes counts failures per parameter set but compares every set with one limit. Here the
pair (``username`` + ``ip_address``) locks after ``LOGIN_FAILURE_LIMIT`` failures and the address
alone (every account tried from it) after ``LOGIN_IP_FAILURE_LIMIT``: wrong passwords typed from
anywhere cannot lock the real user out of their own address, and one person's typos cannot lock
out everyone behind the same proxy.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def _failures(attempts):
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PairLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """The count axes compares with ``LOGIN_FAILURE_LIMIT``: the pair's failures, or the
        address's once it reached ``LOGIN_IP_FAILURE_LIMIT`` (which is never below the pair's
        limit, so that count locks)."""
        pair_attempts, address_attempts = self.get_user_attempts(request, credentials)
        address_failures = _failures(address_attempts)
        if address_failures >= settings.LOGIN_IP_FAILURE_LIMIT:
            return address_failures
        return _failures(pair_attempts)

    def reset_user_attempts(self, request, credentials=None):
        """A successful login clears its own pair only: anyone signing in from an address must
        not wipe the failures an attacker piled up there."""
        pair_attempts, _address_attempts = self.filter_user_attempts(request, credentials)
        count, _ = pair_attempts.delete()
        return count
