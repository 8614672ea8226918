"""Spreadsheets through the API: the import and its template, the ledger export (scoped, filtered, in the request or
by a worker), the round trip from an exported ledger back into an empty appraisal, and the scorecards."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.api.conftest import token_client
from tests.factories import IndicatorFactory, drive
from tests.tracker.spreadsheets import HEADINGS, finding_row, findings_file, letter, read_rows
from tracker import services
from tracker.exports import LEDGER_COLUMNS
from tracker.models import Export, Finding, Ticket, UnitKind
from tracker.sheets import XLSX_CONTENT_TYPE, in_language

COLUMN = {c.key: i for i, c in enumerate(LEDGER_COLUMNS)}


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def post_file(user, file, **data):
    return token_client(user).post("/api/v1/findings/import/", {"file": file, **data}, format="multipart")


def test_an_import_with_problems_is_a_400_listing_each_and_writes_nothing(world):
    rows = [finding_row(world, 1), finding_row(world, 2, lead_unit="不存在局")]
    response = post_file(world.assessor, findings_file(rows))
    body = response.json()
    assert (response.status_code, body["code"], body["problem_count"]) == (400, "import_rejected", 1)
    assert body["problems"] == [
        {
            "row": 3,
            "column": letter("lead_unit"),
            "heading": HEADINGS["lead_unit"],
            "code": "unknown_unit",
            "message": body["problems"][0]["message"],
        }
    ]
    assert "不存在局" in body["problems"][0]["message"]
    assert list(body["errors"]) == [f"rows.3.{letter('lead_unit')}"]
    assert Finding.objects.count() == 0


def test_an_import_answers_in_the_request_language(world):
    rows = [finding_row(world, 1, lead_unit="不存在局")]
    client = token_client(world.assessor)
    english = client.post(
        "/api/v1/findings/import/", {"file": findings_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    chinese = client.post(
        "/api/v1/findings/import/", {"file": findings_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "No unit is called" in english.json()["problems"][0]["message"]
    assert "没有全称或简称为" in chinese.json()["problems"][0]["message"]


def test_a_clean_import_is_a_201_and_the_same_file_again_a_200_that_creates_nothing(world):
    content = findings_file([finding_row(world, 1), finding_row(world, 2)]).getvalue()
    first = post_file(world.assessor, io.BytesIO(content))
    assert (first.status_code, first.json()["created"], len(first.json()["tickets"])) == (201, 2, 2)
    again = post_file(world.assessor, io.BytesIO(content))
    assert (again.status_code, again.json()["created"], again.json()["already_imported"]) == (200, 0, [2, 3])
    assert Ticket.objects.count() == 2


def test_a_unit_officer_may_not_import_findings_for_any_unit(world):
    response = post_file(world.officer_a, findings_file([finding_row(world, 1)]))
    assert [p["code"] for p in response.json()["problems"]] == ["forbidden_unit"]


def test_a_file_that_is_not_a_workbook_is_a_400_bad_file(world):
    response = post_file(world.assessor, io.BytesIO(b"name,unit\n1,2\n"))
    assert (response.status_code, response.json()["code"], list(response.json()["errors"])) == (
        400,
        "bad_file",
        ["file"],
    )


@pytest.mark.parametrize(("query", "language", "heading"), [("?lang=en", "", "Responsible unit"), ("", "", "责任单位")])
def test_the_template_comes_in_chinese_or_english(world, query, language, heading):
    response = token_client(world.assessor).get(f"/api/v1/findings/import/template/{query}")
    assert (response.status_code, response["Content-Type"]) == (200, XLSX_CONTENT_TYPE)
    assert heading in read_rows(content_of(response))[0]


def _ledger_world(world):
    """Tickets of one appraisal in several states and units, each with what the ledger shows."""
    services.unit_create(name="生态环境局", code="Q-EE", kind=UnitKind.DEPARTMENT, parent=world.county)
    common = {"document_number": "临考办〔2026〕12号", "lead_official": "王副市长", "handler": "李科员"}
    world.ticket(item_number="1", co_units=[world.dept_b], contact_phone="0571-1", **common)
    drive(world, world.ticket(item_number="2", responsible_person="陈局长", **common), "explained")
    world.ticket(item_number="3", unit=world.county_dept, due_on=dt.date.today() + dt.timedelta(days=200), **common)
    world.ticket(item_number="4", unit=world.dept_b, **common)


def test_an_exported_ledger_imports_into_an_empty_appraisal_and_exports_the_same_rows(world):
    _ledger_world(world)
    empty = IndicatorFactory(code=world.indicator.code, name=world.indicator.name).appraisal
    client = token_client(world.assessor)
    first = content_of(client.get("/api/v1/tickets/export/", {"appraisal": world.indicator.appraisal_id}))
    imported = client.post(
        "/api/v1/findings/import/", {"file": io.BytesIO(first), "appraisal": empty.pk}, format="multipart"
    )
    assert (imported.status_code, imported.json()["created"]) == (201, 4)
    second = content_of(client.get("/api/v1/tickets/export/", {"appraisal": empty.pk}))

    def rows(content):
        header, *body = read_rows(content)
        return header, {(r[COLUMN["document_number"]], r[COLUMN["item_number"]]): r for r in body}

    header_1, rows_1 = rows(first)
    header_2, rows_2 = rows(second)
    assert header_1 == header_2 and len(rows_1) == 4
    # What the import carries is the same; what is the new ticket's own (its number, place, appraisal and the
    # recurring flag the earlier cycle sets, its state and what happened to it since) is not compared.
    kept = [
        "source",
        "document_number",
        "item_number",
        "indicator",
        "dimension",
        "description",
        "severity",
        "rectification_class",
        "lead_official",
        "lead_unit",
        "co_units",
        "responsible_person",
        "handler",
        "contact_phone",
        "assigned_on",
        "due_on",
    ]
    for key, row in rows_1.items():
        assert [row[COLUMN[k]] for k in kept] == [rows_2[key][COLUMN[k]] for k in kept]
        assert rows_2[key][COLUMN["recurring"]] in ("是", "yes")
    assert rows_1[("临考办〔2026〕12号", "1")][COLUMN["lead_unit"]] == "临江市生态环境局"  # two units share the name
    # A round trip again changes nothing: the file's findings are all there.
    again = client.post(
        "/api/v1/findings/import/", {"file": io.BytesIO(second), "appraisal": empty.pk}, format="multipart"
    )
    assert (again.status_code, again.json()["created"]) == (200, 0)


def test_the_ledger_sheet_has_a_frozen_header_widths_dates_and_warning_colours(world):
    _ledger_world(world)
    response = token_client(world.supervisor).get("/api/v1/tickets/export/")
    assert response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(content_of(response))).worksheets[0]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["I"].width == LEDGER_COLUMNS[8].width
    due = sheet.cell(row=2, column=COLUMN["due_on"] + 1)
    assert isinstance(due.value, dt.datetime) and due.number_format == "yyyy-mm-dd"
    warning = sheet.cell(row=2, column=COLUMN["warning"] + 1)
    assert warning.value and warning.fill.fgColor.rgb.endswith(("C6EFCE", "FFEB9C", "FFC7CE"))
    assert sheet.cell(row=1, column=COLUMN["accountability"] + 1).value == in_language(
        LEDGER_COLUMNS[COLUMN["accountability"]].label, "zh-hans"
    )


@pytest.mark.parametrize(
    ("user", "query", "units"),
    [
        ("officer_a", {}, {"临江市生态环境局"}),
        ("officer_b", {}, {"临江市生态环境局", "住建局"}),  # a co-unit of the first
        ("officer_c", {}, {"清河县教育局"}),
        ("county_supervisor", {}, {"清河县教育局"}),
        ("supervisor", {}, {"临江市生态环境局", "住建局", "清河县教育局"}),
        ("supervisor", {"unit": "dept_b"}, {"住建局"}),
    ],
)
def test_an_export_holds_only_the_rows_its_user_may_see_under_their_filter(world, user, query, units):
    _ledger_world(world)
    query = {k: getattr(world, v).pk for k, v in query.items()}
    header, *rows = read_rows(content_of(token_client(getattr(world, user)).get("/api/v1/tickets/export/", query)))
    assert {r[COLUMN["lead_unit"]] for r in rows} == units


def test_a_large_export_is_written_by_a_worker_and_fetched_by_its_user_alone(world, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    world.ticket(item_number="1")
    world.ticket(item_number="2")
    client = token_client(world.supervisor)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        accepted = client.get("/api/v1/tickets/export/", {"unit": world.dept_a.pk})
    assert (accepted.status_code, accepted.json()["state"], len(callbacks)) == (202, "pending", 1)
    url = accepted.json()["url"]
    export = Export.objects.get(pk=accepted.json()["id"])
    assert (export.state, export.rows, export.params) == ("done", 2, {"unit": [str(world.dept_a.pk)]})
    fetched = client.get(url)
    assert (fetched.status_code, fetched["Content-Type"]) == (200, XLSX_CONTENT_TYPE)
    assert len(read_rows(content_of(fetched))) == 3
    assert token_client(world.assessor).get(url).status_code == 404


def test_an_export_still_being_written_answers_with_its_state(world):
    export = Export.objects.create(user=world.supervisor, params={})
    response = token_client(world.supervisor).get(f"/api/v1/exports/{export.pk}/")
    assert (response.status_code, response.json()["state"]) == (202, "pending")


def test_a_failed_export_says_so_in_the_error_envelope(world):
    export = Export.objects.create(user=world.supervisor, params={}, state="failed", error="disk full")
    response = token_client(world.supervisor).get(f"/api/v1/exports/{export.pk}/")
    assert (response.status_code, response.json()["code"], response.json()["state"]) == (410, "export_failed", "failed")


def test_the_scorecards_endpoint_ranks_units_with_the_formula(world):
    world.ticket()
    response = token_client(world.supervisor).get("/api/v1/stats/scorecards/", {"period": "year"})
    body = response.json()
    assert response.status_code == 200
    assert body["period"]["kind"] == "year" and body["formula"]
    dept_a = next(c for c in body["cards"] if c["unit"]["id"] == world.dept_a.pk)
    assert (dept_a["received"], dept_a["open"], dept_a["score"]) == (1, 1, None)
    bad = token_client(world.supervisor).get("/api/v1/stats/scorecards/", {"period": "month", "value": "2026-13"})
    assert (bad.status_code, list(bad.json()["errors"])) == (400, ["value"])


def test_the_scorecards_come_as_a_sheet_and_a_trend(world):
    world.ticket()
    client = token_client(world.supervisor)
    sheet = client.get("/api/v1/stats/scorecards/xlsx/", {"period": "quarter"})
    assert (sheet.status_code, sheet["Content-Type"]) == (200, XLSX_CONTENT_TYPE)
    assert len(load_workbook(io.BytesIO(content_of(sheet))).worksheets) == 3
    trend = client.get("/api/v1/stats/scorecards/trend/", {"months": 3}).json()
    dept_a = next(t for t in trend if t["unit"]["id"] == world.dept_a.pk)
    assert [p["received"] for p in dept_a["points"]][-1] == 1 and len(dept_a["points"]) == 3
