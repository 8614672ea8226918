"""Progress with evidence, extension and pause requests and their decisions, through the API."""

import hashlib

from tests.api.conftest import token_client
from tests.factories import drive, evidence_file
from tracker.models import Ticket
from workflows import calendar
from workflows.machine import TicketState


def test_progress_with_evidence_files_is_recorded_and_the_files_come_back_as_attachments(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    officer = token_client(world.officer_a)
    content = b"%PDF-1.4 site photos"
    response = officer.post(
        f"/api/v1/tickets/{ticket.pk}/progress/",
        {"text": "完成围挡", "percent": 40, "version": ticket.version, "files": [evidence_file("photos.pdf", content)]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    report = response.json()
    assert (report["percent"], report["author"], [e["name"] for e in report["evidence"]]) == (
        40,
        "officer_a",
        ["photos.pdf"],
    )
    assert report["evidence"][0]["sha256"] == hashlib.sha256(content).hexdigest()
    assert Ticket.objects.get(pk=ticket.pk).progress == 40

    listed = token_client(world.supervisor).get(f"/api/v1/tickets/{ticket.pk}/progress/").json()["results"]
    assert [r["id"] for r in listed] == [report["id"]]
    evidence = token_client(world.supervisor).get(f"/api/v1/tickets/{ticket.pk}/evidence/").json()["results"]
    download = token_client(world.supervisor).get(f"/api/v1/evidence/{evidence[0]['id']}/file/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == content
    assert token_client(world.officer_b).get(f"/api/v1/evidence/{evidence[0]['id']}/file/").status_code == 404


def test_an_approved_extension_moves_the_deadline_and_is_counted(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    new_deadline = calendar.add_workdays(ticket.due_on, 15)
    asked = token_client(world.officer_a).post(
        f"/api/v1/tickets/{ticket.pk}/extension-requests/",
        {"requested_deadline": str(new_deadline), "reason": "设备采购周期长", "version": ticket.version},
        format="json",
    )
    assert asked.status_code == 201
    supervisor = token_client(world.supervisor)
    queue = supervisor.get("/api/v1/extension-requests/", {"state": "pending"}).json()["results"]
    assert [r["id"] for r in queue] == [asked.json()["id"]]
    no_reason = supervisor.post(f"/api/v1/extension-requests/{queue[0]['id']}/decision/", {"approve": False})
    assert (no_reason.status_code, list(no_reason.json()["errors"])) == (400, ["reason"])
    decided = supervisor.post(f"/api/v1/extension-requests/{queue[0]['id']}/decision/", {"approve": True})
    assert (decided.status_code, decided.json()["state"], decided.json()["decided_by"]) == (
        200,
        "approved",
        "supervisor",
    )
    again = supervisor.post(f"/api/v1/extension-requests/{queue[0]['id']}/decision/", {"approve": True})
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    detail = supervisor.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (detail["due_on"], detail["stage_deadline"], detail["extension_count"]) == (
        str(new_deadline),
        str(new_deadline),
        1,
    )


def test_a_pause_stops_the_clock_and_resuming_restarts_it(world):
    ticket = drive(world, world.ticket(), TicketState.RECTIFYING)
    officer, supervisor = token_client(world.officer_a), token_client(world.supervisor)
    asked = officer.post(f"/api/v1/tickets/{ticket.pk}/pause-requests/", {"reason": "等待专家论证"}, format="json")
    assert asked.status_code == 201
    decided = supervisor.post(f"/api/v1/pause-requests/{asked.json()['id']}/decision/", {"approve": True})
    assert (decided.status_code, decided.json()["state"]) == (200, "approved")
    paused = officer.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert (paused["paused"], paused["stage_deadline"], paused["warning"]) == (True, None, "paused")
    resumed = officer.post(f"/api/v1/tickets/{ticket.pk}/resume/", {"version": paused["version"]}, format="json")
    assert resumed.status_code == 200
    assert (resumed.json()["paused"], resumed.json()["stage_deadline"]) == (False, str(ticket.due_on))
    not_paused = officer.post(f"/api/v1/tickets/{ticket.pk}/resume/", {}, format="json")
    assert (not_paused.status_code, not_paused.json()["code"]) == (409, "conflict")
