"""Channels and webhooks are configured here; notifications are shown read-only (their state is the sweep's)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from notifications import services
from notifications.models import Notification, NotificationPreference, UnitWebhook


@admin.register(UnitWebhook)
class UnitWebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "flavour", "language", "active", "created_at"]
    list_filter = ["flavour", "active"]
    search_fields = ["name", "unit__name", "url"]
    autocomplete_fields = ["unit"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "sms", "phone", "language"]
    list_filter = ["email", "sms", "language"]
    search_fields = ["user__username", "user__first_name", "phone"]
    autocomplete_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "channel", "recipient", "webhook", "ticket", "state", "attempts", "created_at"]
    list_filter = ["state", "channel", "kind"]
    search_fields = ["subject", "ticket__number", "recipient__username"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "webhook", "ticket"]
    actions = ["retry"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description=_("Send the selected failed notifications again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = services.notifications_retry(notifications=queryset)
        self.message_user(request, _("%(count)s notifications will be sent by the next sweep.") % {"count": count})
