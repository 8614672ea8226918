"""What a client or a person may send, in one place: the shape of a body, whole numbers that end in a column, dates.

Framework-neutral: the validators raise Django's ValidationError, which both a DRF serializer field and a Django form
field turn into a field error, so the API (api.inputs, api.filters, api.parsers) and the pages use the same limits.

- A body nests at most MAX_BODY_DEPTH containers deep; no input of ours needs more than three.
- A whole number bound for a column lies in that column's range, read from the model field's type
  (PositiveSmallIntegerField 0..32767, PositiveIntegerField 0..2^31-1, a BigAutoField key 1..2^63-1).
- A date a person enters lies in the window YEARS_BACK before today to YEARS_AHEAD after it: wide enough for any
  finding, plan or deadline, narrow enough that every deadline and the policy's ladder past it stay inside what the
  working-day calendar serves (workflows.calendar.FIRST_DAY..LAST_DAY).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from workflows import calendar, clocks

MAX_BODY_DEPTH = 16
YEARS_BACK = 10
YEARS_AHEAD = 10

_AUTO_FIELDS = {"AutoField", "BigAutoField", "SmallAutoField"}
# Code points no text column can store: NUL (PostgreSQL refuses it in text) and lone surrogates (not encodable as
# UTF-8, so the driver cannot send them).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


# --- whole numbers ---------------------------------------------------------------------------------------------


def column_range(model: type[models.Model], name: str) -> tuple[int, int]:
    """The whole numbers the column behind `model.name` can hold; for a relation, those of the key it points at.
    A key (an auto field) starts at 1."""
    field = model._meta.get_field(name)
    if field.is_relation:
        field = field.target_field  # type: ignore[union-attr]
    kind = field.get_internal_type()
    low, high = BaseDatabaseOperations.integer_field_ranges[kind]
    return (max(low, 1), high) if kind in _AUTO_FIELDS else (low, high)


def key_range(model: type[models.Model]) -> tuple[int, int]:
    """The ids a row of `model` may have."""
    return column_range(model, model._meta.pk.name)  # type: ignore[union-attr]


def is_whole_number(value: Any) -> bool:
    """An int, not a bool (True == 1) and not a float (8.7 is not a key, nor is 8.0)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --- dates -----------------------------------------------------------------------------------------------------


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def date_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date a person may enter today (both included)."""
    today = today or clocks.today()
    first = max(_years_from(today, -YEARS_BACK), calendar.FIRST_DAY)
    last = min(_years_from(today, YEARS_AHEAD), calendar.LAST_DAY)
    return first, last


@deconstructible
class EnteredDate:
    """Validator: the date lies in today's window (date_window)."""

    code = "date_out_of_range"

    def __call__(self, value: dt.date | None) -> None:
        if value is None:
            return
        first, last = date_window()
        if not first <= value <= last:
            raise ValidationError(
                _("Enter a date from %(first)s to %(last)s."),
                code=self.code,
                params={"first": first.isoformat(), "last": last.isoformat()},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnteredDate)

    def __hash__(self) -> int:
        return hash(type(self))


validate_entered_date = EnteredDate()


# --- text and bodies -------------------------------------------------------------------------------------------


def unstorable_text(value: str) -> bool:
    """Whether the text holds a character no text column can store (NUL, a lone surrogate)."""
    return _UNSTORABLE.search(value) is not None


def validate_storable_text(value: str) -> None:
    if isinstance(value, str) and unstorable_text(value):
        raise ValidationError(_("Text may not contain NUL or unpaired surrogate characters."), code="unstorable_text")


def body_depth_exceeded(document: str, limit: int = MAX_BODY_DEPTH) -> bool:
    """Whether a JSON document nests more than `limit` arrays and objects, read from its text without parsing it
    (so without recursion). Brackets inside strings do not count."""
    if document.count("[") + document.count("{") <= limit:  # the common case: too few brackets to nest that deep
        return False
    # Drop the strings (escapes included), keep the brackets, and follow the depth through them.
    structure = re.sub(r'"(?:[^"\\]|\\.)*"', "", document, flags=re.DOTALL)
    depth = 0
    for char in re.sub(r"[^\[\]{}]+", "", structure):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return True
    return False
