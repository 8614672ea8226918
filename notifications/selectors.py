"""Reads of a user's own notifications: the in-app inbox and its unread count."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from notifications.models import Channel, Notification, NotificationPreference


def inbox_for(user: AbstractBaseUser, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app messages, newest first; nobody else's, ever."""
    if not user.is_authenticated:
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient_id=user.pk, channel=Channel.INAPP).select_related("ticket")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-id")


def unread_count(user: AbstractBaseUser) -> int:
    return inbox_for(user, unread_only=True).count()


def preference_of(user: AbstractBaseUser) -> NotificationPreference:
    """The user's channel preferences; the defaults when they have never set any (nothing is written)."""
    found = NotificationPreference.objects.filter(user_id=user.pk).first()
    return found or NotificationPreference(user_id=user.pk)
