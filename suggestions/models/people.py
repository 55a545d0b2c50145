"""People: faces found in the library, grouped into the people they show."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .library import MediaItem


class Person(models.Model):
    class Feature(models.TextChoices):
        USUAL = "", "as usual"
        LESS = "less", "feature less"
        NEVER = "never", "never feature"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=100, blank=True)
    birthday = models.DateField(null=True, blank=True)
    hidden = models.BooleanField(default=False)
    feature = models.CharField(
        max_length=5, blank=True, choices=Feature.choices, default=Feature.USUAL,
        help_text="less: no memory is about them; never: no suggestion shows them",
    )
    cover_face = models.ForeignKey(
        "Face", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="the face shown for them"
    )
    confirmed = models.BooleanField(
        default=False, help_text="the owner named, merged or split them: re-grouping never takes their faces away"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name or f"person {self.pk}"


class Face(models.Model):
    """A face is a box, an encoding and a person: no other trait is ever inferred."""

    media = models.ForeignKey(MediaItem, on_delete=models.CASCADE, related_name="faces")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="faces")
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    encoding = models.BinaryField(help_text="128 float32 values")
    created_at = models.DateTimeField(default=timezone.now)

    @property
    def box(self):
        return [self.x, self.y, self.w, self.h]


class PeoplePreference(models.Model):
    """What a person chose about memories of people (one row once they choose anything)."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people_preference")
    suggest_unnamed = models.BooleanField(
        default=False, help_text="memories may feature people the owner has not named"
    )
    updated_at = models.DateTimeField(auto_now=True)
