"""The library's change counter (a row per person, made here for everyone in one statement), and each
item's local time and month, stored by the database and indexed for the timeline and its scrubber.

On a large table each new stored column rewrites suggestions_mediaitem (with an exclusive lock):
run it while the site is quiet."""

import django.db.models.deletion
import suggestions.models.library
from django.conf import settings
from django.db import migrations, models


def versions_for_everyone(apps, schema_editor):
    version = apps.get_model("suggestions", "LibraryVersion")._meta.db_table
    user = apps.get_model(settings.AUTH_USER_MODEL)._meta
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(version)} (owner_id, n) SELECT {quote(user.pk.column)}, 0 FROM {quote(user.db_table)}"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('suggestions', '0013_suggestion_soundtrack'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='LibraryVersion',
            fields=[
                ('owner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='library_version', serialize=False, to=settings.AUTH_USER_MODEL)),
                ('n', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(versions_for_everyone, migrations.RunPython.noop),
        migrations.AddField(
            model_name='mediaitem',
            name='local_month',
            field=models.GeneratedField(db_persist=True, expression=suggestions.models.library.LocalMonth('captured_at', 'captured_offset', 'created_at'), help_text='the month of local_time: where the scrubber counts it (stored by the database)', output_field=models.DateField()),
        ),
        migrations.AddField(
            model_name='mediaitem',
            name='local_time',
            field=models.GeneratedField(db_persist=True, expression=suggestions.models.library.LocalTime('captured_at', 'captured_offset', 'created_at'), help_text="the timeline's order with consent to time: capture time on the camera's clock (stored by the database)", output_field=models.DateTimeField()),
        ),
        migrations.AddIndex(
            model_name='mediaitem',
            index=models.Index(fields=['owner', '-local_time', '-id'], name='media_local_time_idx'),
        ),
        migrations.AddIndex(
            model_name='mediaitem',
            index=models.Index(fields=['owner', 'local_month'], name='media_local_month_idx'),
        ),
    ]
