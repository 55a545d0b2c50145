from django import forms

from ..models import Person


class PersonForm(forms.Form):
    name = forms.CharField(max_length=100, required=False, help_text="Only you see it.")
    birthday = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Used for birthday suggestions. Leave empty to clear it.",
    )


class MergeForm(forms.Form):
    other = forms.ModelChoiceField(queryset=Person.objects.none(), label="The same person as", empty_label="Choose someone…")

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = Person.objects.filter(owner_id=person.owner_id).exclude(pk=person.pk)
        self.fields["other"].label_from_instance = lambda other: other.name or f"Unnamed person {other.pk}"
