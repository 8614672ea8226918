"""The beat schedule: one PeriodicTask firing the sweep every NOTIFY_SWEEP_SECONDS (editable in the admin after).

Idempotent: an existing task of that name (an operator may have changed its interval) is left as it is."""

from django.conf import settings
from django.db import migrations

NAME = "notifications: sweep"


def create(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    every = settings.NOTIFY_SWEEP_SECONDS
    interval, _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
    PeriodicTask.objects.create(
        name=NAME,
        task="notifications.sweep",
        interval=interval,
        # A sweep not started within its interval is dropped: the next one does the same work.
        expire_seconds=max(1, every - 1),
        description="Reminders, escalations, state-change messages, digests and deliveries (notifications.sweep).",
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
