"""Catalog pages, included by ``config/urls.py`` under ``stores/<uuid:store_id>/products/``."""

from django.urls import path

from catalog import csv_views
from catalog import image_views
from catalog import taxonomy_views
from catalog import variation_views
from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("bulk/", views.product_bulk, name="product_bulk"),
    path("new/", views.product_create, name="product_create"),
    path("export.csv", csv_views.product_export, name="product_export"),
    path("exports/<uuid:product_export_id>/", csv_views.product_export_status, name="product_export_status"),
    path(
        "exports/<uuid:product_export_id>/download/", csv_views.product_export_download, name="product_export_download"
    ),
    path("import/", csv_views.product_import, name="product_import"),
    path("import/<uuid:import_id>/", csv_views.product_import_preview, name="product_import_preview"),
    path("import/<uuid:import_id>/progress/", csv_views.product_import_progress, name="product_import_progress"),
    path("<uuid:product_id>/", views.product_detail, name="product_detail"),
    path("<uuid:product_id>/edit/", views.product_edit, name="product_edit"),
    path("<uuid:product_id>/push-status/", views.product_push_status, name="product_push_status"),
    path("<uuid:product_id>/push-again/", views.product_repush, name="product_repush"),
    path("<uuid:product_id>/trash/", views.product_trash, name="product_trash"),
    path("<uuid:product_id>/images/", image_views.images_upload, name="images_upload"),
    path("<uuid:product_id>/images/order/", image_views.images_order, name="images_order"),
    path("<uuid:product_id>/images/<uuid:image_id>/", image_views.image_change, name="image_change"),
    path("<uuid:product_id>/attributes/", variation_views.product_attributes, name="product_attributes"),
    path(
        "<uuid:product_id>/variations/<uuid:variation_id>/", variation_views.variation_update, name="variation_update"
    ),
    path("<uuid:product_id>/variations/new/", variation_views.variation_create, name="variation_create"),
    path("<uuid:product_id>/variations/generate/", variation_views.variations_generate, name="variations_generate"),
    path(
        "<uuid:product_id>/variations/<uuid:variation_id>/edit/", variation_views.variation_edit, name="variation_edit"
    ),
    path(
        "<uuid:product_id>/variations/<uuid:variation_id>/delete/",
        variation_views.variation_delete,
        name="variation_delete",
    ),
    path("<uuid:product_id>/conflicts/<uuid:conflict_id>/resolve/", views.conflict_resolve, name="conflict_resolve"),
    path("categories/", taxonomy_views.category_list, name="category_list"),
    path("categories/new/", taxonomy_views.category_create, name="category_create"),
    path("categories/<uuid:category_id>/edit/", taxonomy_views.category_edit, name="category_edit"),
    path("categories/<uuid:category_id>/delete/", taxonomy_views.category_delete, name="category_delete"),
    path("tags/", taxonomy_views.tag_list, name="tag_list"),
    path("tags/new/", taxonomy_views.tag_create, name="tag_create"),
    path("tags/<uuid:tag_id>/edit/", taxonomy_views.tag_edit, name="tag_edit"),
    path("tags/<uuid:tag_id>/delete/", taxonomy_views.tag_delete, name="tag_delete"),
    path("brands/", taxonomy_views.brand_list, name="brand_list"),
    path("brands/new/", taxonomy_views.brand_create, name="brand_create"),
    path("brands/<uuid:brand_id>/edit/", taxonomy_views.brand_edit, name="brand_edit"),
    path("brands/<uuid:brand_id>/delete/", taxonomy_views.brand_delete, name="brand_delete"),
    path("attributes/", taxonomy_views.attribute_list, name="attribute_list"),
    path("attributes/new/", taxonomy_views.attribute_form, name="attribute_create"),
    path("attributes/<uuid:attribute_id>/", taxonomy_views.attribute_detail, name="attribute_detail"),
    path("attributes/<uuid:attribute_id>/edit/", taxonomy_views.attribute_form, name="attribute_edit"),
    path("attributes/<uuid:attribute_id>/delete/", taxonomy_views.attribute_delete, name="attribute_delete"),
    path("attributes/<uuid:attribute_id>/terms/new/", taxonomy_views.attribute_term_form, name="attribute_term_create"),
    path(
        "attributes/<uuid:attribute_id>/terms/<uuid:term_id>/edit/",
        taxonomy_views.attribute_term_form,
        name="attribute_term_edit",
    ),
    path(
        "attributes/<uuid:attribute_id>/terms/<uuid:term_id>/delete/",
        taxonomy_views.attribute_term_delete,
        name="attribute_term_delete",
    ),
]
