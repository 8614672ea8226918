from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.conf import settings

        from notifications import signals  # noqa: F401
        from notifications.models import Kind

        unknown = set(settings.NOTIFY_URGENT_KINDS) - set(Kind.values)
        if unknown:
            raise ImproperlyConfigured(
                f"NOTIFY_URGENT_KINDS names unknown kinds {sorted(unknown)}; choose among {', '.join(Kind.values)}"
            )
