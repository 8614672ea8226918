import datetime as dt

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from workflows import calendar, clocks
from workflows.models import CalendarDay, Policy


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "sign_days",
        "rectify_days",
        "notice_days",
        "verify_days",
        "close_days",
        "reminder_offsets",
        "supervise_after_days",
        "listed_after_days",
        "reporting_cycle_days",
        "satisfaction_bar",
        "review_dissatisfied_share",
    ]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "note"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"

    def changelist_view(self, request, extra_context=None):
        next_year = clocks.today().year + 1
        for year in (next_year - 1, next_year):
            if not calendar.is_official(dt.date(year, 1, 1)):
                entered = CalendarDay.objects.filter(date__year=year).exists()
                if not entered:
                    self.message_user(
                        request,
                        _(
                            "The official holiday schedule for %(year)s is not in the calendar data: "
                            "deadlines in %(year)s count weekends only until you add its holidays and "
                            "make-up workdays here."
                        )
                        % {"year": year},
                        messages.WARNING,
                    )
        return super().changelist_view(request, extra_context)
