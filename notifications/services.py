"""Writes a user makes to their own notifications."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Notification, NotificationPreference, State
from notifications.selectors import inbox_for
from tracker.errors import Invalid


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
    *,
    user: AbstractBaseUser,
    email: bool | None = None,
    sms: bool | None = None,
    phone: str | None = None,
    language: str | None = None,
) -> NotificationPreference:
    """Which channels the user wants besides the inbox (which always gets everything), and the language every
    message to them is written in. What is not given (None) stays as it was, or as the defaults for a user who has
    never chosen. Only this changes a preference: switching the pages' language does not."""
    with transaction.atomic():
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user_id=user.pk)
        if email is not None:
            preference.email = email
        if sms is not None:
            preference.sms = sms
        if phone is not None:
            preference.phone = phone.strip()
        errors = {}
        if language is not None:
            preference.language = language
            if language not in dict(settings.LANGUAGES):
                errors["language"] = _("Messages are written in %(languages)s only.") % {
                    "languages": ", ".join(code for code, _name in settings.LANGUAGES)
                }
        if preference.sms and not preference.phone:
            errors["phone"] = _("Give a mobile number to receive SMS.")
        if errors:
            raise Invalid(errors)
        preference.save()
    return preference
