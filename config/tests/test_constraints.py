"""Each CHECK and UNIQUE constraint of the inventory rejects a bad row, in the database itself."""

import pytest
from django.apps import apps
from django.db import IntegrityError
from django.db import models
from django.db import transaction

from config.testing import make
from config.testing import sample_value
from config.tests.conftest import STOREDESK_APPS


def _constraints(kind):
    for model in apps.get_models():
        if model._meta.app_label not in STOREDESK_APPS:
            continue
        for constraint in model._meta.constraints:
            if isinstance(constraint, kind):
                yield pytest.param(model, constraint, id=constraint.name)


def _first_leaf(q):
    child = q.children[0]
    return _first_leaf(child) if isinstance(child, models.Q) else child


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), list(_constraints(models.CheckConstraint)))
def test_check_constraint_rejects_bad_value(model, constraint):
    row = make(model)
    lookup, allowed = _first_leaf(constraint.condition)
    field, operator = lookup.split("__")
    bad_value = "not-a-valid-value" if operator == "in" else allowed
    with pytest.raises(IntegrityError, match=constraint.name), transaction.atomic():
        model.objects.filter(pk=row.pk).update(**{field: bad_value})


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), list(_constraints(models.UniqueConstraint)))
def test_unique_constraint_rejects_duplicate(model, constraint):
    first = make(model)
    for name in constraint.fields:
        field = model._meta.get_field(name)
        if getattr(first, field.attname) is None:
            setattr(first, field.attname, make(field.related_model).pk if field.is_relation else sample_value(field))
    first.save()
    duplicate = {
        model._meta.get_field(name).attname: getattr(first, model._meta.get_field(name).attname)
        for name in constraint.fields
    }
    with pytest.raises(IntegrityError, match=constraint.name), transaction.atomic():
        make(model, **duplicate)
