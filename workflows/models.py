"""Data the engine runs on: deadline policies and the admin's corrections to the official calendar."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class RectificationClass(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate (立行立改)")
    TIME_LIMITED = "time_limited", _("Time-limited (限期整改)")
    LONG_TERM = "long_term", _("Long-term (长期坚持)")


class Severity(models.TextChoices):
    GENERAL = "general", _("General (一般)")
    SERIOUS = "serious", _("Serious (较重)")
    SEVERE = "severe", _("Severe (严重)")


def _working_day_offsets(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, int) and 0 <= v <= 60 for v in value):
        raise ValidationError(_("Enter a list of whole numbers of working days between 0 and 60, e.g. [3, 1, 0]."))


class _PolicyCache:
    ttl_seconds = 30.0

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str], Policy] = {}
        self._loaded_at = float("-inf")

    def get(self) -> dict[tuple[str, str], Policy]:
        now = time.monotonic()
        if now - self._loaded_at > self.ttl_seconds:
            self._rows = {(p.rectification_class, p.severity): p for p in Policy.objects.all()}
            self._loaded_at = now
        return self._rows

    def clear(self) -> None:
        self._loaded_at = float("-inf")


_policy_cache = _PolicyCache()


class Policy(models.Model):
    """How long each stage may take, and when to remind and escalate, for one rectification class.

    A row with a severity overrides the class's general row for findings of that severity.
    """

    rectification_class = models.CharField(_("rectification class"), max_length=20, choices=RectificationClass)
    severity = models.CharField(
        _("severity"),
        max_length=20,
        choices=Severity,
        blank=True,
        help_text=_("Leave blank for every severity."),
    )
    sign_days = models.PositiveSmallIntegerField(_("working days to sign"), default=3)
    rectify_days = models.PositiveSmallIntegerField(_("working days to rectify"), default=60)
    notice_days = models.PositiveSmallIntegerField(_("public notice period (working days)"), default=5)
    verify_days = models.PositiveSmallIntegerField(_("working days to verify after the notice"), default=10)
    close_days = models.PositiveSmallIntegerField(_("working days to close out"), default=5)
    reminder_offsets = models.JSONField(
        _("reminders (working days before the deadline)"),
        default=list,
        validators=[_working_day_offsets],
        help_text=_("e.g. [3, 1, 0]: three and one working days before, and on the day."),
    )
    chase_after_days = models.PositiveSmallIntegerField(
        _("chase the unit head (working days after the deadline)"), default=0
    )
    supervise_after_days = models.PositiveSmallIntegerField(
        _("supervision slip (督办) after working days overdue"), default=3
    )
    listed_after_days = models.PositiveSmallIntegerField(
        _("listed supervision (挂牌督办) after working days overdue"), default=10
    )
    reporting_cycle_days = models.PositiveSmallIntegerField(
        _("reporting cycle (working days)"),
        null=True,
        blank=True,
        help_text=_("How often a progress report is due; blank for none."),
    )
    plan_review = models.BooleanField(
        _("plans are reviewed by the assessor (方案审核)"),
        default=False,
        db_default=False,
        help_text=_(
            "The unit's plan, once signed by its head, waits for the assessor's review before rectifying starts. "
            "Plans for severe findings (严重) are always reviewed."
        ),
    )
    yellow_days = models.PositiveSmallIntegerField(_("yellow warning within working days of the deadline"), default=3)
    progress_tolerance = models.PositiveSmallIntegerField(
        _("yellow when progress lags the schedule by more than (percentage points)"),
        default=20,
        validators=[MaxValueValidator(100)],
    )
    satisfaction_bar = models.DecimalField(
        _("satisfaction bar"),
        max_digits=3,
        decimal_places=2,
        default=0.80,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share of satisfied and basically satisfied feedback needed to verify, 0 to 1."),
    )
    review_dissatisfied_share = models.DecimalField(
        _("review when dissatisfied above"),
        max_digits=3,
        decimal_places=2,
        default=0.30,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "When the share of dissatisfied public feedback on a published ticket rises above this (0 to 1), the "
            "ticket goes back to its assessor for review (复核)."
        ),
    )

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        constraints = [
            models.UniqueConstraint(fields=["rectification_class", "severity"], name="policy_unique_class_severity")
        ]

    def __str__(self) -> str:
        label = self.get_rectification_class_display()
        return f"{label} / {self.get_severity_display()}" if self.severity else str(label)

    @classmethod
    def for_ticket(cls, rectification_class: str, severity: str = "") -> Policy:
        """The policy that governs a ticket: the severity-specific row if there is one, else the class row.

        Policies are few and change rarely, so they are read from a per-process cache that a save clears
        (other processes see the change within POLICY_CACHE_SECONDS).
        """
        rows = _policy_cache.get()
        policy = rows.get((rectification_class, severity)) or rows.get((rectification_class, ""))
        if policy is None:
            raise cls.DoesNotExist(f"no deadline policy for class {rectification_class!r}")
        return policy


class CalendarDay(models.Model):
    """An admin's correction to the official holiday schedule: a day made a holiday or a workday."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'}"
