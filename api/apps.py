from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        # A throttle rate that cannot be read stops start-up, rather than failing every throttled request.
        from rest_framework.settings import api_settings

        from api.throttles import parse_rate

        for scope, rate in api_settings.DEFAULT_THROTTLE_RATES.items():
            try:
                parse_rate(rate)
            except ValueError as error:
                raise ImproperlyConfigured(f"throttle rate {scope!r}: {error}") from None
