"""Transitions per second through the services, beside the same SQL run raw by pgbench.

The transition is accept (签收), assigned → rectifying, the one every ticket goes through. Each measurement
gets a fresh block of assigned tickets (seeded by COPY just before, assigned today so a plan up to the deadline is
valid); workers and pgbench clients take disjoint tickets of the block, interleaved, and each ticket is accepted
once. Both paths run for the same number of seconds with the same number of workers, each from a fresh
CHECKPOINT, in three rounds that alternate them; a rate is the accepts of all rounds over their seconds.

- service path: `tracker.services.ticket_accept` in forked processes, each with its own Django connection,
  called as a view would: by ticket id with the version the client saw, and the acting officer as a user whose
  memberships have not been read yet (one request, one membership query).
- raw path: bench/accept.sql, the statements ticket_accept sends, through `pgbench -M simple -c C -j C -T S`:
  the simple protocol, as Django sends its statements (the values bound into the SQL text on the client, so
  PostgreSQL parses and plans each one).

When the service path falls below TARGET of the raw one at a worker count, the section profiles it in-process
and prints where the time goes.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import importlib
import pstats
import re
import shutil
import subprocess
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from bench import seed as bench_seed
from bench.common import in_processes
from tracker.errors import ServiceError
from tracker.models import EventKind, Ticket, TicketEvent
from tracker.permissions import forget_memberships
from tracker.services import ticket_accept
from workflows.machine import TicketState

if TYPE_CHECKING:
    from bench.common import Context

WORKERS = (1, 4)
TARGET = 0.35
SCRIPT = Path(__file__).with_name("accept.sql")
# The machine's speed drifts over a run (it is shared); alternating the two paths in short rounds lets a slow spell
# fall on both rather than on whichever happened to run then.
ROUNDS = 3
MIN_ROUND_SECONDS = 3.0
WARMUP = 20  # accepts per worker before the clock starts: imports, translations, connection
# First guesses of the rate (per second) a block must cover; a block that runs out is doubled and run again.
GUESS = {"service": 900.0, "pgbench": 1500.0}


def run(ctx: Context) -> None:
    pgbench = ensure_pgbench(ctx)
    paths = ["service", "pgbench"] if pgbench else ["service"]
    seconds = max(MIN_ROUND_SECONDS, ctx.seconds / ROUNDS)
    ctx.note(f"{ROUNDS} rounds of {seconds:.0f} s a path, the paths alternating within each round")
    rates: dict[tuple[str, int], float] = {}
    for workers in WORKERS:
        done = dict.fromkeys(paths, 0)
        spent = dict.fromkeys(paths, 0.0)
        for _ in range(ROUNDS):
            for path in paths:
                accepts, window = _measure(ctx, path, workers, rates, seconds)
                done[path] += accepts
                spent[path] += window
        for path in paths:
            rates[path, workers] = done[path] / spent[path]
        ctx.report(
            f"accept via services, {workers} process{'es' if workers > 1 else ''}", rates["service", workers], "/s"
        )
        if pgbench:
            ctx.report(
                f"accept as raw SQL (pgbench), {workers} client{'s' if workers > 1 else ''}",
                rates["pgbench", workers],
                "tps",
            )
    if not pgbench:
        return
    short = []
    for workers in WORKERS:
        ctx.ratio(f"services / raw SQL at {workers}", rates["service", workers], rates["pgbench", workers])
        if rates["service", workers] < TARGET * rates["pgbench", workers]:
            short.append(workers)
    if short:
        ctx.note(f"below the {TARGET:.0%} target at {short} worker(s): profiling the service path")
        profile(ctx)


def ensure_pgbench(ctx: Context) -> str | None:
    """The pgbench binary, installed with the PostgreSQL client package when it is missing and apt is at hand."""
    found = shutil.which("pgbench")
    if found is None and shutil.which("apt-get"):
        ctx.note("pgbench is missing: installing postgresql-client")
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql-client"], check=False, capture_output=True)
        found = shutil.which("pgbench")
    if found is None:
        ctx.note("no pgbench (install postgresql-client): the raw SQL figures are left out")
    return found


def _measure(
    ctx: Context, path: str, workers: int, rates: dict[tuple[str, int], float], seconds: float
) -> tuple[int, float]:
    """Accepts done by `path` at `workers` in about `seconds`, and the window they took."""
    guess = GUESS[path]
    if (path, 1) in rates:
        guess = max(guess, rates[path, 1] * workers)
    capacity = int(guess * seconds * 1.5) // workers * workers
    while True:
        _checkpoint()
        block = bench_seed.add_tickets(ctx.seed, capacity, state=TicketState.ASSIGNED)
        run_path = _run_services if path == "service" else _run_pgbench
        done, window = run_path(ctx, block, workers, seconds)
        if done is not None:
            _check_block(block, done + (WARMUP * workers if path == "service" else 0))
            return done, window
        ctx.note(f"{capacity:,} tickets were too few for {path} at {workers}: doubling the block")
        capacity *= 2


def _checkpoint() -> None:
    """Start every measurement from a fresh checkpoint, taken before its block is seeded: the seeding then pays
    for the full-page images of the pages the measurement touches, and no checkpoint is due during it."""
    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")


def _check_block(block: range, done: int) -> None:
    """Every accept the run claimed moved one ticket of the block and wrote one event."""
    accepted = TicketEvent.objects.filter(
        ticket_id__gte=block.start, ticket_id__lt=block.stop, kind=EventKind.ACCEPT
    ).count()
    moved = Ticket.objects.filter(pk__gte=block.start, pk__lt=block.stop, state=TicketState.RECTIFYING).count()
    if not accepted == moved == done:
        raise RuntimeError(f"{done} accepts counted, but {moved} tickets moved and {accepted} events were written")


# --- the service path ----------------------------------------------------------------------------------------


def _run_services(ctx: Context, block: range, workers: int, seconds: float) -> tuple[int | None, float]:
    """Returns the accepts done in the timed window (None when a worker ran out of tickets) and the window's length;
    _check_block also counts the warm-up accepts, so they are added there."""
    # One start for every process, late enough for each to have read its tickets and warmed up (bench/README.md).
    start_at = time.monotonic() + 2.0 + 0.5 * workers + len(block) / 20_000
    jobs = [(ctx.seed, list(block[w::workers]), start_at, seconds) for w in range(workers)]
    results = in_processes(_accept_worker, jobs)
    refused = sum(r.refused for r in results)
    if refused:
        raise RuntimeError(f"the services refused {refused} accepts of fresh assigned tickets")
    if any(r.late for r in results):
        raise RuntimeError("a worker was not ready when the clock started: give the workers more time to start")
    if any(r.ran_out for r in results):
        return None, seconds
    return sum(r.timed for r in results), seconds


class WorkerResult(NamedTuple):
    timed: int
    refused: int
    ran_out: bool
    late: bool


def _accept_worker(seed: bench_seed.Seed, ids: list[int], start_at: float, seconds: float) -> WorkerResult:
    """Accept tickets of `ids` in order: WARMUP of them at once, then as many as fit in [start_at, +seconds)."""
    plan = _plan(seed, ids)
    for ticket_id in ids[:WARMUP]:
        _accept(ticket_id, *plan[ticket_id])
    late = time.monotonic() > start_at
    time.sleep(max(0.0, start_at - time.monotonic()))
    end = start_at + seconds
    timed = refused = 0
    for ticket_id in ids[WARMUP:]:
        if time.monotonic() >= end:
            return WorkerResult(timed, refused, ran_out=False, late=late)
        try:
            _accept(ticket_id, *plan[ticket_id])
            timed += 1
        except ServiceError:
            refused += 1
    return WorkerResult(timed, refused, ran_out=time.monotonic() < end, late=late)


def _plan(seed: bench_seed.Seed, ids: Sequence[int]) -> dict[int, tuple[AbstractBaseUser, dt.date]]:
    """What the client of each ticket brings to the accept: the head of its unit, who signs the plan (签收), and its
    deadline as target."""
    heads = {unit: seed.user_ids[name] for unit, name in seed.heads.items()}
    users = get_user_model().objects.in_bulk(set(heads.values()))
    # By range, not by list: a block may hold more ids than one statement takes parameters.
    wanted = set(ids)
    rows = Ticket.objects.filter(pk__range=(min(ids), max(ids))).values_list("pk", "lead_unit_id", "due_on")
    return {pk: (users[heads[unit]], due) for pk, unit, due in rows if pk in wanted}


def _accept(ticket_id: int, actor: AbstractBaseUser, due: dt.date) -> Ticket:
    forget_memberships(actor)
    return ticket_accept(
        ticket_id=(Ticket(pk=ticket_id)).pk,
        actor=actor,
        version=1,
        measures="排查问题根源，逐项落实整改",
        goal="按期完成整改",
        responsible_person="主要负责人",
        target_date=due,
    )


# --- the raw path --------------------------------------------------------------------------------------------


def _run_pgbench(ctx: Context, block: range, clients: int, seconds: float) -> tuple[int | None, float]:
    command = [
        "pgbench", "-n", "-M", "simple", "-f", str(SCRIPT), "-c", str(clients), "-j", str(clients),
        "-T", str(round(seconds)), "-D", f"first={block.start}", "-D", f"nclients={clients}", "-D", "seq=0",
        ctx.libpq_url,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    processed = re.search(r"number of transactions actually processed: (\d+)", out.stdout)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout)
    if out.returncode != 0 or processed is None or tps is None:
        if "expected one row, got 0" in out.stderr:  # a client went past the end of the block
            return None, seconds
        raise RuntimeError(f"pgbench failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    done = int(processed.group(1))
    # pgbench's own rate leaves out the time its clients took to connect; accepts / rate is that window.
    return done, done / float(tps.group(1))


# --- where the service path's time goes ------------------------------------------------------------------------

PROFILE_ACCEPTS = 400
# The steps of ticket_accept, timed by wrapping the names tracker.services.tickets calls them by.
STEPS = [
    ("BEGIN, lock the ticket (SELECT ... FOR UPDATE)", "tracker.services.tickets", "lock_ticket"),
    ("read the actor's memberships", "tracker.permissions", "memberships_of"),
    ("save the ticket and write the event", "tracker.services.tickets", "record"),
    ("restart the stage clock (policy, calendar, ladder)", "tracker.services.tickets", "set_stage_clock"),
]
PACKAGES = [
    ("psycopg (adapting, sending, reading)", "/psycopg/"),
    ("django.db (ORM: queryset, SQL compiler, models)", "/django/db/"),
    ("django_fsm (transition machinery)", "/django_fsm/"),
    ("django, other", "/django/"),
    ("tracker (services, permissions)", "/tracker/"),
    ("workflows (clocks, calendar, policies)", "/workflows/"),
    ("bench harness", "/bench/"),
]


def profile(ctx: Context) -> None:
    """Accept fresh tickets in this process: time each step of ticket_accept, then profile it by package."""
    block = bench_seed.add_tickets(ctx.seed, 2 * (PROFILE_ACCEPTS + WARMUP), state=TicketState.ASSIGNED)
    plan = _plan(ctx.seed, block)
    half = len(block) // 2
    _profile_steps(ctx, block[:half], plan)
    _profile_packages(ctx, block[half:], plan)


def _profile_steps(ctx: Context, ids: range, plan: dict) -> None:
    for ticket_id in ids[:WARMUP]:
        _accept(ticket_id, *plan[ticket_id])
    spent: dict[str, float] = defaultdict(float)
    originals = []

    def timed(label: str, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        return wrapper

    targets = [(label, importlib.import_module(module), name) for label, module, name in STEPS]
    targets.append(("COMMIT (with the WAL flush)", connection, "commit"))
    for label, owner, name in targets:
        originals.append((owner, name, getattr(owner, name)))
        setattr(owner, name, timed(label, getattr(owner, name)))
    in_sql = [0.0]

    def sql_timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql[0] += time.perf_counter() - started

    try:
        with connection.execute_wrapper(sql_timer):
            started, cpu = time.perf_counter(), time.process_time()
            for ticket_id in ids[WARMUP:]:
                _accept(ticket_id, *plan[ticket_id])
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        for owner, name, original in originals:
            if owner is connection:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
    count = len(ids) - WARMUP

    def per(seconds: float) -> float:
        return seconds / count * 1000

    ctx.report("profile: one accept, wall clock", per(wall), "ms")
    ctx.report("profile: one accept, CPU time of the Python process", per(cpu), "ms")
    for label, seconds in spent.items():
        ctx.report(f"profile: step: {label}", per(seconds), "ms")
    ctx.report("profile: steps together", per(sum(spent.values())), "ms")
    ctx.report("profile: inside cursor.execute (psycopg and PostgreSQL)", per(in_sql[0]), "ms")


def _profile_packages(ctx: Context, ids: range, plan: dict) -> None:
    """CPU time of this process by package and by function (waiting on PostgreSQL is not CPU time)."""
    for ticket_id in ids[:WARMUP]:
        _accept(ticket_id, *plan[ticket_id])
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for ticket_id in ids[WARMUP:]:
        _accept(ticket_id, *plan[ticket_id])
    profiler.disable()
    count = len(ids) - WARMUP
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    by_package: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
        label = next((label for label, part in PACKAGES if part in filename), "Python standard library, builtins")
        by_package[label] += tottime
    total = sum(by_package.values())
    print(f"  CPU time of one accept under cProfile: {total / count * 1000:.2f} ms (the profiler inflates it)")
    for label, seconds in sorted(by_package.items(), key=lambda item: -item[1]):
        print(f"    {seconds / total:6.1%}  {label}")
    print("  top functions by own CPU time (share, cumulative share, calls per accept):")
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in sorted(
        stats.items(), key=lambda item: -item[1][2]
    )[:12]:
        where = "/".join(Path(filename).parts[-2:]) if filename != "~" else "builtin"
        print(f"    {tottime / total:6.1%} {cumtime / total:6.1%} {calls / count:6.1f}x  {name} ({where}:{line})")
