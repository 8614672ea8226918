"""What the spreadsheets in and out share: column headings in both languages, choice labels, cell styles, and a
reader for an uploaded .xlsx whose cost is bounded before any XML is parsed.

A workbook is a zip of XML files. A hostile one can declare gigabytes behind a few kilobytes (a zip bomb), or a
million rows, so `open_sheet` checks the zip's own directory first (entry count, declared sizes, compression ratio),
then lets openpyxl read the first sheet in read-only mode, one row at a time, stopping at a row limit.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill

from tracker.errors import Invalid

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("zh-hans", "en")

# The warning colours as Excel fills, in the shades office spreadsheets use for 预警 (Excel's own good/neutral/bad).
WARNING_FILLS = {
    "green": PatternFill("solid", fgColor="C6EFCE"),
    "yellow": PatternFill("solid", fgColor="FFEB9C"),
    "red": PatternFill("solid", fgColor="FFC7CE"),
    "paused": PatternFill("solid", fgColor="D9D9D9"),
}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd"


class BadSpreadsheet(Invalid):
    """The upload is not a workbook this product can read at all (not .xlsx, too large, merged headings …)."""

    code = "bad_file"

    def __init__(self, message: str) -> None:
        super().__init__({"file": [message]}, message)
        self.summary = message


def in_language(text: str | Promise, language: str) -> str:
    with translation.override(language):
        return str(text)


def heading_key(text: Any) -> str:
    """A heading as written, reduced to compare: no spaces, required marks or notes in brackets, lower case."""
    value = re.sub(r"[\s*＊]", "", str(text or ""))
    value = re.sub(r"[（(][^）)]*[）)]", "", value)
    return value.lower()


def choice_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every way a choice is written in a sheet (its value, its label in either language, the Chinese term in the
    label's brackets) → its value."""
    lookup: dict[str, str] = {}
    for value, label in zip(choices.values, choices.labels, strict=True):
        names = {value, *(in_language(label, language) for language in LANGUAGES)}
        names |= set(re.findall(r"[（(]([^）)]+)[）)]", in_language(label, "en")))
        names |= {re.sub(r"\s*[（(][^）)]*[）)]", "", name) for name in list(names)}
        for name in names:
            if name.strip():
                lookup[heading_key(name)] = value
    return lookup


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """How a sheet writes a choice: its label in the active language ("一般" in Chinese)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass
class Sheet:
    """The rows of an uploaded sheet: its heading row, then each row below it with its number as Excel shows it."""

    title: str
    header_row: int
    headings: list[str]
    rows: Iterator[tuple[int, list[Any]]]


def _check_archive(upload: IO[bytes]) -> zipfile.ZipFile:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    if size > settings.IMPORT_MAX_BYTES:
        raise BadSpreadsheet(
            _("The file is %(size)s MB; a spreadsheet may be at most %(max)s MB.")
            % {"size": round(size / 1_048_576, 1), "max": settings.IMPORT_MAX_BYTES // 1_048_576}
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise BadSpreadsheet(_("This is an old Excel (.xls) file: save it as an Excel workbook (.xlsx) and try again."))
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadSpreadsheet(_("This is not an Excel workbook (.xlsx).")) from None
    entries = archive.infolist()
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise BadSpreadsheet(_("This is not an Excel workbook (.xlsx)."))
    if len(entries) > 1000 or any(entry.flag_bits & 0x1 for entry in entries):
        raise BadSpreadsheet(_("The workbook is encrypted or has an unexpected structure; save a plain copy."))
    declared = sum(entry.file_size for entry in entries)
    # zipfile never inflates an entry past its declared size, so these checks bound what reading can cost.
    bomb = any(entry.file_size > 1_048_576 and entry.file_size > 200 * max(entry.compress_size, 1) for entry in entries)
    if declared > settings.IMPORT_MAX_UNPACKED_BYTES or bomb:
        raise BadSpreadsheet(
            _("The workbook unpacks to more than %(max)s MB: it is either far larger than an import or damaged.")
            % {"max": settings.IMPORT_MAX_UNPACKED_BYTES // 1_048_576}
        )
    return archive


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[str, int, int]]:
    """(reference, first row, last row) of each merged range of a sheet, read straight from its XML in chunks:
    the read-only reader does not report merges."""
    found: list[tuple[str, int, int]] = []
    tail = b""
    with archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            data = tail + chunk
            last_end = 0
            for match in _MERGE.finditer(data):
                first = int(match.group(2))
                last = int(match.group(4) or first)
                ref = match.group(0).split(b'"')[1].decode()
                found.append((ref, first, last))
                last_end = match.end()
            tail = data[max(last_end, len(data) - 200) :]
    return list(dict.fromkeys(found))


def open_sheet(upload: IO[bytes], *, known_headings: Iterable[str], max_rows: int | None = None) -> Sheet:
    """The first worksheet of an uploaded .xlsx, its heading row found among the first rows (a title row above it,
    merged across the top as offices like it, is fine), its data rows read lazily and values as stored.

    Refused with BadSpreadsheet: anything that is not an .xlsx, too large or packed too tightly, a sheet without a
    heading row, merged cells in or below the heading row. Reading the rows raises BadSpreadsheet past `max_rows`
    data rows, and treats a run of BLANK_RUN empty rows as the end of the data (a sheet formatted down to row
    1,048,576 is not read to the end).
    """
    from openpyxl import load_workbook

    max_rows = max_rows or settings.IMPORT_MAX_ROWS
    archive = _check_archive(upload)
    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many types for a damaged workbook
        raise BadSpreadsheet(_("The workbook could not be read; open it in Excel or WPS and save it again.")) from None
    if not workbook.worksheets:
        raise BadSpreadsheet(_("The workbook has no worksheet."))
    sheet = workbook.worksheets[0]
    known = {heading_key(h) for h in known_headings}
    rows = sheet.iter_rows(max_col=MAX_COLUMNS)
    header_row, headings = 0, []
    try:
        for number, row in enumerate(rows, start=1):
            values = [cell.value for cell in row]
            if sum(heading_key(v) in known for v in values) >= 2:
                header_row, headings = number, [str(v).strip() if v is not None else "" for v in values]
                break
            if number >= HEADING_SEARCH_ROWS:
                break
    except Exception:  # damaged XML inside a sound zip
        raise BadSpreadsheet(_("The workbook could not be read; open it in Excel or WPS and save it again.")) from None
    if not header_row:
        raise BadSpreadsheet(
            _("No heading row was found in the first %(n)s rows of the first sheet: use the template's headings.")
            % {"n": HEADING_SEARCH_ROWS}
        )
    try:
        ranges = _merged_ranges(archive, sheet._worksheet_path)
    except (KeyError, OSError, zipfile.BadZipFile, EOFError):
        raise BadSpreadsheet(_("The workbook could not be read; open it in Excel or WPS and save it again.")) from None
    merged = [ref for ref, _first, last in ranges if last >= header_row]
    if merged:
        raise BadSpreadsheet(
            _("Cells %(refs)s are merged: unmerge them and give every row its own value in every column.")
            % {"refs": ", ".join(merged[:10])}
        )
    return Sheet(sheet.title, header_row, headings, _data_rows(rows, header_row, max_rows))


MAX_COLUMNS = 60
HEADING_SEARCH_ROWS = 10
BLANK_RUN = 1000


def _data_rows(rows: Iterator[Any], header_row: int, max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    try:
        yield from _rows_until_blank(rows, header_row, max_rows)
    except (Formula, BadSpreadsheet):
        raise
    except Exception:  # damaged XML further down the sheet
        raise BadSpreadsheet(_("The workbook could not be read; open it in Excel or WPS and save it again.")) from None


def _rows_until_blank(rows: Iterator[Any], header_row: int, max_rows: int) -> Iterator[tuple[int, list[Any]]]:
    blank_run = 0
    read = 0
    for number, row in enumerate(rows, start=header_row + 1):
        values = []
        for cell in row:
            if getattr(cell, "data_type", None) == "f":
                raise Formula(number, getattr(cell, "column_letter", "?"))
            values.append(cell.value)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            blank_run += 1
            if blank_run >= BLANK_RUN:
                return
            continue
        blank_run = 0
        read += 1
        if read > max_rows:
            raise BadSpreadsheet(
                _("The sheet has more than %(max)s rows; split it into several files.") % {"max": f"{max_rows:,}"}
            )
        yield number, values


class Formula(Exception):
    """A cell holds a formula; the importer reports it at its row and column."""

    def __init__(self, row: int, column: str) -> None:
        super().__init__(f"{column}{row}")
        self.row, self.column = row, column


def date_of(value: Any) -> dt.date | None:
    """A date as a sheet holds it (a date cell, an Excel serial number, or text such as 2026-10-09 or
    2026年10月9日); None when it is none of these. Raises ValueError for what looks like a date but is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20_000 < value < 80_000:  # an Excel serial day number, 1954 to 2119
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if not match:
        raise ValueError(value)
    return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
