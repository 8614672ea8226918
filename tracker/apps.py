from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

# PostgreSQL takes at most this many parameters in one statement when they are bound on the server.
SERVER_BOUND_PARAMETER_LIMIT = 65_535


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Rectification tracker")

    def ready(self) -> None:
        from tracker import lookups  # noqa: F401  (registers the `inset` lookup)

        connection_created.connect(_tell_django_the_parameter_limit, dispatch_uid="tracker.parameter_limit")


def _tell_django_the_parameter_limit(sender: Any, connection: Any, **kwargs: Any) -> None:
    """With parameters bound on the server (config/settings.py), a statement with more than 65,535 of them fails;
    Django splits bulk_create's batches by this figure once it knows it."""
    if connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get("server_side_binding"):
        connection.features.max_query_params = SERVER_BOUND_PARAMETER_LIMIT
