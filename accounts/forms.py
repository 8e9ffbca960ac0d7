"""Forms of people's accounts: the name asked at sign-up, profile editing, and the report form (accounts.safety)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.images import normalise_image

AVATAR_MAX_SIDE = 512


def clean_public_name(value: str, *, required: bool) -> str:
    """A name others may see: spaces tidied, two characters at least, and never an email address."""
    name = " ".join(value.split())
    if not name and not required:
        return name
    if len(name) < 2:
        raise forms.ValidationError(_("Use at least two characters: a first name is enough."))
    if "@" in name:
        raise forms.ValidationError(_("Use a name, not an email address: others see this name."))
    return name


class SignupForm(forms.Form):
    """The extra field of allauth's sign-up form (settings.ACCOUNT_SIGNUP_FORM_CLASS): the name others see,
    so nobody is ever shown by a part of their email address."""

    display_name = forms.CharField(
        max_length=60,
        label=gettext_lazy("Your name"),
        help_text=gettext_lazy("Shown to hosts and guests. A first name is enough; your email address is never shown."),
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )

    def clean_display_name(self) -> str:
        return clean_public_name(self.cleaned_data["display_name"], required=True)

    def signup(self, request: object, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    avatar = forms.FileField(
        required=False,
        label=gettext_lazy("Photo"),
        help_text=gettext_lazy("A JPEG, PNG, WebP or GIF photo of you, at most 8 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    class Meta:
        model = User
        fields = ["display_name", "avatar", "bio", "languages", "city", "country", "language"]
        labels = {
            "display_name": gettext_lazy("Name shown to others"),
            "bio": gettext_lazy("About you"),
            "languages": gettext_lazy("Languages"),
            "city": gettext_lazy("City"),
            "country": gettext_lazy("Country (where your payouts go)"),
        }
        help_texts = {"languages": gettext_lazy("Languages you speak, separated by commas.")}
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        default = dict(settings.LANGUAGES).get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)
        self.fields["language"] = forms.ChoiceField(
            choices=[("", _("The site's language (%(name)s)") % {"name": default}), *settings.LANGUAGES],
            required=False,
            label=_("Your language"),
            help_text=_("The site, our emails and notifications are written in it."),
        )

    def clean_display_name(self) -> str:
        return clean_public_name(self.cleaned_data["display_name"], required=False)

    def clean_avatar(self) -> object:
        upload = self.cleaned_data.get("avatar")
        if upload in (None, False) or not hasattr(upload, "content_type"):
            # Nothing new uploaded (or the "clear" box ticked): keep the model's value.
            return upload
        return normalise_image(upload, max_side=AVATAR_MAX_SIDE)

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and (len(country) != 2 or not country.isalpha()):
            raise forms.ValidationError(_("Give the two-letter country code, e.g. FR, US or JP."))
        return country

    def clean_languages(self) -> str:
        languages = [lang.strip() for lang in self.cleaned_data["languages"].split(",") if lang.strip()]
        if len(languages) > 10:
            raise forms.ValidationError(_("List at most ten languages."))
        return ", ".join(languages)


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What happened?"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 1000}),
        help_text=gettext_lazy("Only Sharing's staff read this. The person is not told who reported them."),
    )
