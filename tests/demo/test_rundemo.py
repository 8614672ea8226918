"""The embedded demo: `manage.py rundemo` sweeps on a timer thread inside the server process."""

import threading
import time

import pytest

from demo.management.commands import rundemo
from notifications.models import Kind, Notification

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("default_policies")]


def test_the_demo_thread_sweeps_until_stopped(world, monkeypatch):
    monkeypatch.setattr(rundemo, "FIRST_SWEEP_AFTER_SECONDS", 0.05)
    world.ticket()  # committed, as in the demo server; its message is left for the thread to derive
    Notification.objects.all().delete()
    stop = threading.Event()
    thread = threading.Thread(target=rundemo.sweep_forever, args=(0.1, stop), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not Notification.objects.filter(kind=Kind.ASSIGNED).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert Notification.objects.filter(kind=Kind.ASSIGNED, recipient=world.officer_a).count() == 1
