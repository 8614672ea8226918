"""SMS through a pluggable backend (NOTIFY_SMS_BACKEND): a class with `send(phone, text)` that raises
TemporaryError or PermanentError. The default only logs, for machines without an SMS gateway."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from notifications.channels import PermanentError
from notifications.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)
MAX_CHARS = 300


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LoggingSmsBackend:
    """Writes each SMS to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


def backend() -> SmsBackend:
    return import_string(str(settings.NOTIFY_SMS_BACKEND))()


def send(notification: Notification) -> None:
    preference = NotificationPreference.objects.filter(user=notification.recipient).first()
    phone = preference.phone if preference else ""
    if not phone:
        raise PermanentError("the recipient has no mobile number")
    backend().send(phone, f"{notification.subject} {notification.link}".strip()[:MAX_CHARS])
