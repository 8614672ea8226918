"""Refusals the API raises itself (the tracker's own are in tracker.errors). Kept apart from api.errors, whose
handler imports DRF's views, so that parsers and serializers can raise them without an import cycle."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"
