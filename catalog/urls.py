"""Catalog pages, included by ``config/urls.py`` under ``stores/`` (every route starts with the store)."""

from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("<uuid:store_id>/products/", views.product_list, name="product_list"),
    path("<uuid:store_id>/products/bulk/", views.product_bulk, name="product_bulk"),
    path("<uuid:store_id>/products/new/", views.product_create, name="product_create"),
    path("<uuid:store_id>/products/<uuid:product_id>/", views.product_detail, name="product_detail"),
    path("<uuid:store_id>/products/<uuid:product_id>/edit/", views.product_edit, name="product_edit"),
    path(
        "<uuid:store_id>/products/<uuid:product_id>/push-status/", views.product_push_status, name="product_push_status"
    ),
    path("<uuid:store_id>/products/<uuid:product_id>/push-again/", views.product_repush, name="product_repush"),
    path("<uuid:store_id>/products/<uuid:product_id>/trash/", views.product_trash, name="product_trash"),
    path("<uuid:store_id>/products/<uuid:product_id>/attributes/", views.product_attributes, name="product_attributes"),
    path(
        "<uuid:store_id>/products/<uuid:product_id>/variations/<uuid:variation_id>/",
        views.variation_update,
        name="variation_update",
    ),
    path("<uuid:store_id>/products/<uuid:product_id>/variations/new/", views.variation_create, name="variation_create"),
    path(
        "<uuid:store_id>/products/<uuid:product_id>/variations/generate/",
        views.variations_generate,
        name="variations_generate",
    ),
    path(
        "<uuid:store_id>/products/<uuid:product_id>/variations/<uuid:variation_id>/edit/",
        views.variation_edit,
        name="variation_edit",
    ),
    path(
        "<uuid:store_id>/products/<uuid:product_id>/variations/<uuid:variation_id>/delete/",
        views.variation_delete,
        name="variation_delete",
    ),
    path(
        "<uuid:store_id>/products/<uuid:product_id>/conflicts/<uuid:conflict_id>/resolve/",
        views.conflict_resolve,
        name="conflict_resolve",
    ),
    path("<uuid:store_id>/products/categories/", views.category_list, name="category_list"),
    path("<uuid:store_id>/products/categories/new/", views.category_create, name="category_create"),
    path("<uuid:store_id>/products/categories/<uuid:category_id>/edit/", views.category_edit, name="category_edit"),
    path(
        "<uuid:store_id>/products/categories/<uuid:category_id>/delete/", views.category_delete, name="category_delete"
    ),
    path("<uuid:store_id>/products/tags/", views.tag_list, name="tag_list"),
    path("<uuid:store_id>/products/tags/new/", views.tag_create, name="tag_create"),
    path("<uuid:store_id>/products/tags/<uuid:tag_id>/edit/", views.tag_edit, name="tag_edit"),
    path("<uuid:store_id>/products/tags/<uuid:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("<uuid:store_id>/products/brands/", views.brand_list, name="brand_list"),
    path("<uuid:store_id>/products/brands/new/", views.brand_create, name="brand_create"),
    path("<uuid:store_id>/products/brands/<uuid:brand_id>/edit/", views.brand_edit, name="brand_edit"),
    path("<uuid:store_id>/products/brands/<uuid:brand_id>/delete/", views.brand_delete, name="brand_delete"),
    path("<uuid:store_id>/products/attributes/", views.attribute_list, name="attribute_list"),
    path("<uuid:store_id>/products/attributes/new/", views.attribute_form, name="attribute_create"),
    path("<uuid:store_id>/products/attributes/<uuid:attribute_id>/", views.attribute_detail, name="attribute_detail"),
    path("<uuid:store_id>/products/attributes/<uuid:attribute_id>/edit/", views.attribute_form, name="attribute_edit"),
    path(
        "<uuid:store_id>/products/attributes/<uuid:attribute_id>/delete/",
        views.attribute_delete,
        name="attribute_delete",
    ),
    path(
        "<uuid:store_id>/products/attributes/<uuid:attribute_id>/terms/new/",
        views.attribute_term_form,
        name="attribute_term_create",
    ),
    path(
        "<uuid:store_id>/products/attributes/<uuid:attribute_id>/terms/<uuid:term_id>/edit/",
        views.attribute_term_form,
        name="attribute_term_edit",
    ),
    path(
        "<uuid:store_id>/products/attributes/<uuid:attribute_id>/terms/<uuid:term_id>/delete/",
        views.attribute_term_delete,
        name="attribute_term_delete",
    ),
]
