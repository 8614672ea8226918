"""Writes a user makes to their own notifications."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Notification, NotificationPreference, State
from notifications.selectors import inbox_for


def notification_mark_read(*, user: AbstractBaseUser, notification: Notification) -> Notification:
    """Mark one of the user's in-app messages read (reading it twice keeps the first time)."""
    if notification.read_at is None:
        now = timezone.now()
        inbox_for(user).filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, user: AbstractBaseUser) -> int:
    """Mark every unread in-app message of the user read; returns how many were unread."""
    return inbox_for(user, unread_only=True).update(read_at=timezone.now())


def notifications_retry(*, notifications: QuerySet[Notification]) -> int:
    """Give failed deliveries a fresh set of attempts; the next sweep sends them. Returns how many."""
    return notifications.filter(state=State.FAILED).update(
        state=State.PENDING, attempts=0, last_error="", next_attempt_at=timezone.now()
    )


def notification_preference_set(
    *, user: AbstractBaseUser, email: bool, sms: bool, phone: str = ""
) -> NotificationPreference:
    """Which channels the user wants besides the inbox (which always gets everything)."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user_id=user.pk, defaults={"email": email, "sms": sms, "phone": (phone or "").strip()}
    )
    return preference
