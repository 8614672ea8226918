"""The cockpit's figures, precomputed by the sweep (tracker.dashboard.figures_refresh) so that a page over a million
tickets reads a few thousand small rows instead of counting the tickets.

- FiguresRun: one row per day the figures were refreshed, with the moment of the last refresh (the page says how
  fresh its figures are, and the trend takes each month's last snapshot day from here).
- UnitDay: per unit, day and development dimension, the open tickets by warning colour at that day's last refresh.
- UnitMonth: per unit, month and dimension, what happened in the month: tickets opened, closed on time and late
  (with the working days of delay), reopened and rejected, and the public's ratings.

Rows are written for (unit, dimension) pairs that have something to count; a missing row counts zero.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FiguresRun(models.Model):
    day = models.DateField(_("day"), primary_key=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("figures refresh")
        verbose_name_plural = _("figures refreshes")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} @ {self.refreshed_at:%H:%M}"


class UnitDay(models.Model):
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    dimension = models.CharField(_("development dimension"), max_length=20)
    open = models.PositiveIntegerField(_("open"), default=0)
    red = models.PositiveIntegerField(_("overdue (red)"), default=0)
    yellow = models.PositiveIntegerField(_("near deadline or behind (yellow)"), default=0)
    green = models.PositiveIntegerField(_("on track (green)"), default=0)
    paused = models.PositiveIntegerField(_("clock paused"), default=0)
    listed = models.PositiveIntegerField(_("listed supervision"), default=0)

    class Meta:
        verbose_name = _("unit figures of a day")
        verbose_name_plural = _("unit figures of a day")
        constraints = [models.UniqueConstraint(fields=["day", "unit", "dimension"], name="unit_day_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day} {self.dimension}"


class UnitMonth(models.Model):
    unit = models.ForeignKey("tracker.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month (its first day)"))
    dimension = models.CharField(_("development dimension"), max_length=20)
    opened = models.PositiveIntegerField(_("opened"), default=0)
    closed_on_time = models.PositiveIntegerField(_("closed on time"), default=0)
    closed_late = models.PositiveIntegerField(_("closed late"), default=0)
    delay_workdays = models.PositiveIntegerField(_("working days of delay, summed"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    rejected = models.PositiveIntegerField(_("sent back"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically_satisfied = models.PositiveIntegerField(_("basically satisfied"), default=0)
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"), default=0)

    class Meta:
        verbose_name = _("unit figures of a month")
        verbose_name_plural = _("unit figures of a month")
        constraints = [models.UniqueConstraint(fields=["month", "unit", "dimension"], name="unit_month_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m} {self.dimension}"
