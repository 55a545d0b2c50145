"""Consent's reads of a person's own rows; another person's are a 404."""

from django.shortcuts import get_object_or_404

from .erasing import erasures_pending
from .models import Export


def export_owned(user, pk):
    return get_object_or_404(Export, pk=pk, user=user)


def exports_of(user):
    return Export.objects.filter(user=user)


def erasures_in_progress(user):
    return erasures_pending(user)
