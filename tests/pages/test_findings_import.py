"""The findings import page: who may use it, the template it hands out, the report of a refused file (every bad row
and column with its reason, nothing written), a clean import, and the same file again creating nothing."""

import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from tests.tracker.spreadsheets import HEADINGS, finding_row, findings_file, letter
from tracker.models import Finding, Ticket
from tracker.sheets import XLSX_CONTENT_TYPE


def upload(client, content: bytes, name: str = "问题清单.xlsx", **data):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/findings/import/", {"file": file, **data})


def report(response) -> list[tuple[str, str, str]]:
    """(row, column, problem code) of each line of the page's problem report."""
    html = response.content.decode()
    return re.findall(r'<tr data-row="(\d+)" data-column="([A-Z]*)" data-code="(\w+)">', html)


@pytest.mark.parametrize("username", ["officer_a", "head_a", "outsider"])
def test_people_who_assess_nothing_may_not_import_or_fetch_the_template(world, as_user, username):
    client = as_user(username)
    assert client.get("/findings/import/").status_code == 403
    assert client.get("/findings/import/template/").status_code == 403
    assert upload(client, findings_file([finding_row(world)]).getvalue()).status_code == 403
    assert 'href="/findings/import/"' not in client.get("/workspace/").content.decode()
    assert not Finding.objects.exists()


def test_assessors_find_the_import_from_the_navigation_the_workspace_and_the_finding_form(world, as_user):
    client = as_user("assessor")
    for page in ("/ledger/", "/workspace/", "/findings/new/"):
        assert 'href="/findings/import/"' in client.get(page).content.decode(), page
    page = client.get("/findings/import/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/findings/import/template/?lang=zh-hans"' in html
    assert 'href="/findings/import/template/?lang=en"' in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize(
    ("lang", "heading", "guide"), [("zh-hans", "责任单位", "填写说明"), ("en", "Responsible unit", "How to fill in")]
)
def test_the_template_comes_from_the_import_service_in_either_language(world, as_user, lang, heading, guide):
    response = as_user("assessor").get(f"/findings/import/template/?lang={lang}")
    assert (response.status_code, response["Content-Type"]) == (200, XLSX_CONTENT_TYPE)
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert heading in [c.value for c in workbook.worksheets[0][1]]
    assert workbook.sheetnames[1] == guide


def test_a_file_with_bad_rows_is_reported_row_by_row_and_nothing_is_written(world, as_user):
    rows = [
        finding_row(world, 1),
        finding_row(world, 2, lead_unit="不存在局"),
        finding_row(world, 3, due_on="下个月底", description=""),
        finding_row(world, 1),  # the same item as the first row
    ]
    response = upload(as_user("assessor"), findings_file(rows).getvalue())
    html = response.content.decode()
    assert response.status_code == 400
    assert report(response) == [
        ("3", letter("lead_unit"), "unknown_unit"),
        ("4", letter("description"), "missing"),
        ("4", letter("due_on"), "bad_date"),
        ("5", letter("item_number"), "duplicate"),
    ]
    assert "没有导入任何内容" in html and "不存在局" in html and "下个月底" in html
    assert HEADINGS["lead_unit"] in html and "单位不存在" in html and "日期无效" in html
    assert (Finding.objects.count(), Ticket.objects.count()) == (0, 0)


def test_a_clean_file_creates_its_findings_and_the_same_file_again_creates_nothing(world, as_user):
    client = as_user("assessor")
    content = findings_file([finding_row(world, 1), finding_row(world, 2)]).getvalue()
    first = upload(client, content)
    html = first.content.decode()
    assert first.status_code == 200
    tickets = list(Ticket.objects.order_by("pk"))
    assert len(tickets) == 2 and {t.lead_unit for t in tickets} == {world.dept_a}
    assert "data-created>2<" in html
    for ticket in tickets:
        assert f'href="/tickets/{ticket.pk}/"' in html and ticket.number in html

    again = upload(client, content)
    html = again.content.decode()
    assert again.status_code == 200
    assert Ticket.objects.count() == 2
    assert "data-created>0<" in html
    assert "没有新数据" in html and "第 2、3 行" in html


def test_choosing_the_appraisal_imports_a_sheet_without_an_appraisal_column(world, as_user):
    keys = [k for k in finding_row(world) if k != "appraisal"]
    content = findings_file([finding_row(world, 7)], keys=keys).getvalue()
    client = as_user("assessor")
    refused = upload(client, content)
    assert ("1", "", "missing_column") in report(refused) and not Ticket.objects.exists()
    done = upload(client, content, appraisal=world.indicator.appraisal_id)
    assert done.status_code == 200
    assert Ticket.objects.get().finding.appraisal_id == world.indicator.appraisal_id


def zip_bomb() -> bytes:
    """A workbook's outline whose one sheet unpacks to far more than it weighs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 5_000_000)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"name,unit\n1,2\n", "这不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
        (zip_bomb(), "解压后超过"),
    ],
    ids=["csv", "xls", "zip-bomb"],
)
def test_a_file_that_is_not_a_workbook_gets_the_services_words(world, as_user, content, said):
    response = upload(as_user("assessor"), content, name="台账.xls")
    html = response.content.decode()
    assert response.status_code == 400
    assert "没有导入任何内容" in html and said in html
    assert not Finding.objects.exists()


def test_a_file_past_the_size_limit_and_a_formula_are_refused_with_the_services_words(world, as_user, settings):
    client = as_user("assessor")
    workbook_bytes = findings_file([finding_row(world, 1)]).getvalue()
    settings.IMPORT_MAX_BYTES = 1024
    too_big = upload(client, workbook_bytes)
    assert too_big.status_code == 400 and "MB" in too_big.content.decode()
    settings.IMPORT_MAX_BYTES = 10 * 1024 * 1024
    with_formula = findings_file([finding_row(world, 1, description="=A1&B1")]).getvalue()
    response = upload(client, with_formula)
    assert report(response) == [("2", letter("description"), "formula")]
    assert not Finding.objects.exists()


def test_the_report_is_in_english_for_an_english_reader(world, as_user):
    client = as_user("assessor")
    client.cookies["django_language"] = "en"
    response = upload(client, findings_file([finding_row(world, 1, lead_unit="不存在局")]).getvalue())
    html = response.content.decode()
    assert "Nothing was imported" in html and "Unknown unit" in html and "No unit is called" in html


def test_an_empty_upload_is_a_form_error(world, as_user):
    response = as_user("assessor").post("/findings/import/", {})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Finding.objects.exists()
