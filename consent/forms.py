from django import forms

from . import scopes


class NoticeForm(forms.Form):
    notice_version = forms.CharField(widget=forms.HiddenInput)


class OnboardingForm(NoticeForm):
    scopes = forms.MultipleChoiceField(
        choices=[(key, scopes.SCOPES[key].title) for key in scopes.ORDER],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean_scopes(self):
        chosen = self.cleaned_data["scopes"]
        if chosen and scopes.LIBRARY not in chosen:
            raise forms.ValidationError(
                f"Every other choice needs “{scopes.SCOPES[scopes.LIBRARY].title}”: tick it too, or untick the rest."
            )
        return chosen


class GrantForm(NoticeForm):
    scope = forms.ChoiceField(choices=[(key, scopes.SCOPES[key].title) for key in scopes.ORDER])


class FacesConfirmForm(NoticeForm):
    understood = forms.BooleanField(
        required=True,
        label="I agree that rollweb may detect faces in my photos and keep face signatures to group them into people.",
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), strip=False
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password
