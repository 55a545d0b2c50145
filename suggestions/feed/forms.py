"""The feed's forms."""

from django import forms


class HiddenDaysForm(forms.Form):
    start = forms.DateField()
    end = forms.DateField(required=False)
