from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_page, name="login"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/change/", views.password_change, name="password_change"),
    path("password/change/done/", views.password_change_done, name="password_change_done"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/done/", views.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", views.password_reset_complete, name="password_reset_complete"),
]

# A store's team pages: served under /stores/ in the "stores" namespace (config/urls.py adds them
# to the stores app's URLs), here because they are about invitations too.
store_team_urlpatterns = [
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
]
