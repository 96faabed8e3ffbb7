"""Order and customer pages, included by ``config/urls.py`` under ``stores/<uuid:store_id>/``."""

from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/chart/", views.revenue_chart, name="revenue_chart"),
    path("orders/top-products/", views.top_products, name="top_products"),
    path("orders/<uuid:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<uuid:order_id>/status/", views.order_status_change, name="order_status_change"),
    path("orders/<uuid:order_id>/push-status/", views.order_push_status, name="order_push_status"),
    path("orders/export.csv", views.order_export, name="order_export"),
    path("orders/exports/<uuid:export_id>/", views.order_export_status, name="order_export_status"),
    path("orders/exports/<uuid:export_id>/download/", views.order_export_download, name="order_export_download"),
    path("orders/<uuid:order_id>/notes/", views.order_note_add, name="order_note_add"),
    path("orders/<uuid:order_id>/activity/", views.order_activity, name="order_activity"),
    path("orders/<uuid:order_id>/refund/", views.order_refund, name="order_refund"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<uuid:customer_id>/", views.customer_detail, name="customer_detail"),
]
