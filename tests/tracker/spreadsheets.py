"""Workbooks for the spreadsheet tests, built with openpyxl as an office would fill in the template."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from tracker.services.imports import COLUMNS
from tracker.sheets import column_letter, in_language

KEYS = [c.key for c in COLUMNS]
HEADINGS = {c.key: in_language(c.label, "zh-hans") for c in COLUMNS}


def letter(key: str) -> str:
    """The column letter of a field in workbooks made by `findings_file` with the default headings."""
    return column_letter(KEYS.index(key))


def finding_row(world: Any, n: int = 1, **values: Any) -> dict[str, Any]:
    row = {
        "appraisal": world.indicator.appraisal.name,
        "indicator": world.indicator.code,
        "source": "市委巡察组",
        "document_number": "临巡反馈〔2026〕5号",
        "item_number": str(n),
        "description": f"问题{n}：扬尘管控台账缺失",
        "severity": "一般",
        "rectification_class": "限期整改",
        "lead_unit": "生态环境局",
        "co_units": "",
        "lead_official": "王副市长",
        "responsible_person": "陈局长",
        "handler": "李科员",
        "contact_phone": "0571-12345678",
        "due_on": dt.date.today() + dt.timedelta(days=90),
    }
    row.update(values)
    return row


def findings_file(rows: list[dict[str, Any]], *, keys: list[str] | None = None, title: str | None = None) -> io.BytesIO:
    keys = keys or KEYS
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(keys))
    sheet.append([HEADINGS.get(k, k) for k in keys])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def read_rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]
