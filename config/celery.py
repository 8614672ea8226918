"""The Celery app: configured from Django's settings (CELERY_*), tasks found in each app's tasks.py.

Production runs any number of workers and exactly one beat:

    celery -A config worker -l info
    celery -A config beat -l info       # the schedule lives in the database (django-celery-beat)
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zhenggai")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
