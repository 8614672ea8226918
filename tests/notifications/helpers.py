"""Helpers for the notification tests: moments in Asia/Shanghai, a sweep at a moment, rows by kind."""

import datetime as dt
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from celery import Celery, _state

from notifications.models import Channel, Notification
from notifications.sweep import SweepReport, sweep
from workflows.clocks import SHANGHAI

CLOCK_KINDS = ("remind", "chase", "supervise", "list", "report_remind", "report_chase", "report_supervise")


def local(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def sweep_at(moment: dt.datetime) -> SweepReport:
    with time_machine.travel(moment, tick=False):
        return sweep()


def clock_rows(**filters) -> list[Notification]:
    return list(Notification.objects.filter(kind__in=CLOCK_KINDS, **filters).order_by("id"))


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, channel=Channel.INAPP).order_by("id"))


@contextmanager
def celery_app(broker_url: str, *, queue: str = "zhenggai") -> Iterator[Celery]:
    """Send tasks from this thread through a broker of the test's choosing (tasks resolve the current app)."""
    previous = _state.get_current_app()
    app = Celery("zhenggai-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


def closed_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
