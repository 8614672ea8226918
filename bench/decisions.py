"""The decision record's hash chain at scale (tracker.decision_chain).

1. Seed: DECISIONS accountability decisions on the seeded units, and the chain topped up to EVENTS events
   (BENCH_DECISION_EVENTS, default 1,000,000) by COPY, each event's hash computed here in Python exactly as an
   append computes it, continuing from the chain's head. COPY inserts rows, which the record's triggers allow, so
   nothing has to be switched off. The chain is append-only, so a seed is topped up, never redone.
2. Appends per second: 1 process, then 8, each taking one decision's step after another (decision_amend: lock the
   decision, check, save, append under the chain's lock) for `--seconds`. Appends are serialised by the chain's
   lock, so 8 processes measure how little the lock costs, not a speed-up.
3. verify_decisions over the whole chain in a fresh process: seconds, events per second, and the process's peak
   resident memory before and after (bounded: the events stream through a server-side cursor). Target: 1,000,000
   events in under 60 s.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import resource
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from bench.common import Context, in_processes, stopwatch
from tracker import decision_chain, services
from tracker.models import Decision, DecisionEvent, SubjectKind, Unit
from workflows import clocks
from workflows.decisions import DecisionKind, DecisionState
from workflows.machine import Role

DECISIONS = 1000
DEFAULT_EVENTS = 1_000_000
COPY_BATCH = 50_000
TARGET_SECONDS = 60
BODY = "bench_discipline"
COLUMNS = "seq, decision_id, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash"


def run(ctx: Context) -> None:
    events = int(os.environ.get("BENCH_DECISION_EVENTS") or DEFAULT_EVENTS)
    body = ensure_body(ctx)
    decisions = ensure_decisions(ctx, body)
    ensure_events(ctx, events, decisions, body)
    for processes in (1, 8):
        appends(ctx, processes, body)
    verify(ctx)


def ensure_body(ctx: Context) -> int:
    """A discipline inspection account over the bench city: it may amend every decision."""
    User = get_user_model()
    user = User.objects.filter(username=BODY).first()
    if user is None:
        user = User.objects.create(username=BODY)
        services.membership_add(user=user, unit=Unit.objects.get(pk=ctx.seed.city_id), role=Role.DISCIPLINE)
    return user.pk


def ensure_decisions(ctx: Context, body: int) -> list[int]:
    """DECISIONS accountability decisions about the seeded units (their opening events are part of the seed)."""
    existing = list(Decision.objects.order_by("pk").values_list("pk", flat=True)[:DECISIONS])
    missing = DECISIONS - len(existing)
    if missing > 0:
        today = clocks.today()
        units = ctx.seed.lead_unit_ids
        Decision.objects.bulk_create(
            Decision(
                kind=DecisionKind.ACCOUNTABILITY,
                state=DecisionState.INVESTIGATING,
                subject_kind=SubjectKind.UNIT,
                subject_unit_id=units[i % len(units)],
                facts="基准测试：整改逾期",
                opened_by_id=body,
                step_started_on=today,
            )
            for i in range(missing)
        )
        existing = list(Decision.objects.order_by("pk").values_list("pk", flat=True)[:DECISIONS])
    ctx.report("decisions in the database", Decision.objects.count())
    return existing


def ensure_events(ctx: Context, events: int, decisions: list[int], body: int) -> None:
    """Top the chain up to `events` by COPY, continuing from its head."""
    seq, prev = decision_chain.head()
    missing = events - seq
    if missing <= 0:
        ctx.note(f"reusing the chain: {seq:,} events")
        ctx.report("decision events in the chain", seq)
        return
    ctx.note(f"{seq:,} events in the chain, adding {missing:,} by COPY")
    started = time.perf_counter()
    moment = timezone.now() - dt.timedelta(seconds=missing)
    step = dt.timedelta(microseconds=997)
    data = {"reason": "基准测试", "changes": ["document_number"]}
    data_text = decision_chain.canonical_json(data)
    written = 0
    while written < missing:
        batch = min(COPY_BATCH, missing - written)
        buffer = io.StringIO()
        for _ in range(batch):
            seq += 1
            decision_id = decisions[seq % len(decisions)]
            moment += step
            digest = decision_chain.event_hash(
                prev,
                seq=seq,
                decision_id=decision_id,
                kind="amend",
                actor_id=body,
                from_state="investigating",
                to_state="investigating",
                supersedes_id=None,
                created_at=moment,
                data=data,
            )
            buffer.write(
                f"{seq}\t{decision_id}\tamend\t{body}\tinvestigating\tinvestigating\t{data_text}\t"
                f"{decision_chain.timestamp(moment)}\t{prev}\t{digest}\n"
            )
            prev = digest
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY tracker_decisionevent ({COLUMNS}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        written += batch
        if missing > COPY_BATCH:
            ctx.note(f"{written:,} / {missing:,} events ({written / (time.perf_counter() - started):,.0f}/s)")
    with connection.cursor() as cursor:
        # VACUUM (outside a transaction) sets hint bits now, so the verifier's first read does not pay for it.
        cursor.execute(f"{'ANALYZE' if connection.in_atomic_block else 'VACUUM (ANALYZE)'} tracker_decisionevent")
    ctx.report("decision events in the chain", seq)
    ctx.report("seeding: events copied in, with their hashes", time.perf_counter() - started, "s")


def appends(ctx: Context, processes: int, body: int) -> None:
    targets = list(Decision.objects.order_by("pk").values_list("pk", flat=True)[:processes])
    with stopwatch() as elapsed:
        counts = in_processes(_append_for, [(pk, body, ctx.seconds) for pk in targets])
    total = sum(counts)
    ctx.report(f"appends per second, {processes} process{'es' if processes > 1 else ''}", total / elapsed())
    ctx.report(f"appends made, {processes} process{'es' if processes > 1 else ''}", total)


def _append_for(decision_id: int, body: int, seconds: float) -> int:
    """Amend one decision again and again (each a locked, checked, saved step and a chain append)."""
    actor = get_user_model().objects.get(pk=body)
    first = DecisionEvent.objects.filter(decision_id=decision_id).order_by("seq").values_list("pk", flat=True).first()
    if first is None:  # a decision the seed gave no event yet: its opening stands in
        with transaction.atomic():
            first = decision_chain.append(
                Decision.objects.get(pk=decision_id), kind="opened", actor=actor, data={"bench": True}
            ).pk
    version = Decision.objects.values_list("version", flat=True).get(pk=decision_id)
    done, until = 0, time.perf_counter() + seconds
    while time.perf_counter() < until:
        services.decision_amend(
            decision_id=decision_id,
            actor=actor,
            version=version,
            event_id=first,
            reason="基准测试",
            changes={"document_number": f"B{done}"},
        )
        version += 1
        done += 1
    return done


def verify(ctx: Context) -> None:
    ((seconds, events, broken, rss_before, rss_peak),) = in_processes(_verify, [()])
    ctx.report("verify_decisions: events", events)
    ctx.report("verify_decisions: seconds", seconds, "s")
    ctx.report("verify_decisions: events per second", events / seconds if seconds else 0)
    ctx.report("verify_decisions: peak RSS before verifying", rss_before / 1024, "MB")
    ctx.report("verify_decisions: peak RSS after verifying", rss_peak / 1024, "MB")
    if broken:
        ctx.note(f"the chain is BROKEN: {broken}")
    if events >= DEFAULT_EVENTS:
        verdict = "met" if seconds < TARGET_SECONDS else "MISSED"
        ctx.note(f"target {TARGET_SECONDS} s for {DEFAULT_EVENTS:,} events: {verdict}")
    else:
        ctx.note(f"{events:,} events: at this rate {DEFAULT_EVENTS:,} take {DEFAULT_EVENTS * seconds / events:.0f} s")


def _verify() -> tuple[float, int, str, int, int]:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    started = time.perf_counter()
    verdict = decision_chain.verify()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, verdict.events, verdict.broken.reason if verdict.broken else "", before, peak
