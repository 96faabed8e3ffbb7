"""The project's URLs plus a view the tests drive."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog.models import Product
from config.rls import as_service
from config.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
@as_service()  # row-level security is not what these tests are about (config/tests/test_rls.py is)
def rename_product(request, pk):
    """An ORM save in autocommit mode, as most simple views do; the audit actor is the request's."""
    product = Product.objects.get(pk=pk)
    product.name = request.POST["name"]
    product.save(update_fields=["name", "updated_at"])
    return HttpResponse("ok")


urlpatterns = [
    *project_urlpatterns,
    path("_test/products/<uuid:pk>/rename/", rename_product),
]
