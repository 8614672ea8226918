"""After a ticket change commits, turn its event into messages at once instead of at the next sweep.

Only scheduling happens here: the event row is already written by the tracker service, the task derives the
messages, and the sweep derives them anyway if this enqueue is lost (tracker never imports notifications)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from notifications.derive import EVENT_KINDS
from notifications.queue import enqueue
from notifications.tasks import derive_event
from tracker.models import TicketEvent


@receiver(post_save, sender=TicketEvent, dispatch_uid="notifications.event_saved")
def _event_saved(sender: type[TicketEvent], instance: TicketEvent, created: bool, **kwargs: object) -> None:
    if created and instance.kind in EVENT_KINDS:
        transaction.on_commit(partial(enqueue, derive_event, instance.pk), robust=True)
