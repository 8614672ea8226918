"""Reference data in the Django admin. Tickets are read-only here: their state changes only through services."""

from django.contrib import admin

from tracker import services
from tracker.models import (
    Appraisal,
    Evidence,
    ExtensionRequest,
    Feedback,
    Finding,
    Indicator,
    Membership,
    Milestone,
    PauseRequest,
    ProgressReport,
    Ticket,
    TicketEvent,
    Unit,
    Verification,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_names", "code", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "short_names", "code"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            created = services.unit_create(
                name=obj.name, code=obj.code, kind=obj.kind, parent=obj.parent, short_names=obj.short_names
            )
            obj.pk, obj.path = created.pk, created.path

    def get_readonly_fields(self, request, obj=None):
        return ["parent"] if obj else []


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__name"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 1


@admin.register(Appraisal)
class AppraisalAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "period_start", "period_end"]
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "appraisal", "dimension", "weight", "is_key"]
    list_filter = ["dimension", "is_key", "appraisal"]
    search_fields = ["code", "name"]


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "unit",
        "indicator",
        "severity",
        "source",
        "document_number",
        "item_number",
        "recurring",
        "found_on",
    ]
    list_filter = ["severity", "recurring", "appraisal"]
    search_fields = ["description", "document_number"]

    def has_add_permission(self, request):  # findings are logged through the service, which opens the ticket
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["title", "due_on"]


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "actor", "from_state", "to_state", "version", "data"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "lead_unit",
        "state",
        "rectification_class",
        "stage_deadline",
        "due_on",
        "listed",
    ]
    list_filter = ["state", "rectification_class", "listed"]
    search_fields = ["number", "finding__description"]
    inlines = [MilestoneInline, EventInline]


for model in (TicketEvent, ProgressReport, Evidence, Verification, ExtensionRequest, PauseRequest, Feedback):
    admin.site.register(model, ReadOnlyAdmin)
