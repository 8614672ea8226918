"""Deliveries: pending → sent or failed with the error; temporary errors retried with backoff, permanent ones not."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import delivery
from notifications.channels import webhooks
from notifications.models import Channel, Kind, Notification, NotificationPreference, State, UnitWebhook
from tests.notifications.receivers import HttpReceiver, SmtpReceiver

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"


def _row(ticket, channel: str, *, recipient=None, webhook=None) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        webhook=webhook,
        channel=channel,
        ticket=ticket,
        kind=Kind.CHASE,
        stage=ticket.state,
        deadline=ticket.stage_deadline,
        step=0,
        subject=f"催办：{ticket.number}",
        body="请尽快签收",
        link=f"http://example.test/tickets/{ticket.pk}/",
        next_attempt_at=timezone.now(),
    )


def _attempt(row: Notification) -> str:
    """What a sweep and a worker do: claim the row if it is due, then deliver it."""
    with transaction.atomic():
        claimed = dict(delivery.claim_due(timezone.now(), limit=1, only=Q(pk=row.pk)))
    if row.pk not in claimed:
        return "not due"
    return delivery.deliver(row.pk, claimed[row.pk])


def _hook(world, url: str, flavour: str = "generic", secret: str = SECRET) -> UnitWebhook:
    return UnitWebhook.objects.create(unit=world.dept_a, name="group", flavour=flavour, url=url, secret=secret)


def _due_now(row: Notification) -> None:
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_a_generic_webhook_is_signed_and_the_signature_verifies(world):
    with HttpReceiver() as receiver:
        row = _row(world.ticket(), Channel.WEBHOOK, webhook=_hook(world, receiver.url("/hook")))
        assert _attempt(row) == "sent"
    [request] = receiver.on("/hook")
    signature = request.headers[webhooks.SIGNATURE_HEADER]
    timestamp = request.headers[webhooks.TIMESTAMP_HEADER]
    assert webhooks.verify(SECRET, timestamp, request.body, signature)
    assert not webhooks.verify("another secret", timestamp, request.body, signature)
    assert not webhooks.verify(SECRET, timestamp, request.body + b" ", signature)
    assert request.headers[webhooks.DELIVERY_HEADER] == str(row.pk)
    assert json.loads(request.body)["subject"] == row.subject
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (State.SENT, 1, "")


def test_a_500_is_retried_with_backoff_and_a_400_is_not(world, settings):
    settings.NOTIFY_RETRY_SECONDS = 30
    ticket = world.ticket()
    with HttpReceiver(script={"/flaky": [500, 503], "/wrong": [400]}) as receiver:
        flaky = _row(ticket, Channel.WEBHOOK, webhook=_hook(world, receiver.url("/flaky")))
        wrong = _row(ticket, Channel.WEBHOOK, webhook=_hook(world, receiver.url("/wrong")))

        assert (_attempt(flaky), _attempt(wrong)) == ("retry", "failed")
        flaky.refresh_from_db()
        assert flaky.state == State.PENDING and "HTTP 500" in flaky.last_error
        assert flaky.next_attempt_at - timezone.now() > dt.timedelta(seconds=25)  # backoff, not at once
        assert _attempt(flaky) == "not due"

        _due_now(flaky)
        assert _attempt(flaky) == "retry"
        flaky.refresh_from_db()
        assert flaky.next_attempt_at - timezone.now() > dt.timedelta(seconds=55)  # doubled
        _due_now(flaky)
        assert _attempt(flaky) == "sent"

        _due_now(wrong)
        assert _attempt(wrong) == "not due"  # failed for good: never claimed again
    assert len(receiver.on("/flaky")) == 3 and len(receiver.on("/wrong")) == 1
    wrong.refresh_from_db()
    assert (wrong.state, wrong.attempts) == (State.FAILED, 1) and "HTTP 400" in wrong.last_error


def test_attempts_run_out(world, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    with HttpReceiver(script={"/down": [502, 502, 502]}) as receiver:
        row = _row(world.ticket(), Channel.WEBHOOK, webhook=_hook(world, receiver.url("/down")))
        assert _attempt(row) == "retry"
        _due_now(row)
        assert _attempt(row) == "failed"
    row.refresh_from_db()
    assert (row.state, row.attempts) == (State.FAILED, 2)


def test_an_unreachable_receiver_is_a_temporary_error(world):
    from tests.notifications.helpers import closed_port

    row = _row(world.ticket(), Channel.WEBHOOK, webhook=_hook(world, f"http://127.0.0.1:{closed_port()}/x"))
    assert _attempt(row) == "retry"


def test_a_duplicated_or_stale_task_sends_nothing(world):
    with HttpReceiver() as receiver:
        _row(world.ticket(), Channel.WEBHOOK, webhook=_hook(world, receiver.url("/hook")))
        with transaction.atomic():
            [(pk, claim)] = delivery.claim_due(timezone.now(), limit=10)
        assert delivery.deliver(pk, claim - 1) == "skipped"  # a task from a claim that lapsed
        assert delivery.deliver(pk, claim) == "sent"
        assert delivery.deliver(pk, claim) == "skipped"  # the same task redelivered
    assert len(receiver.on("/hook")) == 1


def test_email_goes_over_smtp_and_a_refused_address_fails_for_good(world, settings):
    ticket = world.ticket()
    with SmtpReceiver() as smtp:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        rows = {}
        for name, address in [("ok", "officer@example.org"), ("refused", "refused@x.org"), ("busy", "busy@x.org")]:
            user = world.officer_a.__class__.objects.create(username=f"mail-{name}", email=address)
            rows[name] = _row(ticket, Channel.EMAIL, recipient=user)
        outcomes = {name: _attempt(row) for name, row in rows.items()}
    assert outcomes == {"ok": "sent", "refused": "failed", "busy": "retry"}
    [message] = smtp.messages
    assert message["Subject"] == rows["ok"].subject
    assert message["Message-ID"] == f"<zhenggai-notification-{rows['ok'].pk}@localhost>"
    rows["refused"].refresh_from_db()
    assert "550" in rows["refused"].last_error


def test_a_recipient_without_an_address_fails_for_good(world):
    assert _attempt(_row(world.ticket(), Channel.EMAIL, recipient=world.officer_a)) == "failed"
    assert _attempt(_row(world.ticket(), Channel.SMS, recipient=world.officer_a)) == "failed"


def test_sms_goes_through_the_configured_backend(world, caplog):
    NotificationPreference.objects.create(user=world.officer_a, sms=True, phone="13800000000")
    with caplog.at_level("INFO", logger="notifications.channels.sms"):
        assert _attempt(_row(world.ticket(), Channel.SMS, recipient=world.officer_a)) == "sent"
    assert "13800000000" in caplog.text


def test_robot_formats_and_their_signatures(world):
    ticket = world.ticket()
    with HttpReceiver() as receiver:
        for flavour in ("wecom", "dingtalk", "feishu"):
            assert _attempt(_row(ticket, Channel.WEBHOOK, webhook=_hook(world, receiver.url(f"/{flavour}"), flavour)))
    [wecom] = receiver.on("/wecom")
    assert json.loads(wecom.body)["markdown"]["content"].startswith("**催办")

    [ding] = receiver.on("/dingtalk")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding.path).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    assert json.loads(ding.body)["msgtype"] == "markdown"

    [feishu] = receiver.on("/feishu")
    body = json.loads(feishu.body)
    expected = hmac.new(f"{body['timestamp']}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    assert base64.b64decode(body["sign"]) == expected
    assert body["msg_type"] == "text" and ticket.number in body["content"]["text"]


def test_a_robot_error_code_is_permanent_unless_it_means_slow_down(world):
    ticket = world.ticket()
    script = {"/bad": [(200, b'{"errcode":310000,"errmsg":"sign not match"}')], "/fast": [(200, b'{"errcode":130101}')]}
    with HttpReceiver(script=script) as receiver:
        bad = _row(ticket, Channel.WEBHOOK, webhook=_hook(world, receiver.url("/bad"), "dingtalk"))
        fast = _row(ticket, Channel.WEBHOOK, webhook=_hook(world, receiver.url("/fast"), "dingtalk"))
        assert (_attempt(bad), _attempt(fast)) == ("failed", "retry")
    bad.refresh_from_db()
    assert "310000" in bad.last_error
