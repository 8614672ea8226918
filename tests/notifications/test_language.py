"""Every message is written in the language of the person who reads it (their preference, Chinese without one),
never in the language of whoever caused it; each language is written once per message, however many read it."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.utils import translation

from notifications import messages
from notifications.models import Channel, Kind, Notification, NotificationPreference, UnitWebhook
from notifications.services import notification_preference_set
from notifications.sweep import derive_event
from tests.factories import UserFactory, drive, notice_over
from tests.notifications.helpers import local, sweep_at
from tests.tracker.decision_world import accountability, add_bodies, fire, step_inputs
from tracker import services
from tracker.errors import Invalid
from workflows.machine import Role, TicketState

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(world):
    """officer_a reads Chinese by choice, head_a English; everyone else has never chosen."""
    for user in (world.officer_a, world.head_a):
        user.email = f"{user.username}@example.org"
        user.save()
    notification_preference_set(user=world.officer_a, language="zh-hans")
    notification_preference_set(user=world.head_a, language="en")
    return world


def _rows(user, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind).order_by("channel"))


def test_one_change_reaches_each_reader_in_their_own_language_while_the_actor_reads_english(
    readers, django_capture_on_commit_callbacks
):
    world = readers
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    with translation.override("en"), time_machine.travel(notice_over(ticket), tick=False):
        # The after-commit derivation runs here, in the request's thread and its English.
        with django_capture_on_commit_callbacks(execute=True):
            services.ticket_reject(
                ticket_id=ticket.pk,
                actor=world.assessor,
                version=ticket.version,
                reason="佐证材料不足",
                new_deadline=D(2027, 6, 30),
            )
        assert translation.get_language() == "en"  # nothing leaks into the caller's language either

    officer, head = _rows(world.officer_a, Kind.REJECTED), _rows(world.head_a, Kind.REJECTED)
    assert [n.channel for n in officer] == [n.channel for n in head] == [Channel.EMAIL, Channel.INAPP]
    for row in officer:
        assert row.subject == f"退回重改：{ticket.number}，新时限为2027年6月30日"
        assert "理由：佐证材料不足" in row.body
    for row in head:
        assert row.subject == f"Sent back for rework (退回重改): {ticket.number}, new deadline June 30, 2027"
        assert "Reason: 佐证材料不足" in row.body


def test_someone_who_never_chose_reads_chinese(world, django_capture_on_commit_callbacks):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        ticket = world.ticket(unit=world.dept_b)
    [row] = _rows(world.officer_b, Kind.ASSIGNED)
    assert row.subject == f"新交办事项：{ticket.number}（{world.dept_b.name}）"
    assert not NotificationPreference.objects.filter(user=world.officer_b).exists()


def test_each_language_is_written_once_however_many_read_it(readers):
    world = readers
    second = UserFactory(username="officer_a2", email="officer_a2@example.org")  # Chinese, by default
    services.membership_add(user=second, unit=world.dept_a, role=Role.OFFICER)
    ticket = drive(world, world.ticket(), TicketState.EXPLAINED)
    with time_machine.travel(notice_over(ticket), tick=False):
        ticket = services.ticket_reject(
            ticket_id=ticket.pk,
            actor=world.assessor,
            version=ticket.version,
            reason="退回",
            new_deadline=D(2027, 6, 30),
        )
    with mock.patch.object(messages, "event_text", wraps=messages.event_text) as written:
        derive_event(ticket.events.latest("id").pk)
    assert written.call_count == 2  # Chinese for two officers, English for the head
    assert Notification.objects.filter(kind=Kind.REJECTED, channel=Channel.INAPP).count() == 3
    chinese = Notification.objects.filter(kind=Kind.REJECTED, recipient=second).values_list("subject", flat=True)
    assert set(chinese) == {f"退回重改：{ticket.number}，新时限为2027年6月30日"}


def test_the_ladder_speaks_to_each_reader_and_each_robot_in_its_language(readers):
    world = readers
    UnitWebhook.objects.create(unit=world.dept_a, name="中文群", url="https://robot.example.org/zh")
    UnitWebhook.objects.create(
        unit=world.dept_a, name="English group", url="https://robot.example.org/en", language="en"
    )
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        ticket = world.ticket()  # signing is due on Thursday 6 November
    with translation.override("en"):  # the sweep runs in whatever language its process has: it does not matter
        for day in (D(2025, 11, 6), D(2025, 11, 7), D(2025, 11, 12), D(2025, 11, 21)):
            sweep_at(local(day))

    [remind] = _rows(world.officer_a, Kind.REMIND)[:1]
    assert remind.subject.startswith(f"提醒：{ticket.number}，请于2025年11月6日前完成")
    chases = _rows(world.head_a, Kind.CHASE)
    assert chases and all(n.subject.startswith(f"Chase (催办): {ticket.number} — ") for n in chases)
    assert all("was due on Nov. 6, 2025" in n.subject for n in chases)
    # The supervisor never chose: Chinese, with the days counted in the sentence.
    [slip] = _rows(world.supervisor, Kind.SUPERVISE)
    assert slip.subject == f"督办：{world.dept_a.name}办理{ticket.number}已逾期3个工作日"
    [listed_head] = [n for n in _rows(world.head_a, Kind.LIST) if n.channel == Channel.INAPP]
    assert listed_head.subject == f"Listed supervision (挂牌督办): {ticket.number} of {world.dept_a.name}"
    [listed_supervisor] = _rows(world.supervisor, Kind.LIST)
    assert listed_supervisor.subject == f"挂牌督办：{ticket.number}（{world.dept_a.name}）"

    robots = dict(
        Notification.objects.filter(kind=Kind.CHASE, channel=Channel.WEBHOOK).values_list("webhook__name", "subject")
    )
    assert robots["中文群"].startswith(f"催办：{ticket.number}，")
    assert robots["English group"].startswith(f"Chase (催办): {ticket.number} — ")


def test_each_supervisor_reads_the_digest_in_their_language(world):
    for user in (world.supervisor, world.county_supervisor):
        user.email = f"{user.username}@example.org"
        user.save()
    notification_preference_set(user=world.supervisor, language="en")
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        world.ticket()
        world.ticket(unit=world.county_dept)
    sweep_at(local(D(2025, 11, 20), 10))

    [city] = _rows(world.supervisor, Kind.DIGEST)
    assert city.subject == "Daily digest (督办日报) Nov. 20, 2025: 2 overdue, 0 near the deadline"
    assert "· red (红) · Nov. 6, 2025" in city.body
    [county] = _rows(world.county_supervisor, Kind.DIGEST)
    assert county.subject == "督办日报（2025年11月20日）：逾期1件，临近时限0件"


def test_a_decisions_step_is_told_to_its_subject_in_their_language(world):
    add_bodies(world)
    notification_preference_set(user=world.officer_a, language="en")
    with time_machine.travel(local(D(2025, 11, 3), 9), tick=False):
        decision = fire("investigate", accountability(world), world.discipline, note="")
        decision = fire("request_statement", decision, world.discipline, **step_inputs("request_statement"))
    sweep_at(local(D(2025, 11, 3), 10))
    sweep_at(local(D(2025, 11, 11), 10))

    [told] = _rows(world.officer_a, Kind.DECISION_STEP)
    assert told.subject.startswith(f"To do (待办): Accountability (问责) #{decision.pk} — ")
    assert told.subject.endswith("by Nov. 10, 2025")
    [chased] = _rows(world.supervisor, Kind.DECISION_CHASE)
    assert chased.subject.startswith(f"催办：问责 第{decision.pk}号 — ")
    assert chased.subject.endswith("已于 2025年11月10日 到期")


def test_a_language_the_site_no_longer_offers_falls_back_to_chinese(world, settings):
    notification_preference_set(user=world.officer_a, language="en")
    settings.LANGUAGES = [("zh-hans", "简体中文")]
    derive_event(world.ticket().events.get().pk)
    [row] = _rows(world.officer_a, Kind.ASSIGNED)
    assert row.subject.startswith("新交办事项：")


def test_the_service_refuses_a_language_it_cannot_write_and_keeps_the_choice(world):
    notification_preference_set(user=world.officer_a, language="en")
    with pytest.raises(Invalid) as refused:
        notification_preference_set(user=world.officer_a, language="fr", email=False)
    assert list(refused.value.errors) == ["language"]
    preference = NotificationPreference.objects.get(user=world.officer_a)
    assert (preference.language, preference.email) == ("en", True)
