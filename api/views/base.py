"""What the API views share: input validation in one call, and the ticket a view acts on."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation

from tracker import selectors
from tracker.models import Ticket


def validated(serializer_class: type[serializers.Serializer], data: Any, **context: Any) -> dict[str, Any]:
    """The input checked for shape (400 with field errors otherwise), as typed values for a service."""
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_query(serializer_class: type[serializers.Serializer], query: QueryDict) -> dict[str, Any]:
    """The query string checked for shape, as `validated` does a body. It is read as the plain values it holds:
    given the QueryDict itself, DRF would take an empty `?name=` for the name not given, and so accept a value the
    schema refuses."""
    return validated(serializer_class, query.dict())


class TicketActionMixin:
    """A view about one ticket, looked up in the caller's scope: a ticket they may not see is a 404."""

    kwargs: dict[str, Any]
    request: Any

    def get_ticket(self) -> Ticket:
        return selectors.ticket_get(self.request.user, self.kwargs["pk"])


class FileNegotiation(DefaultContentNegotiation):
    """For a view that answers with a file: the file whatever the Accept header says, errors in JSON."""

    def select_renderer(self, request: Any, renderers: list[Any], format_suffix: str | None = None) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type
