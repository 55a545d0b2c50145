"""/people/: the people found in a person's photos, and their corrections."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from consent.scopes import FACES, SCOPES
from consent.services import request_grants

from ..models import Person
from . import services
from .forms import MergeForm, PersonForm
from .selectors import face_crop, face_owned, faces_waiting, people_of, person_owned, suggest_unnamed


@login_required
def people(request):
    return render(
        request,
        "suggestions/people/people.html",
        {
            "people": people_of(request.user, hidden=False),
            "hidden_people": people_of(request.user, hidden=True),
            "waiting": faces_waiting(request.user).order_by("-media__created_at", "pk")[:48],
            "waiting_count": faces_waiting(request.user).count(),
            "faces_on": FACES in request_grants(request),
            "faces_scope": SCOPES[FACES],
            "suggest_unnamed": suggest_unnamed(request.user.pk),
        },
    )


@login_required
@require_POST
def preference(request):
    unnamed = request.POST.get("suggest_unnamed") == "yes"
    services.people_preference_set(request.user.pk, suggest_unnamed=unnamed)
    messages.success(request, "Memories may now feature people you have not named." if unnamed
                     else "Memories feature only the people you have named.")
    return redirect("people:index")


@login_required
def person(request, pk):
    person = person_owned(request.user, pk)
    form = PersonForm(
        request.POST or None, initial={"name": person.name, "birthday": person.birthday}, prefix="person"
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(person, name=form.cleaned_data["name"], birthday=form.cleaned_data["birthday"])
        except services.PeopleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Saved.")
            return redirect("people:person", person.pk)
    faces = person.faces.select_related("media").order_by("-media__created_at", "pk")
    return render(
        request,
        "suggestions/people/person.html",
        {"person": person, "form": form, "merge_form": MergeForm(person=person), "faces": faces},
    )


@login_required
@require_POST
def hide(request, pk):
    person = person_owned(request.user, pk)
    hidden = request.POST.get("hidden") == "yes"
    try:
        services.person_update(person, hidden=hidden)
    except services.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Hidden from suggestions." if hidden else "Shown in suggestions again.")
    return redirect("people:person", person.pk)


@login_required
@require_POST
def merge(request, pk):
    person = person_owned(request.user, pk)
    form = MergeForm(request.POST, person=person)
    if not form.is_valid():
        messages.error(request, "Choose the person to merge with.")
        return redirect("people:person", person.pk)
    try:
        services.people_merge(person, form.cleaned_data["other"])
    except services.PeopleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Merged: they are one person now.")
    return redirect("people:person", person.pk)


@login_required
@require_POST
def detach(request, pk):
    face = face_owned(request.user, pk)
    was = face.person
    try:
        new = services.face_detach(face)
    except services.PeopleError as exc:
        messages.error(request, str(exc))
        return redirect("people:index")
    messages.success(request, "Taken out: this face is a person of its own now. Name them, or merge them with someone.")
    if was is not None and Person.objects.filter(pk=was.pk).exists():
        return redirect("people:person", was.pk)
    return redirect("people:person", new.pk)


@login_required
def crop(request, pk):
    face = face_owned(request.user, pk)
    try:
        data = face_crop(face)
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
