"""The OpenAPI description: the error bodies (api/errors.py) and the statuses every operation can answer with.

Views declare what is particular to them (their success body, 403 and 409 where a service may refuse); the schema
class adds the statuses that follow from how an operation is built: 401 behind authentication, 404 with a path
parameter, 400 with input, 413 and 415 with a body, 429 behind a throttle, and 503 anywhere (the database unreachable
for a moment: api.errors).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable, machine-readable reason (not_found, forbidden, …)."))
    detail = serializers.CharField(help_text=_("What went wrong, for people."))


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("Messages by field; nested fields are joined with dots (milestones.0.title)."),
    )


class ConflictSerializer(ErrorSerializer):
    state = serializers.CharField(allow_null=True, help_text=_("The ticket's state now."))
    version = serializers.IntegerField(allow_null=True, help_text=_("The ticket's version now."))
    available_transitions = serializers.ListField(
        child=serializers.CharField(), help_text=_("The transitions the caller may fire from this state.")
    )


def _error(description: str, serializer: type[serializers.Serializer] = ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


FORBIDDEN = _error(_("The caller can see the object but holds no role that may do this."))
CONFLICT = _error(
    _("The ticket's state or version does not allow this (invalid_transition, stale_version, conflict)."),
    ConflictSerializer,
)

_BODY_METHODS = {"POST", "PUT", "PATCH"}


class AutoSchema(openapi.AutoSchema):
    def _standard_errors(self) -> dict[str, OpenApiResponse]:
        has_body = self.method in _BODY_METHODS
        has_query = any(parameter["in"] == "query" for parameter in self._get_parameters())
        needs_auth = not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
        errors: dict[str, OpenApiResponse] = {}
        if has_body or has_query:
            errors["400"] = _error(_("Some input is not valid."), ValidationErrorSerializer)
        if needs_auth:
            errors["401"] = _error(_("No valid credentials were sent."))
            if has_body:
                errors["403"] = _error(_("The caller may not do this (or a session request lacks its CSRF token)."))
        if "{" in self.path:
            errors["404"] = _error(_("No such object, or not one the caller may see."))
        if has_body:
            errors["413"] = _error(_("The body or an uploaded file is too large."))
            errors["415"] = _error(_("The body's media type is not accepted."))
        errors["503"] = _error(_("The database is briefly unreachable; retry after the Retry-After seconds."))
        if self.view.get_throttles():
            errors["429"] = _error(_("Too many requests from this client; retry after the Retry-After seconds."))
        return errors

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._standard_errors().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, ["application/json"], direction)
        return responses
