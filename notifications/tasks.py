"""Celery tasks that beat and the after-commit signal start. They take ids, never model instances, and may run
more than once: every one is idempotent (see notifications.sweep and notifications.delivery), which is what makes
acks_late safe. The task that delivers a row lives in notifications.delivery, beside the claim the sweep makes."""

from __future__ import annotations

from celery import shared_task

from notifications import sweep as sweeping


@shared_task(name="notifications.sweep")
def sweep() -> dict[str, int]:
    """Fired by beat every NOTIFY_SWEEP_SECONDS (the PeriodicTask "notifications: sweep")."""
    return vars(sweeping.sweep())


@shared_task(name="notifications.derive_event")
def derive_event(event_id: int) -> int:
    return sweeping.derive_event(event_id)
