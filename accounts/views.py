from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import services
from accounts.forms import AcceptInvitationForm, EmailAuthenticationForm, ProfileForm, SetOrResetPasswordForm
from accounts.models import User
from accounts.selectors import profile_get
from config.rls import as_service
from stores.forms import invitation_offer_label
from stores.models import StoreRole


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked login: the product's page, saying how long it lasts."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"title": _("Too many attempts"), "lockout_minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
    extra_context = {"title": gettext_lazy("Sign in")}


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")
    extra_context = {"title": gettext_lazy("Change password")}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
    extra_context = {"title": gettext_lazy("Password changed")}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = SetOrResetPasswordForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset_body.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"title": gettext_lazy("Reset your password")}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"title": gettext_lazy("Check your email")}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"title": gettext_lazy("Choose a new password")}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    extra_context = {"title": gettext_lazy("Password reset")}


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
