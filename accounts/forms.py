import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form with the email wording (``username`` stays the field name for axes)."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("That email and password do not match an active account."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class SetOrResetPasswordForm(PasswordResetForm):
    """Django's reset form, also for active users without a usable password.

    People imported from Supabase who signed in by magic link or OAuth have no password here
    (an unusable one); "Forgot your password?" is how they set their first one. Django's form
    skips such users; the reset link itself works for them (its token covers the password field).
    """

    def get_users(self, email):
        from accounts.models import User

        return (
            user
            for user in User.objects.filter(email__iexact=email, is_active=True)
            if user.email.casefold() == email.casefold()
        )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    avatar = forms.FileField(
        label=_("Picture"),
        required=False,
        help_text=_("PNG, JPEG, GIF or WebP, up to 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove the picture"), required=False)
    language = forms.ChoiceField(
        label=_("Language"), required=False, help_text=_("The language of every page after you sign in.")
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Dates, times and “today” in the figures. Your browser's zone until you choose one."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The browser's language")), *settings.LANGUAGES]
        self.fields["time_zone"].choices = [(name, name.replace("_", " ")) for name in _time_zone_names()]


@cache
def _time_zone_names():
    return sorted(name for name in zoneinfo.available_timezones() if "/" in name or name == "UTC")


class NewPasswordMixin(forms.Form):
    new_password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class AcceptInvitationForm(NewPasswordMixin):
    """A new account from an invitation: the email comes from the invitation, not the form."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    field_order = ["first_name", "last_name", "new_password1", "new_password2"]

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        password = data.get("new_password1")
        if password and not self.has_error("new_password2"):
            from accounts.models import User

            probe = User(email=self.email)
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        return data
