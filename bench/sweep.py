"""The notification sweep at scale (notifications.sweep).

1. An empty sweep — nothing due — at N tickets and at a tenth of N (a second database seeded the same way): it
   must take milliseconds and not grow with the number of tickets, because every query it makes is a range scan
   of a partial index or a cursor.
2. Claim and create: DUE = N/10 open tickets past or near their stage deadline fall due at once (their
   next_action_at set to a minute ago); one sweeper claims them in batches and writes their reminders,
   chases, supervision slips and listings. Reported: seconds, tickets per second, rows made.
3. Delay: DELAY_TICKETS other tickets fall due at random moments over one sweep interval while a sweep runs every
   interval (as beat fires it); the delay is from the moment a ticket fell due to its first notification row.
   Target: p99 under the interval plus 10 seconds.

Before measuring, the section parks the database: every ticket due within the next hour is moved a month ahead,
earlier runs' notifications are removed, and the event cursor and today's digest are marked done — so "nothing
due" is true and each run creates its rows afresh. The interval is NOTIFY_SWEEP_SECONDS (60 by default);
BENCH_SWEEP_SECONDS shortens it for a quick run.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Max, Min
from django.utils import timezone

from bench import seed as bench_seed
from bench.common import Context, database_name, ensure_database, in_processes, stopwatch
from notifications.derive import Planner
from notifications.directory import Directory
from notifications.models import Cursor, Notification
from notifications.sweep import DIGEST, EVENTS, sweep, sweep_clocks
from tracker.models import Ticket, TicketEvent
from workflows import clocks
from workflows.machine import OPEN_STATES

DELAY_TICKETS = 1000
EMPTY_RUNS = 30
TARGET_MARGIN_SECONDS = 10


def run(ctx: Context) -> None:
    interval = float(os.environ.get("BENCH_SWEEP_SECONDS") or settings.NOTIFY_SWEEP_SECONDS)
    park()
    empty_sweep(ctx, ctx.tickets)
    claim_and_create(ctx, due=max(1, ctx.tickets // 10))
    delay(ctx, interval)
    small = 100_000 if ctx.tickets >= 1_000_000 else max(1_000, ctx.tickets // 10)
    with other_database(ctx, small):
        park()
        empty_sweep(ctx, small)


def park() -> None:
    """Nothing due: tickets due within the hour move a month ahead, old rows go, cursors are up to date."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification")
        cursor.execute(
            "UPDATE tracker_ticket SET next_action_at = %s WHERE next_action_at <= %s",
            [now + dt.timedelta(days=30), now + dt.timedelta(hours=1)],
        )
        cursor.execute("VACUUM (ANALYZE) tracker_ticket, notifications_notification")
    last_event = TicketEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    Cursor.objects.update_or_create(name=EVENTS, defaults={"position": last_event})
    Cursor.objects.update_or_create(name=DIGEST, defaults={"position": clocks.today().toordinal()})


def empty_sweep(ctx: Context, tickets: int) -> None:
    sweep()  # warm: imports, translations, connection
    timings = []
    for _ in range(EMPTY_RUNS):
        with stopwatch() as elapsed:
            report = sweep()
        assert not (report.tickets or report.rows or report.deliveries), report
        timings.append(elapsed() * 1000)
    ctx.report(f"empty sweep at {tickets:,} tickets (median of {EMPTY_RUNS})", statistics.median(timings), "ms")


def _pick(count: int, exclude: set[int]) -> list[int]:
    """Open tickets whose stage deadline is tomorrow or earlier, so their clock has something to say."""
    horizon = clocks.today() + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM tracker_ticket WHERE state = ANY(%s) AND stage_deadline <= %s "
            "AND paused_workdays_left IS NULL ORDER BY random() LIMIT %s",
            [list(OPEN_STATES), horizon, count + len(exclude)],
        )
        return [pk for (pk,) in cursor.fetchall() if pk not in exclude][:count]


def _fall_due(ids: list[int], at: dt.datetime) -> None:
    # In slices: a statement takes at most 65,535 parameters when they are bound on the server.
    for start in range(0, len(ids), 10_000):
        Ticket.objects.filter(pk__in=ids[start : start + 10_000]).update(next_action_at=at, listed=False)


def claim_and_create(ctx: Context, due: int) -> None:
    """One sweeper, then two at once (as two workers running overlapping sweeps would), over the same tickets."""
    ids = _pick(due, set())
    if len(ids) < due:
        ctx.note(f"only {len(ids):,} tickets are near or past their deadline; measuring those")
    for sweepers in (1, 2):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE notifications_notification")
        _fall_due(ids, timezone.now() - dt.timedelta(minutes=1))
        listed_before = Ticket.objects.filter(listed=True).count()
        with stopwatch() as elapsed:
            claimed = sum(in_processes(_sweep_clocks, [()] * sweepers))
        seconds = elapsed()
        label = f"{sweepers} sweeper{'s' if sweepers > 1 else ''}"
        ctx.report(f"claim and create, {label}: {len(ids):,} due among {ctx.tickets:,}", seconds, "s")
        ctx.report(f"claim and create, {label}: tickets per second", claimed / seconds, "/s")
        if sweepers == 1:
            ctx.report("claim and create: notification rows made", Notification.objects.count())
            listed = Ticket.objects.filter(listed=True).count() - listed_before
            ctx.report("claim and create: tickets listed (挂牌督办)", listed)
        if claimed != len(ids):
            ctx.note(f"the sweepers claimed {claimed:,} tickets of {len(ids):,}")


def _sweep_clocks() -> int:
    tickets, _rows = sweep_clocks(Planner(Directory(), timezone.now()), until=float("inf"))
    return tickets


def delay(ctx: Context, interval: float) -> None:
    """Tickets fall due over one interval while the sweep runs every interval; delay = first row − falling due."""
    exclude = set(Notification.objects.values_list("ticket_id", flat=True).distinct())
    ids = _pick(DELAY_TICKETS, exclude)
    rng = random.Random(4)
    start = timezone.now() + dt.timedelta(seconds=2)
    moments = {pk: start + dt.timedelta(seconds=rng.uniform(0, interval)) for pk in ids}
    for pk, at in moments.items():
        Ticket.objects.filter(pk=pk).update(next_action_at=at, listed=False)
    ctx.note(f"{len(ids):,} tickets fall due over {interval:g}s; sweeping every {interval:g}s")
    deadline = time.monotonic() + 3 * interval + 30
    next_sweep = time.monotonic() + rng.uniform(0, interval)  # beat's phase is unrelated to the deadlines
    while time.monotonic() < deadline:
        time.sleep(max(0.0, next_sweep - time.monotonic()))
        next_sweep += interval
        sweep()
        if timezone.now() > max(moments.values()) and _first_rows(ids).keys() >= set(ids):
            break
    first = _first_rows(ids)
    delays = sorted((first[pk] - moments[pk]).total_seconds() for pk in ids if pk in first)
    if len(delays) < len(ids):
        ctx.note(f"{len(ids) - len(delays)} tickets got no row in time")
    if not delays:
        return
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, round(0.99 * (len(delays) - 1)))]
    ctx.report(f"due → notification row, p50 ({len(delays):,} tickets, {interval:g}s sweeps)", p50, "s")
    ctx.report(f"due → notification row, p99 (target < {interval + TARGET_MARGIN_SECONDS:g}s)", p99, "s")


def _first_rows(ids: list[int]) -> dict[int, dt.datetime]:
    rows = Notification.objects.filter(ticket_id__in=ids).values("ticket_id").annotate(first=Min("created_at"))
    return {row["ticket_id"]: row["first"] for row in rows}


@contextmanager
def other_database(ctx: Context, tickets: int) -> Iterator[None]:
    """Point Django at a second benchmark database holding `tickets` tickets, seeded the same way."""
    name = f"{database_name(ctx.database_url)}_sweep_{tickets}"
    url = ctx.database_url.rsplit("/", 1)[0] + f"/{name}"
    ensure_database(url)
    default = connections["default"]
    original = default.settings_dict["NAME"]
    default.close()
    default.settings_dict["NAME"] = name
    try:
        call_command("migrate", interactive=False, verbosity=0)
        small = Context(database_url=url, tickets=tickets, seconds=ctx.seconds)
        ctx.note(f"seeding {name} with {tickets:,} tickets")
        bench_seed.ensure_tickets(small)
        yield
    finally:
        default.close()
        default.settings_dict["NAME"] = original
