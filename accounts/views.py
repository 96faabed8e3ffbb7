from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.shortcuts import render
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import AcceptInvitationForm
from accounts.forms import EmailAuthenticationForm
from accounts.forms import ProfileForm
from accounts.forms import SetOrResetPasswordForm
from accounts.models import Invitation
from accounts.models import User
from accounts.selectors import invitations_pending_for
from accounts.selectors import profile_get
from config.rls import as_service
from stores import selectors as store_selectors
from stores import services as store_services
from stores.access import MANAGE_MEMBERS
from stores.access import VIEW_STORE
from stores.access import access_for
from stores.forms import PERMISSION_LABELS
from stores.forms import ROLE_HELP
from stores.forms import GrantForm
from stores.forms import InvitationForm
from stores.forms import RoleForm
from stores.forms import invitation_offer_label
from stores.models import StoreRole
from stores.models import StoreUserObjectPermission
from stores.pages import errors_to_messages
from stores.pages import page_context


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked login: the product's page, saying how long it lasts."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"title": _("Too many attempts"), "lockout_minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


def _auth_page(view, name, title, then=None, **options):
    """Django's auth ``view`` on the product's template ``accounts/<name>.html``, titled ``title``;
    a form page goes on to the page named ``then`` once it succeeds."""
    if then:
        options["success_url"] = reverse_lazy(f"accounts:{then}")
    return view.as_view(template_name=f"accounts/{name}.html", extra_context={"title": title}, **options)


login_page = _auth_page(
    auth_views.LoginView,
    "login",
    gettext_lazy("Sign in"),
    authentication_form=EmailAuthenticationForm,
    redirect_authenticated_user=True,
)
logout = auth_views.LogoutView.as_view()
password_change = _auth_page(
    auth_views.PasswordChangeView, "password_change", gettext_lazy("Change password"), then="password_change_done"
)
password_change_done = _auth_page(
    auth_views.PasswordChangeDoneView, "password_change_done", gettext_lazy("Password changed")
)
password_reset = _auth_page(
    auth_views.PasswordResetView,
    "password_reset",
    gettext_lazy("Reset your password"),
    form_class=SetOrResetPasswordForm,
    email_template_name="accounts/email/password_reset_body.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    then="password_reset_done",
)
password_reset_done = _auth_page(
    auth_views.PasswordResetDoneView, "password_reset_done", gettext_lazy("Check your email")
)
password_reset_confirm = _auth_page(
    auth_views.PasswordResetConfirmView,
    "password_reset_confirm",
    gettext_lazy("Choose a new password"),
    then="password_reset_complete",
)
password_reset_complete = _auth_page(
    auth_views.PasswordResetCompleteView, "password_reset_complete", gettext_lazy("Password reset")
)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    current = profile_get(request.user)
    initial = {
        "first_name": current.first_name,
        "last_name": current.last_name,
        "phone": current.phone,
        "language": current.language or "",
        "time_zone": current.time_zone or timezone.get_current_timezone_name(),
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                avatar=data["avatar"] or None,
                remove_avatar=data["remove_avatar"],
            )
        except ValidationError as error:
            form.add_error("avatar", error)
        else:
            updated = services.profile_set_preferences(
                user=request.user, language=data["language"], time_zone=data["time_zone"] or None
            )
            if updated.language:
                translation.activate(updated.language)  # the message below in the chosen language
            messages.success(request, _("Profile saved."))
            return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "profile": current, "title": _("Your profile")})


@require_POST
def language_set(request):
    """The language switch: Django's ``set_language`` (the cookie), and for a signed-in person
    also the profile, which decides the language of their pages."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.profile_set_preferences(user=request.user, language=language)
    return response


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
@as_service()  # authorised by the one-time token, not by the visitor's rows (config/rls.py)
def invitation_accept(request, token):
    """The one-time link from an invitation email."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationInvalid:
        return render(request, "accounts/invitation_invalid.html", {"title": _("Invitation not valid")}, status=404)

    offer_label = invitation_offer_label(invitation)
    signed_in = request.user.is_authenticated
    matches = signed_in and request.user.email.lower() == invitation.email.lower()
    account_exists = not signed_in and User.objects.filter(email__iexact=invitation.email).exists()
    form = None
    if not signed_in and not account_exists:
        form = AcceptInvitationForm(request.POST or None, email=invitation.email)

    if request.method == "POST":
        try:
            if matches:
                user, membership = services.invitation_accept(token=token, user=request.user)
            elif form is not None and form.is_valid():
                user, membership = services.invitation_accept(
                    token=token,
                    password=form.cleaned_data["new_password1"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                user = membership = None
        except services.InvitationInvalid:
            return render(request, "accounts/invitation_invalid.html", {"title": _("Invitation not valid")}, status=404)
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            user = membership = None
        if membership is not None:
            messages.success(
                request,
                _("Welcome to %(store)s. Your role is %(role)s.")
                % {"store": invitation.store.name, "role": StoreRole(membership.role).label},
            )
            return redirect("stores:detail", store_id=membership.store_id)
        if user is not None:  # a permission invitation: no role, one capability
            messages.success(
                request,
                _("Permission on %(store)s: %(permission)s.")
                % {"permission": offer_label, "store": invitation.store.name},
            )
            return redirect("stores:detail", store_id=invitation.store_id)

    context = {
        "title": _("Join %(store)s") % {"store": invitation.store.name},
        "invitation": invitation,
        "offer_label": offer_label,
        "form": form,
        "signed_in": signed_in,
        "matches": matches,
        "account_exists": account_exists,
        "login_url": f"{reverse('accounts:login')}?next={request.path}",
    }
    return render(request, "accounts/invitation_accept.html", context)


# --- a store's team: members, invitations and grants (the ``stores:team`` pages) -----------------


def _team_context(request, store, **forms):
    access = access_for(request.user)
    members = list(store_selectors.store_members_for(access, store.pk))
    owner_count = sum(1 for m in members if m.role == StoreRole.OWNER)
    for member in members:
        member.is_last_owner = member.role == StoreRole.OWNER and owner_count == 1
        member.is_me = member.user_id == request.user.pk
    invitations = list(invitations_pending_for(access, store.pk))
    for invitation in invitations:
        invitation.offer_label = invitation_offer_label(invitation)
    grants = list(store_selectors.store_grants_for(access, store.pk))
    for grant in grants:
        perm = f"{grant.permission.content_type.app_label}.{grant.permission.codename}"
        grant.label = PERMISSION_LABELS.get(perm, perm)
    return page_context(
        store,
        access,
        "team",
        members=members,
        invitations=invitations,
        grants=grants,
        invite_form=forms.get("invite_form") or InvitationForm(),
        grant_form=forms.get("grant_form") or GrantForm(),
        role_choices=StoreRole.choices,
        role_help=ROLE_HELP,
    )


@login_required
def store_team(request, store_id):
    store = store_selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    return render(request, "stores/team.html", _team_context(request, store))


@login_required
@require_POST
def store_invite(request, store_id):
    store = store_selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                store=store,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url_for=lambda token: request.build_absolute_uri(
                    reverse("invitation_accept", kwargs={"token": token})
                ),
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("stores:team", store_id=store.pk)
    return render(request, "stores/team.html", _team_context(request, store, invite_form=form), status=400)


def _membership_or_404(request, store, membership_id):
    return store_selectors.store_membership_get(access_for(request.user), store.pk, membership_id)


@login_required
@require_POST
def store_member_role(request, store_id, membership_id):
    store = store_selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    membership = _membership_or_404(request, store, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("stores:team", store_id=store.pk)
    try:
        store_services.store_membership_set_role(
            actor=request.user, store=store, membership_id=membership.pk, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        messages.success(
            request,
            _("%(email)s is now %(role)s.")
            % {"email": membership.user.email, "role": StoreRole(form.cleaned_data["role"]).label},
        )
    if not access_for(request.user).can(VIEW_STORE, store.pk):
        return redirect("home")
    if not access_for(request.user).can(MANAGE_MEMBERS, store.pk):
        return redirect("stores:detail", store_id=store.pk)
    return redirect("stores:team", store_id=store.pk)


@login_required
@require_http_methods(["GET", "POST"])
def store_member_remove(request, store_id, membership_id):
    store = store_selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    membership = _membership_or_404(request, store, membership_id)
    if request.method == "POST":
        try:
            store_services.store_membership_remove(actor=request.user, store=store, membership_id=membership.pk)
        except ValidationError as error:
            errors_to_messages(request, error)
            return redirect("stores:team", store_id=store.pk)
        messages.success(request, _("%(email)s was removed from the store.") % {"email": membership.user.email})
        if membership.user_id == request.user.pk:
            return redirect("home")
        return redirect("stores:team", store_id=store.pk)
    context = page_context(store, access_for(request.user), "team", membership=membership)
    return render(request, "stores/member_remove.html", context)


@login_required
@require_POST
def store_invitation_revoke(request, store_id, invitation_id):
    def revoke(store):
        return services.invitation_revoke(actor=request.user, store=store, invitation_id=invitation_id).email

    return _team_revoke(
        request, store_id, revoke, Invitation.DoesNotExist, _("The invitation to %(email)s was revoked.")
    )


def _team_revoke(request, store_id, revoke, not_found, message):
    """Run ``revoke(store)`` for a member manager of the store and go back to the team page with
    ``message`` about the e-mail it answers; 404 when it raises ``not_found`` (not this store's)."""
    store = store_selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    try:
        email = revoke(store)
    except not_found as exc:
        raise Http404 from exc
    messages.success(request, message % {"email": email})
    return redirect("stores:team", store_id=store.pk)


@login_required
@require_POST
def store_grant(request, store_id):
    """A member gets the permission at once; anyone else, account or not, is sent an invitation
    to accept, and the answer is the same for both (the form tells nothing about accounts)."""
    store = store_selectors.store_get(access_for(request.user), store_id, MANAGE_MEMBERS)
    form = GrantForm(request.POST)
    if form.is_valid():
        email, perm = form.cleaned_data["email"], form.cleaned_data["permission"]
        member = store_selectors.store_member_by_email(access_for(request.user), store.pk, email)
        try:
            if member is not None:
                store_services.store_grant_permission(actor=request.user, store=store, user=member.user, perm=perm)
                message = _("Permission granted to %(email)s.")
            else:
                services.invitation_create(
                    actor=request.user,
                    store=store,
                    email=email,
                    permission=perm,
                    accept_url_for=lambda token: request.build_absolute_uri(
                        reverse("invitation_accept", kwargs={"token": token})
                    ),
                )
                message = _("%(email)s was sent an invitation: the permission applies once they accept it.")
        except ValidationError as error:
            form.add_error("permission", error)
        else:
            messages.success(request, message % {"email": email.lower()})
            return redirect("stores:team", store_id=store.pk)
    return render(request, "stores/team.html", _team_context(request, store, grant_form=form), status=400)


@login_required
@require_POST
def store_grant_revoke(request, store_id, grant_id):
    def revoke(store):
        return store_services.store_grant_revoke_by_id(actor=request.user, store=store, grant_id=grant_id).user.email

    return _team_revoke(
        request, store_id, revoke, StoreUserObjectPermission.DoesNotExist, _("Permission revoked from %(email)s.")
    )
