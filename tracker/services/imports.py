"""Findings from a spreadsheet (问题清单导入): the template, the check of a whole file, and the import.

The whole file is checked before anything is written; any problem refuses the file with every bad row and column
named (ImportRejected), and nothing is written. A clean file is written in one transaction through
tracker.services.setup.findings_create, the bulk form of finding_create with the same rules. A finding is named by
its appraisal, document number and item number: a row naming one that exists already is skipped, so importing the
same file again creates nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tracker.errors import Invalid
from tracker.models import Appraisal, Finding, Indicator, Ticket, Unit
from tracker.permissions import OVERSIGHT_ROLES, memberships_of
from tracker.services.setup import FindingSpec, finding_errors, findings_create
from tracker.sheets import (
    LANGUAGES,
    Formula,
    choice_label,
    choice_lookup,
    column_letter,
    date_of,
    heading_key,
    in_language,
    open_sheet,
)
from workflows import clocks
from workflows.models import RectificationClass, Severity


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    required: bool
    help: Promise
    max_length: int | None = None
    # Other headings offices write for this column, used when none of the column's own headings is present.
    synonyms: tuple[str, ...] = ()


COLUMNS = [
    Column(
        "appraisal",
        pgettext_lazy("spreadsheet column", "Appraisal"),
        False,
        gettext_lazy("The appraisal's name as the system has it; not needed when the appraisal is chosen on upload."),
        synonyms=("考核", "考核项目", "appraisal name"),
    ),
    Column(
        "indicator",
        pgettext_lazy("spreadsheet column", "Indicator"),
        True,
        gettext_lazy("The indicator's code, its name, or both (A03 空气与水环境质量改善)."),
        synonyms=("指标",),
    ),
    Column(
        "source",
        pgettext_lazy("spreadsheet column", "Source"),
        True,
        gettext_lazy("Who found it: 巡察组, 督查室, 12345 …"),
        100,
    ),
    Column(
        "document_number",
        pgettext_lazy("spreadsheet column", "Document number"),
        False,
        gettext_lazy("文号 of the notice that lists the problem."),
        100,
    ),
    Column(
        "item_number",
        pgettext_lazy("spreadsheet column", "Item number"),
        True,
        gettext_lazy(
            "The problem's number within its document; with the appraisal and document number it names the finding."
        ),
        32,
        synonyms=("序号", "编号"),
    ),
    Column(
        "description",
        pgettext_lazy("spreadsheet column", "Problem description"),
        True,
        gettext_lazy("What is wrong, in full."),
        synonyms=("问题",),
    ),
    Column(
        "severity",
        pgettext_lazy("spreadsheet column", "Severity"),
        False,
        gettext_lazy("Empty means general (一般)."),
    ),
    Column(
        "rectification_class",
        pgettext_lazy("spreadsheet column", "Rectification class"),
        False,
        gettext_lazy("Empty means time-limited (限期整改)."),
        synonyms=("整改类别",),
    ),
    Column(
        "lead_unit",
        pgettext_lazy("spreadsheet column", "Responsible unit"),
        True,
        gettext_lazy(
            "The lead unit's full name or a short name it carries (县环保局); a name two units share is refused."
        ),
        synonyms=("牵头单位", "责任单位（牵头）"),
    ),
    Column(
        "co_units",
        pgettext_lazy("spreadsheet column", "Co-units"),
        False,
        gettext_lazy("Other units that help, separated by 、 or commas."),
        synonyms=("配合单位",),
    ),
    Column(
        "lead_official",
        pgettext_lazy("spreadsheet column", "Lead official"),
        False,
        gettext_lazy("The leader in charge (牵头领导)."),
        50,
    ),
    Column(
        "responsible_person",
        pgettext_lazy("spreadsheet column", "Responsible person"),
        False,
        gettext_lazy("The person answerable (责任人)."),
        50,
    ),
    Column(
        "handler",
        pgettext_lazy("spreadsheet column", "Handler"),
        False,
        gettext_lazy("Who does the paperwork (经办人)."),
        50,
    ),
    Column(
        "contact_phone",
        pgettext_lazy("spreadsheet column", "Contact phone"),
        False,
        gettext_lazy("The handler's phone."),
        30,
    ),
    Column(
        "due_on",
        pgettext_lazy("spreadsheet column", "Rectification deadline"),
        False,
        gettext_lazy("A date after today (2026-12-31); empty means the policy's working days from today."),
        synonyms=("完成时限", "整改期限"),
    ),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where Excel shows it: row number, column letter and heading."""

    row: int
    column: str
    heading: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "heading": self.heading,
            "code": self.code,
            "message": self.message,
        }


class ImportRejected(Invalid):
    """The file has problems; nothing was imported. `problems` lists each at its row and column."""

    code = "import_rejected"
    MAX_LISTED = 500

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        listed = problems[: self.MAX_LISTED]
        errors: dict[str, list[str]] = defaultdict(list)
        for p in listed:
            errors[f"rows.{p.row}.{p.column}"].append(p.message)
        summary = _("The spreadsheet has %(n)s problems; nothing was imported.") % {"n": len(problems)}
        super().__init__(dict(errors), summary)
        self.summary = summary
        self.context = {"problems": [p.as_dict() for p in listed], "problem_count": len(problems)}


@dataclass
class ImportResult:
    rows: int
    created: list[Ticket] = field(default_factory=list)
    already_imported: list[int] = field(default_factory=list)  # row numbers of findings that existed

    @property
    def message(self) -> str:
        if not self.created:
            return _("Nothing new: all %(n)s findings in the file were imported before.") % {"n": self.rows}
        if self.already_imported:
            return _("%(created)s findings imported; %(old)s were imported before and left as they are.") % {
                "created": len(self.created),
                "old": len(self.already_imported),
            }
        return _("%(created)s findings imported.") % {"created": len(self.created)}


def all_headings() -> list[str]:
    return [h for column in COLUMNS for h in _headings(column)]


def _headings(column: Column) -> list[str]:
    return [in_language(column.label, language) for language in LANGUAGES]


def _locate_columns(headings: list[str]) -> dict[str, int]:
    """Which sheet column holds each field: by the field's heading in either language, else by a synonym."""
    keys = [heading_key(h) for h in headings]
    located: dict[str, int] = {}
    for column in COLUMNS:
        for names in ([heading_key(h) for h in _headings(column)], [heading_key(s) for s in column.synonyms]):
            hits = [i for i, key in enumerate(keys) if key and key in names and i not in located.values()]
            if hits:
                located[column.key] = hits[0]
                break
    return located


class _Units:
    """Unit names as people write them. A full name held by one unit names it; else a short name held by one unit,
    else the parent's name followed by the unit's (云溪县教育局). The units the actor oversees are tried first, so a
    department name repeated in every county names the one in the actor's county; a name still shared is refused."""

    def __init__(self, actor: User) -> None:
        units = list(Unit.objects.select_related("parent").only("name", "short_names", "path", "parent__name"))
        paths = [path for _id, path, role in memberships_of(actor) if role in OVERSIGHT_ROLES]
        self.in_charge = {u.pk for u in units if any(u.path.startswith(p) for p in paths)}
        self.tiers: list[dict[str, list[Unit]]] = [defaultdict(list), defaultdict(list), defaultdict(list)]
        for unit in units:
            self.tiers[0][heading_key(unit.name)].append(unit)
            for short in unit.short_name_list():
                self.tiers[1][heading_key(short)].append(unit)
            if unit.parent is not None:
                self.tiers[2][heading_key(unit.parent.name + unit.name)].append(unit)

    def find(self, name: str) -> tuple[Unit | None, str]:
        """The unit, or None with "unknown_unit" or "ambiguous_unit"."""
        key = heading_key(name)
        for pool in (self.in_charge, None):
            for tier in self.tiers:
                found = {u.pk: u for u in tier.get(key, []) if pool is None or u.pk in pool}
                if len(found) == 1:
                    return next(iter(found.values())), ""
                if len(found) > 1:
                    return None, "ambiguous_unit"
        return None, "unknown_unit"


def _split_names(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,，、;；\n]", value) if part.strip()]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def _indicators_of(appraisal_ids: Iterable[int]) -> dict[int, dict[str, Indicator]]:
    """Each appraisal's indicators by code, by name and by "code name"."""
    by_appraisal: dict[int, dict[str, Indicator]] = defaultdict(dict)
    for indicator in Indicator.objects.filter(appraisal_id__in=set(appraisal_ids)):
        names = by_appraisal[indicator.appraisal_id]
        for key in (indicator.code, indicator.name, f"{indicator.code}{indicator.name}"):
            names.setdefault(heading_key(key), indicator)
    return by_appraisal


def findings_import(*, actor: User, file: IO[bytes], appraisal: Appraisal | None = None) -> ImportResult:
    """Check the whole spreadsheet and import its findings in one transaction, or refuse it with every problem.

    `appraisal`, when given, is the appraisal of every row (the appraisal column is then not read).
    Raises BadSpreadsheet for a file that cannot be read as a findings sheet, ImportRejected for bad rows.
    """
    sheet = open_sheet(file, known_headings=all_headings() + [s for c in COLUMNS for s in c.synonyms])
    located = _locate_columns(sheet.headings)
    problems: list[Problem] = []

    def problem(row: int, key: str, code: str, message: str) -> None:
        index = located.get(key)
        heading = sheet.headings[index] if index is not None else str(COLUMN_BY_KEY[key].label)
        problems.append(Problem(row, column_letter(index) if index is not None else "", heading, code, message))

    required = [c for c in COLUMNS if c.required or (c.key == "appraisal" and appraisal is None)]
    for column in required:
        if column.key not in located:
            problem(
                sheet.header_row,
                column.key,
                "missing_column",
                _("The sheet has no “%(heading)s” column.") % {"heading": column.label},
            )
    if problems:
        raise ImportRejected(problems)

    # 1. Read every row as text (and the deadline as a date), noting formulas and over-long text.
    raw: list[tuple[int, dict[str, Any]]] = []
    try:
        for number, values in sheet.rows:
            row = {key: values[index] if index < len(values) else None for key, index in located.items()}
            raw.append((number, row))
    except Formula as formula:
        heading = next((sheet.headings[i] for k, i in located.items() if column_letter(i) == formula.column), "")
        raise ImportRejected(
            [
                Problem(
                    formula.row,
                    formula.column,
                    heading,
                    "formula",
                    _("This cell holds a formula: paste its value instead (Paste Special → Values)."),
                )
            ]
        ) from None
    if not raw:
        raise ImportRejected(
            [Problem(sheet.header_row + 1, "", "", "empty", _("The sheet has headings but no findings below them."))]
        )

    # 2. Look up appraisals, indicators and units, and check every field.
    appraisal_names: dict[str, list[Appraisal]] = defaultdict(list)
    if appraisal is None:
        for a in Appraisal.objects.only("name"):
            appraisal_names[heading_key(a.name)].append(a)
    units = _Units(actor)
    severities, classes = choice_lookup(Severity), choice_lookup(RectificationClass)
    today = clocks.today()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, row in raw:
        text = {key: _text(value) for key, value in row.items() if key != "due_on"}
        good = True

        def bad(key: str, code: str, message: str, number: int = number) -> None:
            nonlocal good
            good = False
            problem(number, key, code, message)

        for column in COLUMNS:
            if column.key in text and column.max_length and len(text[column.key]) > column.max_length:
                bad(
                    column.key,
                    "too_long",
                    _("At most %(n)s characters, here %(m)s.") % {"n": column.max_length, "m": len(text[column.key])},
                )
        for column in required:
            if column.key != "appraisal" and not text.get(column.key):
                bad(column.key, "missing", _("This field is required."))
        found_appraisal = appraisal
        if appraisal is None:
            name = text.get("appraisal", "")
            matches = appraisal_names.get(heading_key(name), [])
            if not name:
                bad("appraisal", "missing", _("This field is required."))
            elif not matches:
                bad("appraisal", "unknown_appraisal", _("No appraisal is called “%(name)s”.") % {"name": name})
            elif len(matches) > 1:
                bad(
                    "appraisal",
                    "ambiguous_appraisal",
                    _("Several appraisals are called “%(name)s”: choose the appraisal on upload.") % {"name": name},
                )
            else:
                found_appraisal = matches[0]
        unit = None
        if text.get("lead_unit"):
            unit, why = units.find(text["lead_unit"])
            if unit is None:
                bad("lead_unit", why, _unit_message(why, text["lead_unit"]))
            elif unit.pk not in units.in_charge:
                bad(
                    "lead_unit",
                    "forbidden_unit",
                    _("You may not assign findings to “%(name)s”: it is outside the units you assess or supervise.")
                    % {"name": text["lead_unit"]},
                )
        co_units = []
        for name in _split_names(text.get("co_units", "")):
            co_unit, why = units.find(name)
            if co_unit is None:
                bad("co_units", why, _unit_message(why, name))
            else:
                co_units.append(co_unit)
        severity = Severity.GENERAL if not text.get("severity") else severities.get(heading_key(text["severity"]))
        if severity is None:
            bad("severity", "bad_choice", _bad_choice(text["severity"], Severity))
        klass = (
            classes.get(heading_key(text.get("rectification_class", "")), None)
            if text.get("rectification_class")
            else RectificationClass.TIME_LIMITED
        )
        if klass is None:
            bad(
                "rectification_class",
                "bad_choice",
                _bad_choice(text["rectification_class"], RectificationClass),
            )
        due_on = None
        if row.get("due_on") not in (None, ""):
            try:
                due_on = date_of(row["due_on"])
            except (ValueError, OverflowError):
                bad(
                    "due_on",
                    "bad_date",
                    _("“%(value)s” is not a date; write it as 2026-12-31.") % {"value": _text(row["due_on"])},
                )
        parsed.append(
            (
                number,
                {
                    **text,
                    "good": good,
                    "appraisal": found_appraisal,
                    "unit": unit,
                    "co_units": co_units,
                    "severity": severity,
                    "rectification_class": klass,
                    "due_on": due_on,
                },
            )
        )

    # 3. Indicators within each row's appraisal; duplicates within the file; rows imported before.
    indicators = _indicators_of(r["appraisal"].pk for _n, r in parsed if r["appraisal"] is not None)
    keys = [
        (r["appraisal"].pk, r.get("document_number", ""), r.get("item_number", ""))
        for _n, r in parsed
        if r["appraisal"] is not None
    ]
    existing = _existing_keys(keys)
    first_row: dict[tuple[int, str, str], int] = {}
    specs: list[tuple[int, FindingSpec]] = []
    already: list[int] = []
    for number, r in parsed:
        if r["appraisal"] is None:
            continue
        key = (r["appraisal"].pk, r.get("document_number", ""), r.get("item_number", ""))
        if r.get("item_number") and key in first_row:
            problem(
                number,
                "item_number",
                "duplicate",
                _("Row %(first)s already has this appraisal, document number and item number.")
                % {"first": first_row[key]},
            )
            continue
        first_row[key] = number
        if key in existing:
            already.append(number)
            continue
        indicator = None
        if r.get("indicator"):
            indicator = indicators[r["appraisal"].pk].get(heading_key(r["indicator"]))
            if indicator is None:
                indicator = indicators[r["appraisal"].pk].get(heading_key(r["indicator"].split()[0]))
            if indicator is None:
                problem(
                    number,
                    "indicator",
                    "unknown_indicator",
                    _("The appraisal “%(appraisal)s” has no indicator “%(name)s”.")
                    % {"appraisal": r["appraisal"].name, "name": r["indicator"]},
                )
                continue
        if not r["good"] or indicator is None:
            continue
        spec = FindingSpec(
            indicator=indicator,
            unit=r["unit"],
            description=r["description"],
            source=r["source"],
            severity=r["severity"],
            document_number=r.get("document_number", ""),
            item_number=r["item_number"],
            rectification_class=r["rectification_class"],
            due_on=r["due_on"],
            co_units=r["co_units"],
            lead_official=r.get("lead_official", ""),
            responsible_person=r.get("responsible_person", ""),
            handler=r.get("handler", ""),
            contact_phone=r.get("contact_phone", ""),
        )
        for name, message in finding_errors(spec, today).items():
            problem(number, name if name in COLUMN_BY_KEY else "description", "invalid", str(message))
        specs.append((number, spec))
    if problems:
        problems.sort(key=lambda p: (p.row, p.column))
        raise ImportRejected(problems)

    # 4. Write, with the appraisals locked so that two imports of one file cannot both find its findings new.
    with transaction.atomic():
        appraisal_ids = sorted({spec.indicator.appraisal_id for _n, spec in specs})
        list(Appraisal.objects.select_for_update().filter(pk__in=appraisal_ids).order_by("pk").values_list("pk"))
        now_existing = _existing_keys(
            [(s.indicator.appraisal_id, s.document_number.strip(), s.item_number.strip()) for _n, s in specs]
        )
        fresh = [
            (n, s)
            for n, s in specs
            if (s.indicator.appraisal_id, s.document_number.strip(), s.item_number.strip()) not in now_existing
        ]
        fresh_rows = {n for n, _s in fresh}
        already += [n for n, _s in specs if n not in fresh_rows]
        created = findings_create(actor=actor, specs=[s for _n, s in fresh]) if fresh else []
    return ImportResult(rows=len(parsed), created=created, already_imported=sorted(already))


def _bad_choice(value: str, choices: type[Severity] | type[RectificationClass]) -> str:
    allowed = ", ".join(choice_label(choices, v) for v in choices.values)
    return _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed}


def _unit_message(why: str, name: str) -> str:
    if why == "ambiguous_unit":
        return _("Several units go by “%(name)s”: write the full name, or the county or city before it.") % {
            "name": name
        }
    return _("No unit is called “%(name)s” (by its full or short name).") % {"name": name}


def _existing_keys(keys: list[tuple[int, str, str]]) -> set[tuple[int, str, str]]:
    """Which (appraisal, document number, item number) of `keys` name findings already stored."""
    wanted = {k for k in keys if k[2]}
    if not wanted:
        return set()
    found: set[tuple[int, str, str]] = set()
    by_appraisal: dict[int, set[str]] = defaultdict(set)
    for appraisal_id, _doc, item in wanted:
        by_appraisal[appraisal_id].add(item)
    query = Q()
    for appraisal_id, items in by_appraisal.items():
        query |= Q(appraisal_id=appraisal_id, item_number__in=items)
    for row in Finding.objects.filter(query).values_list("appraisal_id", "document_number", "item_number"):
        if row in wanted:
            found.add(row)
    return found
