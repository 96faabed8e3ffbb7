"""The project's URLs plus views the tests drive."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog.models import Product
from config.rls import as_service
from config.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def rename_product(request, pk):
    """An ORM save in autocommit mode, as most simple views do: as the web role, for the request's
    user (row-level security: someone without the store gets a 404)."""
    product = get_object_or_404(Product, pk=pk)
    product.name = request.POST["name"]
    product.save(update_fields=["name", "updated_at"])
    return HttpResponse("ok")


# A request authorised by something other than the user's rows (the webhook receiver's signature,
# an invitation's token) writes as the service role; the audit actor is still the request's.
rename_product_as_service = as_service()(rename_product)

urlpatterns = [
    *project_urlpatterns,
    path("_test/products/<uuid:pk>/rename/", rename_product),
    path("_test/products/<uuid:pk>/rename-as-service/", rename_product_as_service),
]
