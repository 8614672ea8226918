"""Keyset ("cursor") pagination over a composite, unique ordering.

DRF's CursorPagination keys on the first ordering field alone and skips duplicates with an offset capped at 1000, which
breaks on a ledger where thousands of tickets share a deadline. Here every ordering ends in the primary key, the
cursor carries the whole key of the last row seen, and the next page is `WHERE (key) > (cursor)`: one index range scan
however deep the client pages.

A view may declare `orderings = {"name": ("field", ..., "id")}` and `default_ordering`; the client picks one with
`?ordering=`. Page sizes outside 1..API_MAX_PAGE_SIZE, unknown orderings and damaged cursors are 400s. A page is
the queryset's rows: model instances, or dicts for a `.values()` queryset.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_ORDERINGS = {"-id": ("-id",), "id": ("id",)}


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_query_param = "ordering"

    def _orderings(self, view: Any) -> tuple[dict[str, tuple[str, ...]], str]:
        orderings = getattr(view, "orderings", DEFAULT_ORDERINGS)
        return orderings, getattr(view, "default_ordering", next(iter(orderings)))

    def _page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return settings.API_PAGE_SIZE
        maximum = settings.API_MAX_PAGE_SIZE
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
            raise serializers.ValidationError(
                {self.page_size_query_param: [_("Give a whole number from 1 to %(max)s.") % {"max": maximum}]}
            )
        return int(raw)

    def _decode(self, raw: str, model: Any, fields: tuple[str, ...], ordering: str) -> tuple[bool, list[Any]]:
        """(backwards, key values) from a cursor, or a 400."""
        invalid = serializers.ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]})
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==="))
            direction, order, values = payload["d"], payload["o"], payload["v"]
            if direction not in ("n", "p") or order != ordering or len(values) != len(fields):
                raise invalid
            key = [model._meta.get_field(f.lstrip("-")).to_python(v) for f, v in zip(fields, values, strict=True)]
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, DjangoValidationError):
            raise invalid from None
        if any(v is None for v in key):
            raise invalid
        return direction == "p", key

    def _encode(self, backwards: bool, ordering: str, row: Any, fields: tuple[str, ...]) -> str:
        names = [f.lstrip("-") for f in fields]
        values = [row[name] for name in names] if isinstance(row, dict) else [getattr(row, name) for name in names]
        payload = {"d": "p" if backwards else "n", "o": ordering, "v": [str(v) for v in values]}
        return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")

    @staticmethod
    def _after(fields: tuple[str, ...], key: list[Any]) -> Q:
        """Rows strictly after `key` in the order `fields`: (a > x) or (a = x and b > y) or ..."""
        condition = Q(pk__in=[])
        for i, field in enumerate(fields):
            name = field.lstrip("-")
            step = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": key[i]})
            for earlier, value in zip(fields[:i], key[:i], strict=True):
                step &= Q(**{earlier.lstrip("-"): value})
            condition |= step
        return condition

    def paginate_queryset(self, queryset: QuerySet, request: Any, view: Any = None) -> list[Any]:
        orderings, default = self._orderings(view)
        ordering = request.query_params.get(self.ordering_query_param, default)
        if ordering not in orderings:
            raise serializers.ValidationError(
                {self.ordering_query_param: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(orderings)}]}
            )
        size = self._page_size(request)
        fields = orderings[ordering]
        reversed_fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
        raw = request.query_params.get(self.cursor_query_param)
        backwards, key = self._decode(raw, queryset.model, fields, ordering) if raw else (False, None)
        walk = reversed_fields if backwards else fields
        if key is not None:
            queryset = queryset.filter(self._after(walk, key))
        rows = list(queryset.order_by(*walk)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.request, self.ordering, self.fields = request, ordering, fields
        self.next_cursor = self.previous_cursor = None
        if rows and (more if not backwards else key is not None):
            self.next_cursor = self._encode(False, ordering, rows[-1], fields)
        if rows and (more if backwards else key is not None):
            self.previous_cursor = self._encode(True, ordering, rows[0], fields)
        return rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self._link(self.next_cursor), "previous": self._link(self.previous_cursor), "results": data}
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        orderings, default = self._orderings(view)
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": _("Where the page starts: the `next` or `previous` link of the page before."),
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": _("Rows per page."),
                "schema": {"type": "integer", "minimum": 1, "maximum": settings.API_MAX_PAGE_SIZE},
            },
        ]
        if len(orderings) > 1:
            parameters.append(
                {
                    "name": self.ordering_query_param,
                    "required": False,
                    "in": "query",
                    "description": _("Sort order; a leading minus sorts descending."),
                    "schema": {"type": "string", "enum": list(orderings), "default": default},
                }
            )
        return parameters
