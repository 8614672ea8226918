"""Every form of the pages refuses what the services refuse — wrong role, wrong state, stale version, bad field,
oversized file — and says why on the page; nothing is saved by a refused form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import drive, plan_kwargs
from tracker.models import Evidence, ExtensionRequest, PauseRequest, Ticket
from workflows import calendar, clocks

pytestmark = pytest.mark.django_db


def _plan(ticket: Ticket) -> dict:
    plan = plan_kwargs(ticket)
    return {**plan, "target_date": plan["target_date"].isoformat(), "version": ticket.version}


def test_the_officer_submits_a_plan_and_the_head_signs_it_as_submitted(world, as_user):
    ticket = world.ticket()
    data = {**_plan(ticket), "milestone_title_1": "排查", "milestone_due_1": ticket.due_on.isoformat()}
    assert as_user("officer_a").post(f"/tickets/{ticket.pk}/submit_plan/", data).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.plan_state) == ("assigned", "submitted")

    head = as_user("head_a")
    page = head.get(f"/tickets/{ticket.pk}/")
    accept = next(p["form"] for p in page.context["panels"] if p["name"] == "accept")
    assert (accept.initial["measures"], accept.initial["milestone_title_1"]) == (data["measures"], "排查")
    signed = {name: accept.initial.get(name, "") for name in accept.fields}
    signed = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in signed.items() if v is not None}
    assert head.post(f"/tickets/{ticket.pk}/accept/", signed).status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.plan_signed_by) == ("rectifying", world.head_a)
    assert [m.title for m in ticket.milestones.all()] == ["排查"]


def test_a_missing_field_is_named_on_the_form_and_nothing_changes(world, as_user):
    ticket = world.ticket()
    data = {**_plan(ticket), "measures": ""}
    response = as_user("officer_a").post(f"/tickets/{ticket.pk}/submit_plan/", data)
    assert response.status_code == 400
    assert "measures" in response.context["panels"][0]["form"].errors
    assert Ticket.objects.get(pk=ticket.pk).plan_state == ""


def test_a_target_date_after_the_deadline_is_the_services_refusal_shown_on_the_field(world, as_user):
    ticket = world.ticket()
    data = {**_plan(ticket), "target_date": (ticket.due_on + dt.timedelta(days=30)).isoformat()}
    response = as_user("head_a").post(f"/tickets/{ticket.pk}/accept/", data)
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["name"] == "accept")
    assert "target_date" in form.errors
    assert Ticket.objects.get(pk=ticket.pk).state == "assigned"


def test_a_role_that_may_not_fire_the_transition_is_refused(world, as_user):
    ticket = drive(world, world.ticket(), "explained")
    response = as_user("officer_a").post(f"/tickets/{ticket.pk}/verify/", {"version": ticket.version})
    assert response.status_code == 400
    assert "verify" not in [p["name"] for p in response.context["panels"]]
    assert response.context["open_panel"] == "verify"
    assert Ticket.objects.get(pk=ticket.pk).state == "explained"


def test_a_transition_in_the_wrong_state_is_refused(world, as_user):
    ticket = drive(world, world.ticket(), "rectifying")
    response = as_user("officer_a").post(f"/tickets/{ticket.pk}/accept/", _plan(ticket))
    assert response.status_code == 400
    assert response.context["refused"]
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_a_stale_version_shows_what_changed_and_keeps_the_input(world, as_user):
    ticket = world.ticket()
    old = ticket.version
    drive(world, ticket, "rectifying")  # someone else accepted meanwhile
    client = as_user("head_a")
    ticket = Ticket.objects.get(pk=ticket.pk)
    response = client.post(f"/tickets/{ticket.pk}/pause/", {"version": old, "reason": "等待专家论证"})
    assert response.status_code == 409
    assert response.context["stale"] is True
    assert [e.event.kind for e in response.context["changed"]] == ["accept"]
    form = next(p["form"] for p in response.context["panels"] if p["name"] == "pause")
    assert form.data["reason"] == "等待专家论证"
    assert form.data["version"] == str(ticket.version)
    assert not PauseRequest.objects.exists()


def test_evidence_upload_takes_several_files_and_refuses_an_oversized_one(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EVIDENCE_MAX_BYTES = 2048
    ticket = drive(world, world.ticket(), "rectifying")
    client = as_user("officer_a")
    files = [SimpleUploadedFile("a.pdf", b"%PDF a"), SimpleUploadedFile("b.png", b"png")]
    response = client.post(
        f"/tickets/{ticket.pk}/progress/",
        {"version": ticket.version, "text": "已排查", "percent": 40, "files": files},
    )
    assert response.status_code == 302
    assert sorted(Evidence.objects.filter(ticket=ticket).values_list("name", flat=True)) == ["a.pdf", "b.png"]
    ticket.refresh_from_db()
    big = SimpleUploadedFile("big.pdf", b"x" * 4096)
    response = client.post(f"/tickets/{ticket.pk}/evidence/", {"version": ticket.version, "files": [big]})
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["name"] == "evidence")
    assert "files" in form.errors
    assert Evidence.objects.filter(ticket=ticket).count() == 2


def test_a_file_type_the_service_refuses_is_shown_on_the_files_field(world, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = drive(world, world.ticket(), "rectifying")
    response = as_user("officer_a").post(
        f"/tickets/{ticket.pk}/evidence/",
        {"version": ticket.version, "files": [SimpleUploadedFile("run.exe", b"MZ")]},
    )
    assert response.status_code == 400
    form = next(p["form"] for p in response.context["panels"] if p["name"] == "evidence")
    assert "files" in form.errors
    assert not Evidence.objects.filter(ticket=ticket).exists()


def test_an_extension_must_move_the_deadline_later_and_a_supervisor_decides_it(world, as_user):
    ticket = drive(world, world.ticket(), "rectifying")
    client = as_user("officer_a")
    response = client.post(
        f"/tickets/{ticket.pk}/extension/",
        {"version": ticket.version, "requested_deadline": ticket.due_on.isoformat(), "reason": "汛期"},
    )
    assert response.status_code == 400
    later = calendar.add_workdays(ticket.due_on, 10)
    response = client.post(
        f"/tickets/{ticket.pk}/extension/",
        {"version": ticket.version, "requested_deadline": later.isoformat(), "reason": "汛期"},
    )
    assert response.status_code == 302
    request = ExtensionRequest.objects.get(ticket=ticket)
    # The officer may see the request but not decide it; a rejection needs a reason.
    as_user("officer_a").post(f"/requests/extension/{request.pk}/decision/", {"approve": "1"})
    as_user("supervisor").post(f"/requests/extension/{request.pk}/decision/", {"approve": "0", "reason": ""})
    request.refresh_from_db()
    assert request.state == "pending"
    as_user("supervisor").post(f"/requests/extension/{request.pk}/decision/", {"approve": "1"})
    request.refresh_from_db()
    ticket.refresh_from_db()
    assert request.state == "approved" and ticket.due_on == later


def test_another_units_request_cannot_be_decided_by_url(world, as_user):
    ticket = drive(world, world.ticket(), "rectifying")
    as_user("officer_a").post(f"/tickets/{ticket.pk}/pause/", {"version": ticket.version, "reason": "等待检测结果"})
    request = PauseRequest.objects.get(ticket=ticket)
    response = as_user("county_supervisor").post(f"/requests/pause/{request.pk}/decision/", {"approve": "1"})
    assert response.status_code == 404
    assert PauseRequest.objects.get(pk=request.pk).state == "pending"


def test_an_unknown_action_is_not_found(world, as_user):
    ticket = world.ticket()
    assert as_user("officer_a").post(f"/tickets/{ticket.pk}/delete/", {"version": 1}).status_code == 404


def test_only_assessors_and_supervisors_log_findings(world, as_user):
    assert as_user("officer_a").get("/findings/new/").status_code == 403


def test_a_finding_is_logged_and_its_ticket_gets_the_policys_deadline(world, as_user):
    data = {
        "indicator": world.indicator.pk,
        "unit": world.dept_a.pk,
        "description": "污水处理厂在线监测数据缺失",
        "severity": "general",
        "rectification_class": "time_limited",
        "source": "市考核办",
    }
    response = as_user("assessor").post("/findings/new/", data)
    assert response.status_code == 302
    ticket = Ticket.objects.get(finding__description="污水处理厂在线监测数据缺失")
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.due_on > clocks.today()


def test_a_finding_form_refuses_a_past_deadline_and_a_unit_outside_the_scope(world, as_user):
    base = {
        "indicator": world.indicator.pk,
        "description": "问题",
        "severity": "general",
        "rectification_class": "time_limited",
        "source": "县考核办",
    }
    client = as_user("county_supervisor")
    response = client.post("/findings/new/", {**base, "unit": world.dept_a.pk})
    assert response.status_code == 400 and "unit" in response.context["form"].errors
    yesterday = (clocks.today() - dt.timedelta(days=1)).isoformat()
    response = client.post("/findings/new/", {**base, "unit": world.county_dept.pk, "due_on": yesterday})
    assert response.status_code == 400 and "due_on" in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_sms_needs_a_mobile_number(world, as_user):
    client = as_user("officer_a")
    response = client.post("/inbox/", {"language": "zh-hans", "email": "on", "sms": "on", "phone": ""})
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert client.post("/inbox/", {"language": "zh-hans", "sms": "on", "phone": "13800000000"}).status_code == 302
    from notifications.models import NotificationPreference

    preference = NotificationPreference.objects.get(user=world.officer_a)
    assert (preference.email, preference.sms, preference.phone) == (False, True, "13800000000")


def test_the_language_of_ones_messages_is_chosen_on_the_inbox_and_nowhere_else(world, as_user):
    from notifications.models import NotificationPreference

    client = as_user("officer_a")
    page = client.get("/inbox/").content.decode()
    # Chinese until chosen otherwise, each language offered by its own name.
    assert '<option value="zh-hans" selected>简体中文</option>' in page
    assert '<option value="en">English</option>' in page

    response = client.post("/inbox/", {"language": "fr", "email": "on"})
    assert response.status_code == 400 and "language" in response.context["form"].errors
    assert not NotificationPreference.objects.exists()

    assert client.post("/inbox/", {"language": "en", "email": "on"}).status_code == 302
    assert NotificationPreference.objects.get(user=world.officer_a).language == "en"
    assert '<option value="en" selected>English</option>' in client.get("/inbox/").content.decode()

    # The switch at the top changes the pages' language, never the messages'.
    assert client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/inbox/"}).status_code == 302
    assert NotificationPreference.objects.get(user=world.officer_a).language == "en"
    other = as_user("officer_b")
    other.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
    assert not NotificationPreference.objects.filter(user=world.officer_b).exists()
    assert '<option value="zh-hans" selected>' in other.get("/inbox/").content.decode()


def test_every_form_needs_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer_a)
    ticket = world.ticket()
    response = client.post(f"/tickets/{ticket.pk}/accept/", _plan(ticket))
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).state == "assigned"
