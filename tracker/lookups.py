"""`field__inset=<queryset of one column>`: the field's value is among the subquery's rows, written for PostgreSQL.

`id IN (SELECT …)` as one arm of an OR leaves PostgreSQL a single way to find the rows: walk the table (for a sorted
page, its primary key backwards) and test each row against the subquery, which for a unit with few tickets on a large
ledger means visiting nearly every ticket. `id = ANY(ARRAY(SELECT …))` is computed once, before the scan, so the
planner may instead fetch each arm of the OR through an index and combine them (a BitmapOr), while for a large unit
it still walks the primary key. Other databases get the plain IN. (bench/README.md has the figures.)
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, Lookup


@Field.register_lookup
class InSet(Lookup):
    lookup_name = "inset"

    # A list, as Django 5.2 extends a lookup's params in place; django-stubs types them as a tuple.
    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        lhs, lhs_params, rhs, rhs_params = self._sides(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params, rhs, rhs_params = self._sides(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]

    def _sides(self, compiler: Any, connection: Any) -> tuple[str, list[Any], str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return lhs, list(lhs_params), rhs, list(rhs_params)
