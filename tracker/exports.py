"""The rectification ledger (整改台账) as an .xlsx in its customary columns (DOMAIN.md, "Ledger columns").

The caller hands in the tickets to export, already scoped to the user and filtered as they are viewing them. They
are read `CHUNK` at a time by id (keyset), as `.values()` rows, with what each chunk needs from the rows around
them (co-units, milestones, the latest progress report, extension requests, evidence, the latest verdict, public
feedback) read in one query per kind and chunk; openpyxl's write-only workbook streams the rows to a temporary
file. Memory stays that of one chunk whatever the size of the ledger.

The columns that carry a finding's identity and assignment have the import's headings (tracker.services.imports),
so an exported ledger can be imported again.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Count, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tracker.models import (
    Dimension,
    Evidence,
    ExtensionRequest,
    Feedback,
    Milestone,
    ProgressReport,
    Rating,
    RequestState,
    Ticket,
    Unit,
    Verdict,
    Verification,
)
from tracker.services.imports import COLUMN_BY_KEY
from tracker.sheets import HEADER_FILL, HEADER_FONT, WARNING_FILLS
from tracker.sheets import choice_label as _choice_label
from workflows import clocks
from workflows.machine import OPEN_STATES, PUBLISHED_STATES, TicketState
from workflows.models import Policy, RectificationClass, Severity

CHUNK = 2000


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    label: Promise
    width: int


def _imported(key: str, width: int) -> LedgerColumn:
    return LedgerColumn(key, COLUMN_BY_KEY[key].label, width)


LEDGER_COLUMNS = [
    LedgerColumn("seq", pgettext_lazy("spreadsheet column", "No."), 6),
    LedgerColumn("number", pgettext_lazy("spreadsheet column", "Ticket number"), 15),
    _imported("appraisal", 24),
    _imported("source", 14),
    _imported("document_number", 18),
    _imported("item_number", 8),
    _imported("indicator", 22),
    LedgerColumn("dimension", pgettext_lazy("spreadsheet column", "Problem category"), 10),
    _imported("description", 40),
    _imported("severity", 8),
    LedgerColumn("recurring", pgettext_lazy("spreadsheet column", "Recurring"), 8),
    LedgerColumn("goal", pgettext_lazy("spreadsheet column", "Rectification goal"), 30),
    LedgerColumn("measures", pgettext_lazy("spreadsheet column", "Rectification measures"), 36),
    _imported("rectification_class", 10),
    _imported("lead_official", 10),
    _imported("lead_unit", 20),
    _imported("co_units", 20),
    _imported("responsible_person", 10),
    _imported("handler", 10),
    _imported("contact_phone", 14),
    LedgerColumn("assigned_on", pgettext_lazy("spreadsheet column", "Assigned on"), 12),
    _imported("due_on", 12),
    LedgerColumn("milestones", pgettext_lazy("spreadsheet column", "Stage milestones"), 28),
    LedgerColumn("reporting_cycle", pgettext_lazy("spreadsheet column", "Reporting cycle"), 12),
    LedgerColumn("state", pgettext_lazy("spreadsheet column", "Status"), 10),
    LedgerColumn("progress", pgettext_lazy("spreadsheet column", "Progress"), 36),
    LedgerColumn("difficulties", pgettext_lazy("spreadsheet column", "Difficulties / coordination needed"), 24),
    LedgerColumn("warning", pgettext_lazy("spreadsheet column", "Warning"), 10),
    LedgerColumn("extensions", pgettext_lazy("spreadsheet column", "Extensions"), 26),
    LedgerColumn("result", pgettext_lazy("spreadsheet column", "Result and evidence"), 36),
    LedgerColumn("acceptance", pgettext_lazy("spreadsheet column", "Acceptance opinion"), 24),
    LedgerColumn("closed_on", pgettext_lazy("spreadsheet column", "Closed on"), 12),
    LedgerColumn("satisfaction", pgettext_lazy("spreadsheet column", "Public satisfaction"), 14),
    LedgerColumn("disclosure", pgettext_lazy("spreadsheet column", "Disclosure"), 16),
    # Filled by the decision record (问责 / 容错 / 纠错) once it exists; kept so the ledger's layout does not change.
    LedgerColumn("accountability", pgettext_lazy("spreadsheet column", "Accountability / fault tolerance"), 18),
    LedgerColumn("remarks", pgettext_lazy("spreadsheet column", "Remarks"), 20),
]

VALUES = [
    "id",
    "number",
    "finding__appraisal__name",
    "finding__source",
    "finding__document_number",
    "finding__item_number",
    "finding__indicator__code",
    "finding__indicator__name",
    "finding__indicator__dimension",
    "finding__description",
    "finding__severity",
    "finding__recurring",
    "goal",
    "measures",
    "rectification_class",
    "lead_official",
    "lead_unit_id",
    "responsible_person",
    "handler",
    "contact_phone",
    "assigned_on",
    "due_on",
    "original_due_on",
    "state",
    "progress",
    "explanation",
    "closure_plan",
    "closure_plan_date",
    "published_on",
    "closed_on",
    "remarks",
    "stage_started_on",
    "stage_deadline",
    "paused_workdays_left",
]


def ledger_chunks(tickets: QuerySet[Ticket], *, size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    """The tickets' ledger fields, newest first, `size` at a time."""
    rows = tickets.order_by("-id").values(*VALUES)
    last: int | None = None
    while True:
        chunk = list((rows.filter(pk__lt=last) if last is not None else rows)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["id"]


_labels: dict[tuple[str | None, type, str], str] = {}


def choice_label(choices: type, value: str) -> str:
    """tracker.sheets.choice_label, remembered per language: a ledger asks for the same few labels on every row."""
    from django.utils.translation import get_language

    key = (get_language(), choices, value)
    label = _labels.get(key)
    if label is None:
        label = _labels[key] = _choice_label(choices, value)
    return label


class _Context:
    """What one chunk's rows need from the rows around them, each kind read in one query. `ids` is the chunk's
    tickets as a subquery: PostgreSQL reads it once per query, where a list of 2,000 ids cost Django and the driver
    some 50 ms a query to write out."""

    def __init__(self, ids: QuerySet[Ticket, Any], unit_names: dict[int, str]) -> None:
        self.co_units: dict[int, list[str]] = defaultdict(list)
        for ticket_id, unit_id in Ticket.co_units.through.objects.filter(ticket_id__in=ids).values_list(
            "ticket_id", "unit_id"
        ):
            self.co_units[ticket_id].append(unit_names.get(unit_id, ""))
        self.milestones: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
        for ticket_id, title, due_on in (
            Milestone.objects.filter(ticket_id__in=ids)
            .order_by("due_on", "id")
            .values_list("ticket_id", "title", "due_on")
        ):
            self.milestones[ticket_id].append((title, due_on))
        self.report: dict[int, tuple[str, int, str]] = {}
        for ticket_id, text, percent, difficulties in (
            ProgressReport.objects.filter(ticket_id__in=ids)
            .order_by("ticket_id", "-created_at", "-id")
            .values_list("ticket_id", "text", "percent", "difficulties")
        ):
            self.report.setdefault(ticket_id, (text, percent, difficulties))
        self.extensions: dict[int, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
        for ticket_id, current, requested, state in (
            ExtensionRequest.objects.filter(ticket_id__in=ids)
            .order_by("created_at", "id")
            .values_list("ticket_id", "current_deadline", "requested_deadline", "state")
        ):
            self.extensions[ticket_id].append((current, requested, state))
        self.evidence = dict(
            Evidence.objects.filter(ticket_id__in=ids)
            .values("ticket_id")
            .annotate(n=Count("id"))
            .values_list("ticket_id", "n")
        )
        self.verdict: dict[int, tuple[str, str]] = {}
        for ticket_id, verdict, comment in (
            Verification.objects.filter(ticket_id__in=ids)
            .order_by("ticket_id", "-created_at", "-id")
            .values_list("ticket_id", "verdict", "comment")
        ):
            self.verdict.setdefault(ticket_id, (verdict, comment))
        self.feedback: dict[int, Counter[str]] = defaultdict(Counter)
        for ticket_id, rating, n in (
            Feedback.objects.filter(ticket_id__in=ids)
            .values("ticket_id", "rating")
            .annotate(n=Count("id"))
            .values_list("ticket_id", "rating", "n")
        ):
            self.feedback[ticket_id][rating] += n


def unit_labels() -> dict[int, str]:
    """Each unit's name as the ledger writes it: its own name, or, when another unit shares it, its parent's name
    before it (云溪县教育局), so that the import finds the same unit again."""
    units = list(Unit.objects.values_list("id", "name", "parent__name"))
    counts = Counter(name for _id, name, _parent in units)
    return {unit_id: (f"{parent}{name}" if counts[name] > 1 and parent else name) for unit_id, name, parent in units}


def ledger_row(row: dict[str, Any], seq: int, context: _Context, unit_names: dict[int, str], today: dt.date) -> list:
    """One ticket's ledger line, in LEDGER_COLUMNS order."""
    ticket_id = row["id"]
    policy = Policy.for_ticket(row["rectification_class"], row["finding__severity"])
    report = context.report.get(ticket_id)
    extensions = context.extensions.get(ticket_id, [])
    verdict = context.verdict.get(ticket_id)
    ratings = context.feedback.get(ticket_id)
    evidence = context.evidence.get(ticket_id, 0)
    result = row["explanation"]
    if row["closure_plan"]:
        result = f"{result}\n{_('Plan')}: {row['closure_plan']}（{row['closure_plan_date'] or ''}）".strip()
    if evidence:
        result = f"{result}\n{_('Evidence: %(n)s files') % {'n': evidence}}".strip()
    satisfaction = ""
    if ratings:
        total = sum(ratings.values())
        good = total - ratings.get(Rating.DISSATISFIED, 0)
        satisfaction = _("%(share)s%% (%(n)s ratings)") % {"share": round(100 * good / total), "n": total}
    extension_text = ""
    if extensions:
        approved = sum(state == RequestState.APPROVED for *_d, state in extensions)
        parts = [
            f"{current:%Y-%m-%d}→{requested:%Y-%m-%d} {choice_label(RequestState, state)}"
            for current, requested, state in extensions
        ]
        extension_text = _("%(n)s approved: %(list)s") % {"n": approved, "list": "；".join(parts)}
    published = row["state"] in PUBLISHED_STATES
    disclosure = (
        _("Published %(date)s") % {"date": f"{row['published_on']:%Y-%m-%d}"}
        if published and row["published_on"]
        else (_("Published") if published else _("Not published"))
    )
    colour = None
    if row["state"] in OPEN_STATES:
        colour = clocks.warning(
            deadline=row["stage_deadline"],
            on=today,
            policy=policy,
            paused=row["paused_workdays_left"] is not None,
            started_on=row["stage_started_on"],
            progress=row["progress"] if row["state"] == TicketState.RECTIFYING else None,
        )
    progress = f"{report[0]}（{report[1]}%）" if report else ""
    return [
        seq,
        row["number"],
        row["finding__appraisal__name"],
        row["finding__source"],
        row["finding__document_number"],
        row["finding__item_number"],
        f"{row['finding__indicator__code']} {row['finding__indicator__name']}",
        choice_label(Dimension, row["finding__indicator__dimension"]),
        row["finding__description"],
        choice_label(Severity, row["finding__severity"]),
        _("yes") if row["finding__recurring"] else _("no"),
        row["goal"],
        row["measures"],
        choice_label(RectificationClass, row["rectification_class"]),
        row["lead_official"],
        unit_names.get(row["lead_unit_id"], ""),
        "、".join(context.co_units.get(ticket_id, [])),
        row["responsible_person"],
        row["handler"],
        row["contact_phone"],
        row["assigned_on"],
        row["due_on"],
        "；".join(f"{due:%Y-%m-%d} {title}" for title, due in context.milestones.get(ticket_id, [])),
        _("every %(n)s working days") % {"n": policy.reporting_cycle_days} if policy.reporting_cycle_days else "",
        choice_label(TicketState, row["state"]),
        progress,
        report[2] if report else "",
        (colour, choice_label(clocks.Warning, colour) if colour else ""),
        extension_text,
        result,
        f"{choice_label(Verdict, verdict[0])} {verdict[1]}".strip() if verdict else "",
        row["closed_on"],
        satisfaction,
        disclosure,
        "",
        row["remarks"],
    ]


WARNING_COLUMN = [c.key for c in LEDGER_COLUMNS].index("warning")


def ledger_write(
    tickets: QuerySet[Ticket],
    dest: IO[bytes] | str,
    *,
    chunk_size: int = CHUNK,
    today: dt.date | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Write the tickets' ledger to `dest` (a path or a binary file) in the active language; the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    today = today or clocks.today()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Rectification ledger"))
    for index, column in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "C2"
    header = []
    for column in LEDGER_COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    unit_names = unit_labels()
    # One cell per warning colour, its fill set once: a write-only sheet writes a row out as it is appended, so the
    # same cell serves every row of that colour.
    warning_cells: dict[str, WriteOnlyCell] = {}
    seq = 0
    for chunk in ledger_chunks(tickets, size=chunk_size):
        in_chunk = tickets.filter(pk__gte=chunk[-1]["id"], pk__lte=chunk[0]["id"]).order_by().values("pk")
        context = _Context(in_chunk, unit_names)
        for row in chunk:
            seq += 1
            values = ledger_row(row, seq, context, unit_names, today)
            colour, label = values[WARNING_COLUMN]
            if colour:
                cell = warning_cells.get(colour)
                if cell is None:
                    cell = warning_cells[colour] = WriteOnlyCell(sheet, value=label)
                    cell.fill = WARNING_FILLS[colour]
                values[WARNING_COLUMN] = cell
            else:
                values[WARNING_COLUMN] = label
            sheet.append([_cell_value(value) for value in values])
        if on_chunk is not None:
            on_chunk(seq)
    workbook.save(dest)
    return seq


def _cell_value(value: Any) -> Any:
    """A value as a cell can hold it. An empty text is left out of the sheet's XML altogether, where "" would be
    written as a string; the control characters XML 1.0 cannot carry (which a text column may hold, e.g. pasted from
    another program) are dropped, since openpyxl refuses the whole workbook for one of them."""
    if value == "":
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def ledger_filename(at: dt.datetime | dt.date | None = None) -> str:
    day = at or clocks.today()
    if isinstance(day, dt.datetime):
        day = day.astimezone(clocks.SHANGHAI).date()
    return f"{_('rectification-ledger')}-{day:%Y%m%d}.xlsx"
