"""Order pages, included by ``config/urls.py`` under ``stores/`` (every route starts with the store)."""

from django.urls import path

from orders import views

app_name = "orders"

urlpatterns = [
    path("<uuid:store_id>/orders/", views.order_list, name="order_list"),
    path("<uuid:store_id>/orders/chart/", views.revenue_chart, name="revenue_chart"),
    path("<uuid:store_id>/orders/top-products/", views.top_products, name="top_products"),
    path("<uuid:store_id>/orders/<uuid:order_id>/", views.order_detail, name="order_detail"),
    path("<uuid:store_id>/orders/<uuid:order_id>/status/", views.order_status_change, name="order_status_change"),
    path("<uuid:store_id>/orders/<uuid:order_id>/push-status/", views.order_push_status, name="order_push_status"),
    path("<uuid:store_id>/orders/export.csv", views.order_export, name="order_export"),
    path("<uuid:store_id>/orders/exports/<uuid:export_id>/", views.order_export_status, name="order_export_status"),
    path(
        "<uuid:store_id>/orders/exports/<uuid:export_id>/download/",
        views.order_export_download,
        name="order_export_download",
    ),
    path("<uuid:store_id>/orders/<uuid:order_id>/notes/", views.order_note_add, name="order_note_add"),
    path("<uuid:store_id>/orders/<uuid:order_id>/activity/", views.order_activity, name="order_activity"),
    path("<uuid:store_id>/orders/<uuid:order_id>/refund/", views.order_refund, name="order_refund"),
    path("<uuid:store_id>/customers/", views.customer_list, name="customer_list"),
    path("<uuid:store_id>/customers/<uuid:customer_id>/", views.customer_detail, name="customer_detail"),
]
