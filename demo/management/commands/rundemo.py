"""`python manage.py rundemo [addrport]`: Django's development server with the notification sweep on a timer thread.

The embedded default (no REDIS_URL) runs Celery tasks in process, so each sweep of the thread derives the due
reminders, escalations and state-change messages and delivers them at once (email into var/mail/). Production
runs the same sweep from one Celery beat instead (see config/celery.py).
"""

from __future__ import annotations

import logging
import os
import threading

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import close_old_connections, connections

from notifications.sweep import SweepReport, sweep

logger = logging.getLogger("notifications.demo")
FIRST_SWEEP_AFTER_SECONDS = 5.0


def sweep_forever(interval: float, stop: threading.Event) -> None:
    """Sweep every `interval` seconds until `stop` is set; the thread's database connection closes with it."""
    wait = min(FIRST_SWEEP_AFTER_SECONDS, interval)
    try:
        while not stop.wait(wait):
            wait = interval
            try:
                _log(sweep())
            except Exception:
                logger.exception("the sweep failed; trying again in %ss", interval)
            finally:
                close_old_connections()
    finally:
        connections.close_all()


def _log(report: SweepReport) -> None:
    if report.rows or report.events or report.deliveries or report.digests:
        logger.info(
            "sweep: %s ticket changes, %s tickets due → %s messages, %s digests, %s deliveries",
            report.events,
            report.tickets,
            report.rows,
            report.digests,
            report.deliveries,
        )


class Command(RunserverCommand):
    help = "Run the development server with the notification sweep on a timer thread (the embedded demo)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-seconds",
            type=float,
            default=None,
            help="Seconds between sweeps (default: NOTIFY_SWEEP_SECONDS).",
        )

    def execute(self, *args, **options):
        # The demo is a development server by design: Django's warning against production use is not news here.
        os.environ.setdefault("DJANGO_RUNSERVER_HIDE_WARNING", "true")
        return super().execute(*args, **options)

    def inner_run(self, *args, **options):
        # Runs in the process that serves requests (the autoreloader's child), once per (re)start.
        interval = options.get("sweep_seconds") or settings.NOTIFY_SWEEP_SECONDS
        thread = threading.Thread(
            target=sweep_forever, args=(interval, threading.Event()), name="notification-sweep", daemon=True
        )
        thread.start()
        self.stdout.write(f"Sweeping for reminders and escalations every {interval:g}s.")
        super().inner_run(*args, **options)
