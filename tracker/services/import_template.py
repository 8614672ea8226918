"""The findings template (问题清单导入模板): the sheet to fill in, a sheet explaining every column and its allowed
values, and a sheet of the appraisals, indicators and units the user may name. Its headings are the import's
(tracker.services.imports.COLUMNS), in Chinese or English."""

from __future__ import annotations

import operator
from functools import reduce
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.models import Indicator, Unit
from tracker.permissions import OVERSIGHT_ROLES, memberships_of
from tracker.services.imports import COLUMNS
from tracker.sheets import DATE_FORMAT, HEADER_FILL, HEADER_FONT, REQUIRED_FONT, WRAP, choice_label, column_letter
from workflows.models import RectificationClass, Severity


def findings_template(*, actor: User, language: str, dest: IO[bytes]) -> None:
    """The findings template in `language` ("zh-hans" or "en"): a sheet to fill in, a sheet explaining each column
    and the values it takes, and a sheet of the appraisals, indicators and units the actor may name."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    with translation.override(language):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Findings")
        for index, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=1, column=index, value=str(column.label))
            cell.font = REQUIRED_FONT if column.required else HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = WRAP
            sheet.column_dimensions[column_letter(index - 1)].width = TEMPLATE_WIDTHS.get(column.key, 14)
        sheet.freeze_panes = "A2"
        for key, choices in (("severity", Severity), ("rectification_class", RectificationClass)):
            letter = column_letter([c.key for c in COLUMNS].index(key))
            values = ",".join(choice_label(choices, v) for v in choices.values)
            validation = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
            validation.add(f"{letter}2:{letter}{settings.IMPORT_MAX_ROWS + 1}")
            sheet.add_data_validation(validation)
        due = column_letter([c.key for c in COLUMNS].index("due_on"))
        for row in range(2, 202):
            sheet[f"{due}{row}"].number_format = DATE_FORMAT

        guide = workbook.create_sheet(_("How to fill in"))
        guide.append([_("Column"), _("Required"), _("What to write"), _("Allowed values")])
        allowed = {
            "severity": "、".join(choice_label(Severity, v) for v in Severity.values),
            "rectification_class": "、".join(choice_label(RectificationClass, v) for v in RectificationClass.values),
            "appraisal": _("see the sheet “%(sheet)s”") % {"sheet": _("Reference")},
            "indicator": _("see the sheet “%(sheet)s”") % {"sheet": _("Reference")},
            "lead_unit": _("see the sheet “%(sheet)s”") % {"sheet": _("Reference")},
            "co_units": _("see the sheet “%(sheet)s”") % {"sheet": _("Reference")},
            "due_on": _("a date after today"),
        }
        for column in COLUMNS:
            required = _("yes") if column.required else ""
            if column.key == "appraisal":
                required = _("unless chosen on upload")
            guide.append([str(column.label), required, str(column.help), allowed.get(column.key, "")])
        guide.append([])
        for line in (
            _("One row per finding, headings in the first row. Do not merge cells, and paste values, not formulas."),
            _(
                "A finding is named by its appraisal, document number and item number: a row naming one that was "
                "imported before is skipped, so importing the same file twice creates nothing new."
            ),
            _(
                "The whole file is checked first; if any row is wrong, nothing is imported and every problem is listed "
                "with its row and column."
            ),
            _("At most %(n)s rows in one file.") % {"n": f"{settings.IMPORT_MAX_ROWS:,}"},
        ):
            guide.append([line])
        for cell in guide[1]:
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for letter, width in zip("ABCD", (18, 14, 70, 40), strict=True):
            guide.column_dimensions[letter].width = width
        for row in guide.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = WRAP

        reference = workbook.create_sheet(_("Reference"))
        reference.append([_("Appraisal"), _("Indicator code"), _("Indicator"), _("Key indicator"), _("Weight")])
        for indicator in Indicator.objects.select_related("appraisal").order_by("-appraisal__period_start", "code"):
            reference.append(
                [
                    indicator.appraisal.name,
                    indicator.code,
                    indicator.name,
                    _("yes") if indicator.is_key else "",
                    float(indicator.weight),
                ]
            )
        reference.append([])
        reference.append([_("Unit (full name)"), _("Short names"), _("Parent unit")])
        header_rows = [1, reference.max_row]
        paths = [path for _id, path, role in memberships_of(actor) if role in OVERSIGHT_ROLES]
        in_charge = Unit.objects.none()
        if paths:
            in_charge = Unit.objects.filter(
                reduce(operator.or_, (Q(path__startswith=p) for p in paths))
            ).select_related("parent")
        for unit in in_charge.order_by("path"):
            reference.append([unit.name, unit.short_names, unit.parent.name if unit.parent else ""])
        for row_number in header_rows:
            for cell in reference[row_number]:
                cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        for letter, width in zip("ABCDE", (36, 16, 36, 12, 10), strict=True):
            reference.column_dimensions[letter].width = width
        workbook.save(dest)


TEMPLATE_WIDTHS = {
    "appraisal": 28,
    "indicator": 24,
    "source": 16,
    "document_number": 20,
    "item_number": 10,
    "description": 48,
    "lead_unit": 22,
    "co_units": 22,
    "due_on": 14,
}
