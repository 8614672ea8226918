"""Django's PostgreSQL backend, with two facts about this deployment it cannot know by itself.

- The parameter limit of statements bound on the server. With `server_side_binding` (config/settings.py) every
  parameter travels as one of the statement's own, and PostgreSQL takes at most 65,535 of them. Django's backend
  says it has no limit, so bulk_create would put a large batch in one statement and fail; knowing the figure,
  Django splits the batch.
- Reading timestamps in C. Django reads every timestamptz through a subclass of psycopg's pure-Python loader (about
  4 µs a value, against under 1 µs for psycopg's C loader), which then labels the result with the connection's
  time zone. Django has already set the session to that zone, so psycopg's C loader gives the same datetime, the
  same tzinfo included; `CTimestamptzLoader` hands each value to it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, cached_property
from typing import Any

import psycopg
from django.db.backends.postgresql import base, features
from psycopg.adapt import AdaptersMap, Loader
from psycopg.pq import Format

SERVER_BOUND_PARAMETER_LIMIT = 65_535
TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int | None:  # type: ignore[override]
        bound_on_server = self.connection.settings_dict["OPTIONS"].get("server_side_binding")
        return SERVER_BOUND_PARAMETER_LIMIT if bound_on_server else None


class CTimestamptzLoader(Loader):
    """psycopg's own timestamptz loader (its C one where psycopg has it), with the `timezone` attribute that
    Django's create_cursor compares with the connection's to decide whether to put its own loader back. The C
    class cannot be subclassed, hence the delegation."""

    timezone: dt.tzinfo | None = None
    native = psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._native = self.native(oid, context)
        self.load = self._native.load  # type: ignore[method-assign]  # what psycopg calls: the C function itself

    def load(self, data: Any) -> Any:
        return self._native.load(data)


@cache
def _adapters(template: AdaptersMap, timezone: dt.tzinfo) -> AdaptersMap:
    """Django's adapters for this time zone, reading timestamptz in C."""
    loader = type("CTimestamptzLoader", (CTimestamptzLoader,), {"timezone": timezone})
    adapters = AdaptersMap(template)
    adapters.register_loader(TIMESTAMPTZ, loader)
    return adapters


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if self.timezone is not None and "context" in params:  # aware datetimes (USE_TZ), on psycopg 3
            params["context"] = _adapters(params["context"], self.timezone)
        return params
