"""The unit scorecards as an .xlsx: the ranked table with the formula above it, lateness by stage, the notes on
what is approximated, and each unit's monthly trend."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from tracker.models import Unit
from tracker.scorecards import STAGE_LABELS, STAGES, Scoreboard, TrendPoint

SCORECARD_COLUMNS: list[tuple[str, Any, int]] = [
    ("rank", gettext_lazy("Rank"), 6),
    ("unit", gettext_lazy("Unit"), 24),
    ("score", gettext_lazy("Score"), 8),
    ("received", gettext_lazy("Received"), 8),
    ("key_tickets", gettext_lazy("On key indicators"), 10),
    ("closed", gettext_lazy("Closed"), 8),
    ("closed_on_time_original", gettext_lazy("Closed by the original deadline"), 12),
    ("closed_on_time_extended", gettext_lazy("Closed by the extended deadline"), 12),
    ("overdue_now", gettext_lazy("Overdue now"), 9),
    ("average_delay_workdays", gettext_lazy("Average delay (working days)"), 10),
    ("worst_delay_workdays", gettext_lazy("Worst delay (working days)"), 10),
    ("rejections", gettext_lazy("Rejections"), 8),
    ("reopenings", gettext_lazy("Reopenings"), 8),
    ("returns", pgettext_lazy("scorecards", "Returned as not its own"), 10),
    ("missed_reports", pgettext_lazy("scorecards", "Reports missed"), 10),
    ("extensions", gettext_lazy("Extensions"), 8),
    ("extension_workdays", gettext_lazy("Working days extended"), 10),
    ("pauses", gettext_lazy("Pauses"), 8),
    ("pause_workdays", gettext_lazy("Working days paused"), 10),
    ("satisfaction", gettext_lazy("Public satisfaction"), 10),
    ("timeliness", gettext_lazy("Weighted timeliness"), 10),
]


def scoreboard_write(board: Scoreboard, trend: list[tuple[Unit, list[TrendPoint]]] | None, dest: Any) -> None:
    """The scoreboard as an .xlsx in the active language: the ranked table with the formula above it, lateness by
    stage, and the monthly trend when given."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from tracker.sheets import HEADER_FILL, HEADER_FONT, WRAP

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Scorecards")
    sheet.append([_("Unit scorecards: %(period)s") % {"period": board.period.label}])
    sheet["A1"].font = HEADER_FONT
    sheet.append([_("Formula") + ": " + board.formula])
    sheet["A2"].alignment = WRAP
    stage_headings = [f"{_('Late now')}: {STAGE_LABELS[s]}" for s in STAGES] + [
        f"{_('Ended late')}: {STAGE_LABELS[s]}" for s in STAGES
    ]
    sheet.append([str(label) for _key, label, _width in SCORECARD_COLUMNS] + stage_headings)
    for cell in sheet[3]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    for card in board.cards:
        values: list[Any] = []
        for key, _label, _width in SCORECARD_COLUMNS:
            value: Any = card.unit.name if key == "unit" else getattr(card, key)
            if key in ("satisfaction", "timeliness") and value is not None:
                value = round(value * 100, 1)
            values.append(value)
        values += [card.overdue_now_by_stage.get(s, 0) for s in STAGES]
        values += [card.late_ended_by_stage.get(s, 0) for s in STAGES]
        sheet.append(values)
    for index, (_key, _label, width) in enumerate(SCORECARD_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C4"
    notes = workbook.create_sheet(_("Notes"))
    notes.append([_("Formula"), board.formula])
    for note in board.notes:
        notes.append([_("Note"), note])
    notes.column_dimensions["B"].width = 120
    if trend is not None:
        sheet2 = workbook.create_sheet(_("Monthly trend"))
        months = [p.month for p in trend[0][1]] if trend else []
        sheet2.append([_("Unit"), _("Figure"), *months])
        for cell in sheet2[1]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for unit, points in trend:
            sheet2.append([unit.name, _("Received"), *[p.received for p in points]])
            sheet2.append(
                [
                    unit.name,
                    _("Weighted timeliness"),
                    *[round(p.timeliness * 100, 1) if p.timeliness is not None else None for p in points],
                ]
            )
        sheet2.column_dimensions["A"].width = 24
        sheet2.column_dimensions["B"].width = 14
        sheet2.freeze_panes = "C2"
    workbook.save(dest)
