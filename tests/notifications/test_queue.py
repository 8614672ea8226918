"""A real Celery worker on a real Redis delivers to a local SMTP server and a local HTTP receiver.

The worker is `celery -A config worker` in a subprocess, on the test database (test_<name>), consuming a queue
of this test's own; the test process plays beat by sending the sweep task, or sweeps itself. Redis is the shared
server at REDIS_URL, except where the test stops Redis: there it is a private redis-server on another port.
"""

import datetime as dt
import uuid
from collections import Counter

import pytest
from django.conf import settings as django_settings
from django.db.models import Q
from django.utils import timezone

from notifications import tasks
from notifications.channels import webhooks
from notifications.models import Channel, Kind, Notification, State, UnitWebhook
from notifications.queue import enqueue
from notifications.sweep import sweep
from tests.notifications.helpers import celery_app
from tests.notifications.receivers import HttpReceiver, SmtpReceiver
from tests.notifications.worker import PrivateRedis, Worker, forget_queue, wait_for
from tracker.models import Ticket

pytestmark = [
    pytest.mark.queue,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("default_policies"),
]
SECRET = "queue-test-secret"
# The worker and this process agree on these (quiet time is ignored for the kinds used, so the test passes at any
# hour on any day; quiet time itself is tested in test_quiet.py).
SETTINGS = {
    "NOTIFY_URGENT_KINDS": ["assigned", "chase"],
    "NOTIFY_RETRY_SECONDS": 1,
    "NOTIFY_CLAIM_SECONDS": 3,
}


def _env(smtp: SmtpReceiver, **overrides: object) -> dict[str, str]:
    return {
        **{k: ",".join(v) if isinstance(v, list) else str(v) for k, v in {**SETTINGS, **overrides}.items()},
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "CELERY_VISIBILITY_TIMEOUT": "30",
    }


@pytest.fixture
def shared_redis() -> str:
    if not django_settings.REDIS_URL:
        pytest.skip("needs Redis: set REDIS_URL")
    return django_settings.REDIS_URL


@pytest.fixture
def queue(shared_redis):
    name = f"zg-test-{uuid.uuid4().hex[:10]}"
    yield name
    forget_queue(shared_redis, name)


@pytest.fixture
def same_settings(settings):
    for key, value in SETTINGS.items():
        setattr(settings, key, value)
    return settings


@pytest.fixture
def smtp():
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def workers():
    started: list[Worker] = []

    def make(**kwargs) -> Worker:
        worker = Worker(**kwargs)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.stop()


def _with_email(world):
    for user in (world.officer_a, world.officer_b, world.officer_c, world.head_a):
        user.email = f"{user.username}@example.org"
        user.save()
    return world


def test_a_worker_delivers_mail_and_signed_webhooks_retrying_a_500_but_not_a_400(
    world, shared_redis, queue, same_settings, smtp, workers
):
    _with_email(world)
    with HttpReceiver(script={"/flaky": [500], "/wrong": [400]}) as receiver:
        for unit, path in ((world.dept_a, "/hook"), (world.dept_b, "/flaky"), (world.county_dept, "/wrong")):
            UnitWebhook.objects.create(unit=unit, name=path, url=receiver.url(path), secret=SECRET)
        worker = workers(broker=shared_redis, queue=queue, env=_env(smtp)).start()

        with celery_app(shared_redis, queue=queue):
            # Three assignments: after each commit the change is enqueued; the worker derives and delivers.
            tickets = [world.ticket(unit=unit) for unit in (world.dept_a, world.dept_b, world.county_dept)]

            def settled() -> bool:
                return len(receiver.on("/flaky")) == 2 and len(smtp.messages) == 3

            # Beat's part: the sweep task every half second picks up the retry once its backoff has passed.
            wait_for(settled, 45, "deliveries", interval=0.5, tick=lambda: enqueue(tasks.sweep))
            wait_for(lambda: not Notification.objects.filter(state=State.PENDING).exists(), 20, "rows to settle")

    [hook] = receiver.on("/hook")
    assert webhooks.verify(
        SECRET, hook.headers[webhooks.TIMESTAMP_HEADER], hook.body, hook.headers[webhooks.SIGNATURE_HEADER]
    )
    assert len(receiver.on("/wrong")) == 1, "a 400 is never retried"
    rows = {n.webhook.url.rsplit("/", 1)[1]: n for n in Notification.objects.filter(channel=Channel.WEBHOOK)}
    assert (rows["flaky"].state, rows["flaky"].attempts) == (State.SENT, 2)
    assert (rows["wrong"].state, rows["wrong"].attempts) == (State.FAILED, 1) and "400" in rows["wrong"].last_error
    assert sorted(m["To"] for m in smtp.messages) == [
        "officer_a@example.org",
        "officer_b@example.org",
        "officer_c@example.org",
    ]
    assert all(sum(t.number in m["Subject"] for m in smtp.messages) == 1 for t in tickets)
    assert "Traceback" not in worker.log()


def _pending_webhook_rows(world, url: str, count: int) -> list[Notification]:
    hook = UnitWebhook.objects.create(unit=world.dept_b, name="slow", url=url, secret=SECRET)
    ticket = world.ticket()  # of another unit: its own assignment message is not posted to this hook
    Notification.objects.bulk_create(
        Notification(
            webhook=hook,
            channel=Channel.WEBHOOK,
            ticket=ticket,
            kind=Kind.CHASE,
            stage=ticket.state,
            deadline=ticket.stage_deadline,
            step=step,
            subject=f"催办 {step}",
            next_attempt_at=timezone.now(),
        )
        for step in range(count)
    )
    return list(Notification.objects.filter(webhook=hook))


def test_killing_the_worker_mid_delivery_loses_nothing_and_sends_nothing_twice(
    world, shared_redis, queue, same_settings, smtp, workers
):
    with HttpReceiver(delay=0.4) as receiver, celery_app(shared_redis, queue=queue):
        rows = _pending_webhook_rows(world, receiver.url("/slow"), 30)
        worker = workers(broker=shared_redis, queue=queue, env=_env(smtp)).start()
        sweep()  # claims all 30 and enqueues them
        wait_for(lambda: len(receiver.on("/slow")) >= 6, 30, "deliveries to be under way")

        worker.kill()
        killed_at = timezone.now()
        sent_before = set(Notification.objects.filter(state=State.SENT).values_list("pk", flat=True))
        assert len(sent_before) < len(rows), "the kill came too late to interrupt anything"

        workers(broker=shared_redis, queue=queue, env=_env(smtp)).start()
        # Claims held by the dead worker lapse after NOTIFY_CLAIM_SECONDS; beat's sweeps hand them out again.
        wait_for(
            lambda: not Notification.objects.exclude(state=State.SENT).exists(),
            60,
            "every delivery after the restart",
            interval=0.5,
            tick=sweep,
        )

    arrivals = Counter(int(r.headers[webhooks.DELIVERY_HEADER]) for r in receiver.on("/slow"))
    assert set(arrivals) == {n.pk for n in rows}, "every message arrived"
    repeated = {pk for pk, times in arrivals.items() if times > 1}
    # Only a delivery cut off mid-flight by the kill may arrive again (with the same delivery id for the receiver
    # to drop); nothing recorded as sent is ever sent again.
    assert not repeated & sent_before
    assert len(repeated) <= worker.concurrency
    assert all(
        min(r.at for r in receiver.on("/slow") if r.headers[webhooks.DELIVERY_HEADER] == str(pk))
        <= killed_at.timestamp()
        for pk in repeated
    )
    assert Notification.objects.filter(pk__in=[n.pk for n in rows], state=State.SENT).count() == 30


def test_with_redis_down_200_changes_commit_and_all_their_messages_arrive_once(world, same_settings, smtp, workers):
    same_settings.NOTIFY_CLAIM_SECONDS = 60
    _with_email(world)
    private = PrivateRedis().start()
    try:
        with HttpReceiver() as receiver, celery_app(private.url, queue="zhenggai"):
            UnitWebhook.objects.create(unit=world.dept_a, name="robot", url=receiver.url("/robot"), secret=SECRET)
            private.stop()

            tickets = [world.ticket() for _ in range(200)]  # 200 assignments: each enqueue fails, each commits
            assert Ticket.objects.count() == 200
            assert not Notification.objects.exists()

            private.start()
            # A backlog of 400 deliveries: claims long enough that sweeps do not hand out the queued ones again.
            workers(broker=private.url, queue="zhenggai", env=_env(smtp, NOTIFY_CLAIM_SECONDS=60)).start()

            def arrived() -> bool:
                return len(smtp.messages) >= 200 and len(receiver.on("/robot")) >= 200

            wait_for(arrived, 120, "200 emails and 200 webhook posts", interval=2, tick=lambda: enqueue(tasks.sweep))
            wait_for(lambda: not Notification.objects.exclude(state=State.SENT).exists(), 20, "rows to settle")
    finally:
        private.stop()

    assigned = Notification.objects.filter(kind=Kind.ASSIGNED)
    for channel in (Channel.INAPP, Channel.EMAIL, Channel.WEBHOOK):
        per_ticket = Counter(assigned.filter(channel=channel).values_list("ticket_id", flat=True))
        assert per_ticket == Counter({t.pk: 1 for t in tickets}), channel
    assert Counter(m["Message-ID"] for m in smtp.messages).most_common(1)[0][1] == 1
    assert len(smtp.messages) == 200
    assert Counter(r.headers[webhooks.DELIVERY_HEADER] for r in receiver.on("/robot")).most_common(1)[0][1] == 1
    assert len(receiver.on("/robot")) == 200
    assert not Notification.objects.filter(~Q(state=State.SENT)).exists()
    assert dt.timedelta(0) <= timezone.now() - max(n.sent_at for n in assigned) < dt.timedelta(minutes=5)
