"""The PostgreSQL triggers that keep the record append-only (DESIGN.md, "Append-only record").

Rows that record what happened may be inserted, never changed or removed, not even by raw SQL on the application's
own connection: UPDATE and DELETE are refused row by row, TRUNCATE (which fires no row trigger) by a statement
trigger of its own.
"""

from __future__ import annotations

import pgtrigger

APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)

NO_TRUNCATE = pgtrigger.Trigger(
    name="no_truncate",
    when=pgtrigger.Before,
    operation=pgtrigger.Truncate,
    level=pgtrigger.Statement,
    func="RAISE EXCEPTION 'pgtrigger: Cannot truncate the append-only table %', TG_TABLE_NAME;",
)

RECORD = [APPEND_ONLY, NO_TRUNCATE]
