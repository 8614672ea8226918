"""Delivering a row: pending → sent, or failed with the error; retries are rows too, never countdown tasks.

1. A sweep (or the task that made the rows) claims due pending rows: `claim` + 1 and `next_attempt_at` moved one
   lease ahead, under SKIP LOCKED so two sweepers claim different rows. After commit it enqueues
   `deliver(id, claim)` for each.
2. The task takes the row only if its claim is still the one it was sent with (a conditional UPDATE that bumps
   the claim again and counts the attempt). A duplicate or stale task — Redis redelivering after a worker died,
   or a sweep that re-enqueued after the lease ran out — finds the claim moved on and does nothing.
3. It sends outside any transaction, then records the outcome: sent; or, on a temporary error, the backoff in
   `next_attempt_at` (the next sweep after it re-claims the row); failed on a permanent error or when attempts
   run out.

If the worker dies between sending and recording, the lease runs out and the row is sent once more with the same
identity (Message-ID, X-Zhenggai-Delivery) for the receiver to recognise. If Redis is down, nothing is lost:
the claim simply lapses and a later sweep enqueues again.

The `deliver` task is declared here, beside the claim it continues, rather than in notifications.tasks: the sweep
hands claimed rows to it, and notifications.tasks runs the sweep, so the imports go one way only
(channels <- delivery <- sweep <- tasks <- signals).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.channels import DeliveryError, PermanentError, email, sms, webhooks
from notifications.models import Channel, Notification, State
from notifications.queue import enqueue

logger = logging.getLogger(__name__)


def lease(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=settings.NOTIFY_CLAIM_SECONDS)


def backoff(attempts: int) -> dt.timedelta:
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return dt.timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def claim_due(now: dt.datetime, *, limit: int, only: Q | None = None) -> list[tuple[int, int]]:
    """Claim up to `limit` pending rows whose next attempt has come, in the caller's transaction.

    Returns (id, claim) pairs for the caller to enqueue after commit.
    """
    due = Notification.objects.filter(state=State.PENDING, next_attempt_at__lte=now)
    if only is not None:
        due = due.filter(only)
    ids = list(due.select_for_update(skip_locked=True).order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    if not ids:
        return []
    Notification.objects.filter(pk__in=ids).update(claim=F("claim") + 1, next_attempt_at=lease(now))
    return list(Notification.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "claim"))


def enqueue_after_commit(claimed: list[tuple[int, int]]) -> None:
    """Hand claimed rows to the workers once the claim is committed (in process when there is no broker)."""
    if not claimed:
        return

    def send_all() -> None:
        for notification_id, claim in claimed:
            if not enqueue(deliver, notification_id, claim):
                break  # the broker is down: the claims lapse and a later sweep tries again

    transaction.on_commit(send_all, robust=True)


@shared_task(name="notifications.deliver")
def deliver(notification_id: int, claim: int) -> str:
    """Deliver one claimed row; returns what happened ("sent", "retry", "failed" or "skipped").

    A Celery task (idempotent, so acks_late is safe), and a plain function when called directly."""
    now = timezone.now()
    taken = Notification.objects.filter(pk=notification_id, state=State.PENDING, claim=claim).update(
        claim=F("claim") + 1, attempts=F("attempts") + 1, next_attempt_at=lease(now)
    )
    if not taken:
        return "skipped"
    row = Notification.objects.select_related("recipient", "webhook").get(pk=notification_id)
    try:
        send(row)
    except DeliveryError as exc:
        return _failed(row, str(exc), permanent=exc.permanent)
    except Exception as exc:  # a bug or an unforeseen library error: retried, and visible in last_error
        logger.exception("delivering notification %s", notification_id)
        return _failed(row, f"{type(exc).__name__}: {exc}", permanent=False)
    Notification.objects.filter(pk=row.pk, state=State.PENDING).update(
        state=State.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )
    return "sent"


SENDERS: dict[str, Callable[[Notification], None]] = {
    Channel.EMAIL: email.send,
    Channel.SMS: sms.send,
    Channel.WEBHOOK: webhooks.send,
}


def send(notification: Notification) -> None:
    """Deliver one row on its channel (the in-app inbox needs no delivery: its rows are born sent)."""
    sender = SENDERS.get(notification.channel)
    if sender is None:
        raise PermanentError(f"nothing delivers on channel {notification.channel!r}")
    sender(notification)


def _failed(row: Notification, error: str, *, permanent: bool) -> str:
    give_up = permanent or row.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    now = timezone.now()
    updated = Notification.objects.filter(pk=row.pk, state=State.PENDING, claim=row.claim).update(
        state=State.FAILED if give_up else State.PENDING,
        next_attempt_at=None if give_up else now + backoff(row.attempts),
        last_error=error[:2000],
    )
    if updated:
        level = logging.WARNING if give_up else logging.INFO
        logger.log(
            level,
            "notification %s attempt %s failed%s: %s",
            row.pk,
            row.attempts,
            "" if not give_up else " for good",
            error,
        )
    return ("failed" if give_up else "retry") if updated else "skipped"
