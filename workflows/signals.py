"""Cache invalidation only: when a policy or calendar day changes, drop this process's cached copy."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from workflows import calendar
from workflows.models import CalendarDay, Policy, _policy_cache


@receiver([post_save, post_delete], sender=Policy)
def _policy_changed(**kwargs) -> None:
    _policy_cache.clear()


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_changed(**kwargs) -> None:
    calendar.invalidate()
