"""The findings import: the whole file checked first, every problem at its row and column, nothing written on any
error, idempotent by appraisal + document number + item number, and a bounded cost for malformed files."""

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from tests.factories import IndicatorFactory
from tests.tracker.spreadsheets import HEADINGS, finding_row, findings_file, letter
from tracker import services
from tracker.models import EventKind, Finding, Ticket, TicketEvent, UnitKind
from tracker.services import import_template, imports
from tracker.services.imports import ImportRejected
from tracker.sheets import BadSpreadsheet
from workflows import clocks


def problems_of(excinfo) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.code) for p in excinfo.value.problems]


def test_a_clean_file_creates_each_finding_with_its_ticket(world):
    world.dept_b.short_names = "市住建局、住建"
    world.dept_b.save()
    due = clocks.today() + dt.timedelta(days=60)
    rows = [
        finding_row(world, 1, co_units="市住建局，清河县教育局", due_on=due),
        finding_row(world, 2, lead_unit="住建", severity="Serious (较重)", rectification_class="立行立改", due_on=None),
        finding_row(world, 3, lead_unit="临江市住建局", due_on=due.strftime("%Y年%m月%d日")),
    ]
    result = imports.findings_import(actor=world.assessor, file=findings_file(rows))
    assert (result.rows, len(result.created), result.already_imported) == (3, 3, [])
    first, second, third = (Ticket.objects.select_related("finding").get(pk=t.pk) for t in result.created)
    assert first.finding.item_number == "1" and first.finding.document_number == "临巡反馈〔2026〕5号"
    assert (first.lead_unit, set(first.co_units.all())) == (world.dept_a, {world.dept_b, world.county_dept})
    assert (first.due_on, first.original_due_on) == (due, due)
    assert (first.lead_official, first.responsible_person, first.handler, first.contact_phone) == (
        "王副市长",
        "陈局长",
        "李科员",
        "0571-12345678",
    )
    assert (second.lead_unit, second.finding.severity, second.rectification_class) == (
        world.dept_b,
        "serious",
        "immediate",
    )
    assert second.due_on > clocks.today() and second.original_due_on == second.due_on
    assert (third.lead_unit, third.due_on) == (world.dept_b, due)
    assert TicketEvent.objects.filter(ticket__in=result.created, kind=EventKind.CREATED).count() == 3
    assert first.number == f"ZG{clocks.today():%Y}-{first.finding_id:06d}"


def test_importing_the_same_file_again_creates_nothing_and_says_so(world):
    content = findings_file([finding_row(world, 1), finding_row(world, 2)]).getvalue()
    imports.findings_import(actor=world.assessor, file=io.BytesIO(content))
    again = imports.findings_import(actor=world.assessor, file=io.BytesIO(content))
    assert (again.created, again.already_imported) == ([], [2, 3])
    assert "Nothing new" in again.message or "没有新数据" in again.message
    assert Finding.objects.count() == 2


def test_a_file_with_one_new_row_imports_only_that_row(world):
    imports.findings_import(actor=world.assessor, file=findings_file([finding_row(world, 1)]))
    result = imports.findings_import(
        actor=world.assessor, file=findings_file([finding_row(world, 1), finding_row(world, 2)])
    )
    assert ([t.finding.item_number for t in result.created], result.already_imported) == (["2"], [2])


def _outside_unit():
    return services.unit_create(name="邻市生态环境局", code="N-EE", kind=UnitKind.DEPARTMENT)


@pytest.mark.parametrize(
    ("change", "column", "code"),
    [
        ({"description": ""}, "description", "missing"),
        ({"lead_unit": "不存在局"}, "lead_unit", "unknown_unit"),
        ({"lead_unit": "环保局"}, "lead_unit", "ambiguous_unit"),
        ({"lead_unit": "邻市生态环境局"}, "lead_unit", "forbidden_unit"),
        ({"co_units": "生态环境局、不存在局"}, "co_units", "unknown_unit"),
        ({"due_on": "2026-13-45"}, "due_on", "bad_date"),
        ({"due_on": "下月底"}, "due_on", "bad_date"),
        ({"due_on": dt.date(2020, 1, 1)}, "due_on", "invalid"),
        ({"severity": "很严重"}, "severity", "bad_choice"),
        ({"rectification_class": "马上改"}, "rectification_class", "bad_choice"),
        ({"appraisal": "不存在的考核"}, "appraisal", "unknown_appraisal"),
        ({"indicator": "Z99"}, "indicator", "unknown_indicator"),
        ({"contact_phone": "1" * 31}, "contact_phone", "too_long"),
        ({"item_number": "1"}, "item_number", "duplicate"),
    ],
)
def test_each_bad_cell_is_reported_at_its_row_and_column_and_nothing_is_written(world, change, column, code):
    world.dept_b.short_names = "环保局"
    world.dept_b.save()
    world.dept_a.short_names = "环保局"
    world.dept_a.save()
    _outside_unit()
    rows = [finding_row(world, 1), finding_row(world, 2, **change), finding_row(world, 3)]
    with pytest.raises(ImportRejected) as excinfo:
        imports.findings_import(actor=world.assessor, file=findings_file(rows))
    assert problems_of(excinfo) == [(3, letter(column), code)]
    problem = excinfo.value.problems[0]
    assert problem.heading == HEADINGS[column] and problem.message
    assert (Finding.objects.count(), Ticket.objects.count()) == (0, 0)


def test_every_problem_of_the_file_is_listed_at_once(world):
    rows = [
        finding_row(world, 1, lead_unit="不存在局", due_on="明天"),
        finding_row(world, 2),
        finding_row(world, 3, source=""),
    ]
    with pytest.raises(ImportRejected) as excinfo:
        imports.findings_import(actor=world.assessor, file=findings_file(rows))
    assert problems_of(excinfo) == [
        (2, letter("lead_unit"), "unknown_unit"),
        (2, letter("due_on"), "bad_date"),
        (4, letter("source"), "missing"),
    ]
    assert excinfo.value.context["problem_count"] == 3
    assert Finding.objects.count() == 0


def test_a_missing_required_column_is_named_at_the_heading_row(world):
    keys = [k for k in HEADINGS if k != "lead_unit"]
    with pytest.raises(ImportRejected) as excinfo:
        imports.findings_import(actor=world.assessor, file=findings_file([finding_row(world)], keys=keys))
    found = [(p.row, p.code, p.heading) for p in excinfo.value.problems]
    assert found == [(1, "missing_column", HEADINGS["lead_unit"])]


def test_the_appraisal_chosen_on_upload_applies_to_every_row(world):
    other = IndicatorFactory(code=world.indicator.code).appraisal
    keys = [k for k in HEADINGS if k != "appraisal"]
    result = imports.findings_import(
        actor=world.assessor, file=findings_file([finding_row(world)], keys=keys), appraisal=other
    )
    assert result.created[0].finding.appraisal_id == other.pk


def test_a_unit_and_indicator_seen_in_an_earlier_appraisal_cycle_are_flagged_recurring(world):
    world.ticket()  # 2025's appraisal: the 生态环境局 on indicator I…
    cycle_2026 = IndicatorFactory(code=world.indicator.code).appraisal
    IndicatorFactory(appraisal=cycle_2026, code="NEW")
    keys = [k for k in HEADINGS if k != "appraisal"]
    rows = [
        finding_row(world, 1),
        finding_row(world, 2, lead_unit="住建局"),
        finding_row(world, 3, indicator="NEW"),
        finding_row(world, 4, indicator="NEW"),  # within the file: the second on the same unit and indicator
    ]
    result = imports.findings_import(actor=world.assessor, file=findings_file(rows, keys=keys), appraisal=cycle_2026)
    assert [t.finding.recurring for t in result.created] == [True, False, False, True]


def test_the_heading_row_may_sit_below_a_merged_title(world):
    file = findings_file([finding_row(world)], title="2026年巡察反馈问题清单")
    result = imports.findings_import(actor=world.assessor, file=file)
    assert len(result.created) == 1


def test_a_formula_is_reported_at_its_cell(world):
    file = findings_file([finding_row(world, 1), finding_row(world, 2, item_number="=1+1")])
    with pytest.raises(ImportRejected) as excinfo:
        imports.findings_import(actor=world.assessor, file=file)
    assert problems_of(excinfo) == [(3, letter("item_number"), "formula")]


def test_merged_heading_cells_are_refused(world):
    file = findings_file([finding_row(world)])
    workbook = load_workbook(file)
    workbook.active.merge_cells("A1:B1")
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(BadSpreadsheet, match="A1:B1"):
        imports.findings_import(actor=world.assessor, file=out)
    assert Finding.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4 not a workbook", "xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        (b"", "xlsx"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_plainly(world, content, message):
    with pytest.raises(BadSpreadsheet) as excinfo:
        imports.findings_import(actor=world.assessor, file=io.BytesIO(content))
    assert message in excinfo.value.summary


def test_a_zip_bomb_is_refused_from_its_declared_sizes(world, settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 2 * 1024 * 1024
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert len(out.getvalue()) < 50_000
    with pytest.raises(BadSpreadsheet, match="2"):
        imports.findings_import(actor=world.assessor, file=out)


def test_a_sheet_whose_xml_breaks_off_is_refused_plainly(world):
    content = findings_file([finding_row(world, n) for n in range(1, 30)]).getvalue()
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            archive.writestr(item.filename, data)
    with pytest.raises(BadSpreadsheet):
        imports.findings_import(actor=world.assessor, file=out)
    assert Finding.objects.count() == 0


def test_more_rows_than_the_limit_are_refused(world, settings):
    settings.IMPORT_MAX_ROWS = 2
    file = findings_file([finding_row(world, n) for n in (1, 2, 3)])
    with pytest.raises(BadSpreadsheet):
        imports.findings_import(actor=world.assessor, file=file)


def test_a_million_formatted_empty_rows_end_the_data_without_being_read(world):
    """A sheet formatted down to row 1,000,002 (as Excel leaves one after a select-all): the rows below the data are
    blank, and reading stops after a run of them."""
    content = findings_file([finding_row(world, 1)]).getvalue()
    source = zipfile.ZipFile(io.BytesIO(content))
    sheet_xml = source.read("xl/worksheets/sheet1.xml").decode()
    blank = "".join(f'<row r="{n}"><c r="A{n}" s="0"/><c r="B{n}" s="0"/></row>' for n in range(3, 1_000_003))
    sheet_xml = sheet_xml.replace("</sheetData>", blank + "</sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = sheet_xml.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            archive.writestr(item.filename, data)
    result = imports.findings_import(actor=world.assessor, file=out)
    assert (result.rows, len(result.created)) == (1, 1)


def test_a_template_with_headings_and_no_rows_imports_nothing(world):
    with pytest.raises(ImportRejected) as excinfo:
        imports.findings_import(actor=world.assessor, file=findings_file([]))
    assert [p.code for p in excinfo.value.problems] == ["empty"]


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "责任单位"), ("en", "Responsible unit")])
def test_the_template_explains_each_column_in_its_language(world, language, heading):
    out = io.BytesIO()
    import_template.findings_template(actor=world.assessor, language=language, dest=out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    fill_in, guide, reference = workbook.worksheets
    assert heading in [c.value for c in fill_in[1]]
    assert fill_in.freeze_panes == "A2"
    assert len([r for r in guide.iter_rows(min_row=2, max_row=16, values_only=True) if r[0]]) == 15
    assert "生态环境局" in [r[0] for r in reference.iter_rows(values_only=True)]
    # The template, filled in, imports as it is.
    fill_in.append(
        [
            {
                "appraisal": world.indicator.appraisal.name,
                "indicator": world.indicator.code,
                "source": "督查室",
                "item_number": 1,
                "description": "问题",
                "lead_unit": "生态环境局",
            }.get(key)
            for key in HEADINGS
        ]
    )
    filled = io.BytesIO()
    workbook.save(filled)
    assert len(imports.findings_import(actor=world.assessor, file=filled).created) == 1


def test_a_workbook_without_the_headings_is_refused(world):
    workbook = Workbook()
    workbook.active.append(["甲", "乙"])
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(BadSpreadsheet):
        imports.findings_import(actor=world.assessor, file=out)
