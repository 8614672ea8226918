"""The hot statements, written out once from the models' metadata rather than compiled by the ORM every time.

The ORM compiles every query anew, and for the few statements run on every request or every transition (the lock
every service takes, the ticket an API client reads, a page of the ledger, the ticket's UPDATE and its event's
INSERT) compiling cost more than PostgreSQL spent answering.

- JoinedRow reads one row with chosen fields of the rows its foreign keys name, runs it on a plain cursor and builds
  the instances with `from_db`, passing each value through the database backend's converters, as the ORM would.
  The related instances carry only the fields asked for (any other field loads on first use, as with `.only()`),
  and sit in the relation's cache, so `ticket.lead_unit` costs no query.
- JoinedValues reads `.values()` rows for the rows a queryset chooses.
- update_row and insert_row write an instance as Model.save would, signals included.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import signals

Converter = Callable[[Any, Any, Any], Any]


class _Part:
    """One model of the statement: the main row (path "") or a related row, and the columns read for it."""

    def __init__(self, model: type[models.Model], path: str, alias: str, fields: Sequence[models.Field]) -> None:
        self.model, self.path, self.alias, self.fields = model, path, alias, list(fields)
        self.attnames = [field.attname for field in self.fields]

    def columns(self) -> list[str]:
        return [f'{self.alias}."{field.column}"' for field in self.fields]


def _joined(
    model: type[models.Model], fields: Sequence[models.Field], related: dict[str, Sequence[str | None]]
) -> tuple[list[_Part], str]:
    """The parts of a statement over `model` (alias t) with the named fields of the rows its foreign keys name
    (`{"finding__indicator": ["code"]}`; None names the related row's primary key), and its FROM clause."""
    parts, joins = [_Part(model, "", "t", fields)], []
    for number, (path, names) in enumerate(related.items(), start=1):
        *parent_path, name = path.split("__")
        parent = next(part for part in parts if part.path == "__".join(parent_path))
        key = parent.model._meta.get_field(name)
        target = key.related_model
        chosen = [target._meta.pk if n is None else target._meta.get_field(n) for n in names]
        part = _Part(target, path, f"r{number}", chosen)
        parts.append(part)
        join = "LEFT JOIN" if key.null else "JOIN"
        joins.append(
            f'{join} "{target._meta.db_table}" {part.alias} '
            f'ON {part.alias}."{target._meta.pk.column}" = {parent.alias}."{key.column}"'
        )
    return parts, f'"{model._meta.db_table}" t {" ".join(joins)}'


def _converters(part: _Part, connection: Any) -> list[tuple[Any, list[Converter]]]:
    """Each column's expression and its converters (the backend's, then the field's from_db_value), as the ORM's
    compiler applies them."""
    columns = [field.get_col(part.alias) for field in part.fields]
    return [(col, [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]) for col in columns]


class JoinedRow:
    """`JoinedRow(Ticket, {"lead_unit": ["path"], "finding": ["severity"]})` reads a ticket with its unit's path and
    its finding's severity. `extra` adds named SQL expressions over the main row (alias `t`), set as attributes.
    `lock` locks the main row until the transaction ends (FOR UPDATE OF t, where the database can: as
    select_for_update, SQLite runs without it)."""

    def __init__(
        self,
        model: type[models.Model],
        related: dict[str, Sequence[str]],
        *,
        extra: dict[str, str] | None = None,
        lock: bool = False,
    ) -> None:
        self.model, self.related, self.extra, self.lock = model, related, extra or {}, lock

    @cached_property
    def _plan(self) -> tuple[list[_Part], str]:
        related = {path: [None, *names] for path, names in self.related.items()}  # None: the related row's key
        parts, source = _joined(self.model, self.model._meta.concrete_fields, related)
        columns = [column for part in parts for column in part.columns()]
        columns += [f'{expression} AS "{name}"' for name, expression in self.extra.items()]
        statement = f'SELECT {", ".join(columns)} FROM {source} WHERE t."{self.model._meta.pk.column}" = %s'
        return parts, statement

    def sql(self, connection: Any) -> str:
        locks = self.lock and connection.features.has_select_for_update_of
        return f"{self._plan[1]} FOR UPDATE OF t" if locks else self._plan[1]

    def _converters(self, connection: Any) -> list[list[tuple[Any, list[Converter]]]]:
        """For each part, each column's expression and its converters; cached per database."""
        cache = self.__dict__.setdefault("_converters_by_alias", {})
        if connection.alias not in cache:
            cache[connection.alias] = [_converters(part, connection) for part in self._plan[0]]
        return cache[connection.alias]

    def get(self, pk: Any) -> models.Model | None:
        """The row with this primary key, or None."""
        parts = self._plan[0]
        db = router.db_for_write(self.model) if self.lock else router.db_for_read(self.model)
        connection = connections[db]
        key = self.model._meta.pk
        if isinstance(key, models.IntegerField):
            # As the ORM's lookups do: an integer beyond the column's range is no row (SQLite would raise).
            low, high = connection.ops.integer_field_range(key.get_internal_type())
            if not (low is None or low <= pk) or not (high is None or pk <= high):
                return None
        with connection.cursor() as cursor:
            cursor.execute(self.sql(connection), [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        instances: dict[str, models.Model | None] = {}
        start = 0
        for part, converters in zip(parts, self._converters(connection), strict=True):
            values = list(row[start : start + len(part.fields)])
            start += len(part.fields)
            for index, (col, column_converters) in enumerate(converters):
                for convert in column_converters:
                    values[index] = convert(values[index], col, connection)
            instance = None if values[0] is None else part.model.from_db(db, part.attnames, values)
            instances[part.path] = instance
            if part.path:
                *parent_path, name = part.path.split("__")
                parent = instances["__".join(parent_path)]
                if parent is not None:
                    parent._meta.get_field(name).set_cached_value(parent, instance)
        main = instances[""]
        for name, value in zip(self.extra, row[start:], strict=True):
            setattr(main, name, value)
        return main


def column_levels(
    model: type[models.Model], columns: Sequence[str]
) -> dict[tuple[str, ...], tuple[type[models.Model], list[tuple[str, models.Field]]]]:
    """`.values()` column names (`"finding__indicator__code"`) grouped by the relations they go through: for each
    path (`()` for the model itself, `("finding", "indicator")`) the model there and its (column, field) pairs. Every
    path's parents are present and come before it."""
    levels: dict[tuple[str, ...], tuple[type[models.Model], list[tuple[str, models.Field]]]] = {(): (model, [])}
    for column in columns:
        *path, name = column.split("__")
        here = model
        for depth, step in enumerate(path, start=1):
            here = here._meta.get_field(step).related_model
            levels.setdefault(tuple(path[:depth]), (here, []))
        levels[tuple(path)][1].append((column, here._meta.get_field(name)))
    return levels


class JoinedValues:
    """`JoinedValues(Ticket, ["number", "lead_unit__name"])` reads for a queryset of tickets what its
    `.values("number", "lead_unit__name")` would read, through a statement written once. The ORM compiles only the
    queryset's choice of rows, as the subquery `t.pk IN (SELECT pk …)` with its filters, order and slice; the
    columns, joins and conversions are this statement's. For a page of the ledger, compiling the ORM's full
    query and building its rows took longer than PostgreSQL took to answer.

    The queryset's ordering must name fields of the model itself (those are the ones repeated outside the
    subquery)."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model, self.columns = model, tuple(columns)

    @cached_property
    def _plan(self) -> tuple[list[_Part], str, list[int]]:
        """The statement's parts, its SELECT … FROM, and where each of `columns` sits in a row."""
        levels = column_levels(self.model, self.columns)
        main = [field for _column, field in levels.pop(())[1]]
        related = {"__".join(path): [field.name for _column, field in pairs] for path, (_, pairs) in levels.items()}
        parts, source = _joined(self.model, main, related)
        order = [(part.path, field.name) for part in parts for field in part.fields]
        positions = [order.index(tuple(column.rpartition("__")[::2])) for column in self.columns]
        if len(set(positions)) != len(positions):
            raise ValueError(f"a column is named twice in {self.columns}")
        columns = [column for part in parts for column in part.columns()]
        return parts, f"SELECT {', '.join(columns)} FROM {source}", positions

    def _converters(self, connection: Any) -> list[tuple[int, Any, list[Converter]]]:
        """(position, expression, converters) for the columns that have converters; cached per database."""
        cache = self.__dict__.setdefault("_converters_by_alias", {})
        if connection.alias not in cache:
            every = [pair for part in self._plan[0] for pair in _converters(part, connection)]
            cache[connection.alias] = [(i, col, convert) for i, (col, convert) in enumerate(every) if convert]
        return cache[connection.alias]

    def read(self, queryset: models.QuerySet) -> list[dict[str, Any]]:
        """The rows the queryset selects, in its order, as dicts of `columns`."""
        if queryset.model is not self.model:
            raise ValueError(f"a queryset of {self.model.__name__} is needed, not of {queryset.model.__name__}")
        key = self.model._meta.pk
        order = []
        for name in queryset.query.order_by:
            field = key if name.lstrip("-") == "pk" else self.model._meta.get_field(name.lstrip("-"))
            order.append(f't."{field.column}" {"DESC" if name.startswith("-") else "ASC"}')
        try:
            choice, params = queryset.values("pk").query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            return []
        parts, select, positions = self._plan
        statement = f'{select} WHERE t."{key.column}" IN ({choice})'
        if order:
            statement += f" ORDER BY {', '.join(order)}"
        connection = connections[queryset.db]
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        converters = self._converters(connection)
        result = []
        for row in rows:
            if converters:
                row = list(row)
                for index, col, convert in converters:
                    for step in convert:
                        row[index] = step(row[index], col, connection)
            result.append(dict(zip(self.columns, [row[i] for i in positions], strict=True)))
        return result


def update_row(instance: models.Model, fields: Sequence[str], *, where: dict[str, Any]) -> bool:
    """`instance.save(update_fields=fields)` as one UPDATE written out once per set of fields, on the row with the
    instance's key and the values in `where` (column attname → value); whether a row was updated. As Model.save
    does, each field's pre_save runs first (auto_now) and the model's pre_save and post_save signals are sent; the
    ORM compiling its UPDATE cost three times what PostgreSQL took to run it, on the path every transition takes."""
    model = type(instance)
    meta = model._meta
    db = router.db_for_write(model, instance=instance)
    connection = connections[db]
    key = (model, tuple(fields), tuple(where), db)
    plan = _UPDATES.get(key)
    if plan is None:
        chosen = [meta.get_field(name) for name in fields]
        conditions = [meta.pk, *(meta.get_field(name) for name in where)]
        assignments = ", ".join(f'"{field.column}" = %s' for field in chosen)
        matches = " AND ".join(f'"{field.column}" = %s' for field in conditions)
        plan = _UPDATES[key] = (f'UPDATE "{meta.db_table}" SET {assignments} WHERE {matches}', chosen, conditions)
    statement, chosen, conditions = plan
    update_fields = frozenset(fields)
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=db, update_fields=update_fields)
    values = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in chosen]
    keys = [instance.pk, *where.values()]
    values += [field.get_db_prep_value(value, connection) for field, value in zip(conditions, keys, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        updated = cursor.rowcount == 1
    if updated:
        instance._state.adding, instance._state.db = False, db
        signals.post_save.send(
            sender=model, instance=instance, created=False, update_fields=update_fields, raw=False, using=db
        )
    return updated


_UPDATES: dict[tuple[Any, ...], tuple[str, list[models.Field], list[models.Field]]] = {}


def insert_row(instance: models.Model) -> None:
    """`instance.save(force_insert=True)` for a model with an auto-incremented key, as one INSERT written out once:
    each field's pre_save runs (auto_now_add), the key comes back into the instance, and the model's pre_save and
    post_save signals are sent, as Model.save does."""
    model = type(instance)
    meta = model._meta
    db = router.db_for_write(model, instance=instance)
    connection = connections[db]
    plan = _INSERTS.get((model, db))
    if plan is None:
        fields = [field for field in meta.concrete_fields if field is not meta.pk]
        columns = ", ".join(f'"{field.column}"' for field in fields)
        statement = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({", ".join(["%s"] * len(fields))})'
        returning = connection.features.can_return_columns_from_insert
        if returning:
            statement += f' RETURNING "{meta.pk.column}"'
        plan = _INSERTS[(model, db)] = (statement, fields, returning)
    statement, fields, returning = plan
    signals.pre_save.send(sender=model, instance=instance, raw=False, using=db, update_fields=None)
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        key = cursor.fetchone()[0] if returning else cursor.lastrowid
    setattr(instance, meta.pk.attname, meta.pk.to_python(key))
    instance._state.adding, instance._state.db = False, db
    signals.post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=db)


_INSERTS: dict[tuple[Any, ...], tuple[str, list[models.Field], bool]] = {}
