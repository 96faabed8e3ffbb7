from django.urls import path

from stores import views

app_name = "stores"

urlpatterns = [
    path("new/", views.store_create, name="create"),
    path("<uuid:store_id>/", views.store_detail, name="detail"),
    path("<uuid:store_id>/settings/", views.store_settings, name="settings"),
    path("<uuid:store_id>/credentials/", views.store_credentials, name="credentials"),
    path("<uuid:store_id>/credentials/reveal/", views.store_credentials_reveal, name="credentials_reveal"),
    path("<uuid:store_id>/credentials/test/", views.store_test_connection, name="test_connection"),
    path("<uuid:store_id>/credential-log/", views.store_credential_log, name="credential_log"),
    path("<uuid:store_id>/team/", views.store_team, name="team"),
    path("<uuid:store_id>/team/invite/", views.store_invite, name="invite"),
    path("<uuid:store_id>/team/members/<uuid:membership_id>/role/", views.store_member_role, name="member_role"),
    path("<uuid:store_id>/team/members/<uuid:membership_id>/remove/", views.store_member_remove, name="member_remove"),
    path(
        "<uuid:store_id>/team/invitations/<uuid:invitation_id>/revoke/",
        views.store_invitation_revoke,
        name="invitation_revoke",
    ),
    path("<uuid:store_id>/team/grants/", views.store_grant, name="grant"),
    path("<uuid:store_id>/team/grants/<int:grant_id>/revoke/", views.store_grant_revoke, name="grant_revoke"),
    path("<uuid:store_id>/delete/", views.store_delete, name="delete"),
]
