"""Small helpers of the dashboard's pages (htmx partials, query strings); the store page itself is
built by ``stores.pages``, safe ``next`` URLs are checked by ``config.input.safe_next``."""

from contextlib import contextmanager

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from catalog.edits import EditConflict
from catalog.forms import CATALOG_VISIBILITY_LABELS
from catalog.forms import PRODUCT_STATUS_LABELS
from catalog.forms import PRODUCT_TYPE_LABELS
from catalog.forms import STOCK_STATUS_LABELS
from stores.pages import errors_to_messages

PER_PAGE = 50


def query_without(request, *names):
    params = request.GET.copy() if request.GET else QueryDict(mutable=True)
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def status_labels():
    """The catalog's choice labels, for templates that show a product's or variation's state."""
    return {
        "status_labels": PRODUCT_STATUS_LABELS,
        "type_labels": PRODUCT_TYPE_LABELS,
        "stock_labels": STOCK_STATUS_LABELS,
        "visibility_labels": CATALOG_VISIBILITY_LABELS,
    }


def apply_errors(form, error):
    """A service's ``ValidationError`` on the form: per field where the form has that field."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def save_or_show_refusal(request, form, save, *, values_of, saved_message):
    """Run ``save`` (a service call that returns the push it queued, None when nothing changed)
    for an edit form. A refused save is shown on the form (a change made meanwhile with both
    values, the service's validation errors) and gives False; a save tells the person what
    follows (nothing changed, or ``saved_message`` while the push goes out) and gives True."""
    try:
        push = save()
    except EditConflict as conflict:
        form.show_conflict(conflict, values_of(conflict.current))
        return False
    except ValidationError as error:
        apply_errors(form, error)
        return False
    if push is None:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, saved_message)
    return True


@contextmanager
def refusals_as_messages(request, conflict_message):
    """A change refused by its service, told to the person as messages: a form token that is not
    ours (out of date or tampered with), ``conflict_message`` for a change made meanwhile, and
    the service's own validation messages."""
    try:
        yield
    except signing.BadSignature:
        messages.error(
            request, _("This form is out of date or incomplete: reload the page and make your change again.")
        )
    except EditConflict:
        messages.error(request, conflict_message)
    except ValidationError as error:
        errors_to_messages(request, error)
