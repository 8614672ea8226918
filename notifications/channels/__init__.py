"""Delivery channels. Each `send` either returns (delivered), or raises TemporaryError (try again later) or
PermanentError (retrying cannot help: a refused address, a 4xx from a webhook, a robot that rejects the message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.models import Notification


class DeliveryError(Exception):
    permanent = False


class TemporaryError(DeliveryError):
    pass


class PermanentError(DeliveryError):
    permanent = True


def send(notification: Notification) -> None:
    """Deliver one row on its channel (the in-app inbox needs no delivery: its rows are born sent)."""
    from notifications.channels import email, sms, webhooks
    from notifications.models import Channel

    senders: dict[str, Callable[[Notification], None]] = {
        Channel.EMAIL: email.send,
        Channel.SMS: sms.send,
        Channel.WEBHOOK: webhooks.send,
    }
    sender = senders.get(notification.channel)
    if sender is None:
        raise PermanentError(f"nothing delivers on channel {notification.channel!r}")
    sender(notification)
