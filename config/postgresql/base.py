"""Django's PostgreSQL backend, told the parameter limit of statements bound on the server.

With `server_side_binding` (config/settings.py) every parameter travels as one of the statement's own, and
PostgreSQL takes at most 65,535 of them. Django's backend says it has no limit, so bulk_create would put a large
batch in one statement and fail; knowing the figure, Django splits the batch.
"""

from __future__ import annotations

from functools import cached_property

from django.db.backends.postgresql import base, features

SERVER_BOUND_PARAMETER_LIMIT = 65_535


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int | None:  # type: ignore[override]
        bound_on_server = self.connection.settings_dict["OPTIONS"].get("server_side_binding")
        return SERVER_BOUND_PARAMETER_LIMIT if bound_on_server else None


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
