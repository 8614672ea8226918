from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Rectification tracker")

    def ready(self) -> None:
        from tracker import lookups  # noqa: F401  (registers the `inset` lookup)
