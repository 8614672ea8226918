"""Celery tasks. They take ids, never model instances, and may run more than once: every one is idempotent
(see notifications.sweep and notifications.delivery), which is what makes acks_late safe."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from notifications import delivery
from notifications import sweep as sweeping

logger = logging.getLogger(__name__)


@shared_task(name="notifications.sweep")
def sweep() -> dict[str, int]:
    """Fired by beat every NOTIFY_SWEEP_SECONDS (the PeriodicTask "notifications: sweep")."""
    return vars(sweeping.sweep())


@shared_task(name="notifications.derive_event")
def derive_event(event_id: int) -> int:
    return sweeping.derive_event(event_id)


@shared_task(name="notifications.deliver")
def deliver(notification_id: int, claim: int) -> str:
    return delivery.deliver(notification_id, claim)


def enqueue(task: Any, *args: int) -> bool:
    """Send a task now, without the broker's own retries; False (and a log line) when the broker is unreachable.

    Callers run after commit: a failed enqueue loses nothing, because the next sweep finds the same work in rows.
    """
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:  # kombu raises several types for an unreachable broker
        logger.warning("could not enqueue %s%s (%s); the next sweep will pick it up", task.name, args, exc)
        return False
    return True
