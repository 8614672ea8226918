"""The REST API under load: gunicorn on 127.0.0.1, loaded by wrk from a second process, beside a bare Django view.

The server is the product (config.settings, persistent database connections as DB_CONN_MAX_AGE sets them) with one
more route, served only here: `/bench/tickets/<pk>/`, a bare Django view that reads one ticket by primary key and
returns a few of its fields — no authentication, no scoping, no serializer. The scenarios take turns in ROUNDS
rounds, each running ctx.seconds / ROUNDS at CONNECTIONS connections after a short warm-up; the section reports
each one's requests per second over all rounds, the median round's p50 and p99 latency, and each API scenario's
rate as a share of the bare view's, measured in the same rounds:

- bare view: a random ticket of one unit by primary key;
- API ticket read: GET /api/v1/tickets/<id>/ on the same tickets, as that unit's officer (token);
- API ticket list: the first page of GET /api/v1/tickets/?state=rectifying, as the unit's officer, as the city's
  supervisor (whose scope is every ticket) and as the officer of a unit with few tickets (bench.seed.ensure_small_unit);
- API transition: POST /api/v1/tickets/<id>/transitions/ accept, each request on a fresh assigned ticket of a block
  seeded just before (by COPY), as the head of the ticket's unit; a block that runs out is doubled and run again.

Targets (the issue's, at 16 connections): read ≥ 40 % of the bare view with p99 < 50 ms; transition ≥ 20 %; list
p99 < 100 ms. wrk is installed with apt when missing. BENCH_API_WORKERS sets the gunicorn workers (default: one
per core). Here gunicorn shares the cores with PostgreSQL and wrk, and more workers only take turns on them, so one
per core gives the yardstick its best rate (the runs that showed it: bench/README.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.urls import include, path

if TYPE_CHECKING:
    from bench.common import Context

CONNECTIONS = 16
THREADS = 2  # wrk threads: the load generator shares the machine's cores with the server
WARMUP_SECONDS = 2
# The machine's speed drifts over a run; short rounds in which the scenarios take turns let a slow spell fall on
# all of them, the bare view included, rather than on whichever ran then.
ROUNDS = 3
MIN_ROUND_SECONDS = 3.0
TRANSITION = "API transition (accept, unit head)"
READ_SAMPLE = 2000
TARGETS = {"read": 0.40, "transition": 0.20}
READ_P99_MS, LIST_P99_MS = 50.0, 100.0
ROOT = Path(__file__).resolve().parent.parent
GUESS_TRANSITIONS_PER_SECOND = 600.0  # a first block that runs out is doubled and the run repeated
PLAN = {"measures": "排查问题根源，逐项落实整改", "goal": "按期完成整改", "responsible_person": "主要负责人"}


# --- what gunicorn serves ---------------------------------------------------------------------------------------


def bare_ticket(request: Any, pk: int) -> Any:
    """The yardstick: one ticket by primary key, straight from the ORM to JSON."""
    from django.http import Http404, JsonResponse

    from tracker.models import Ticket

    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return JsonResponse(
        {
            "id": ticket.pk,
            "number": ticket.number,
            "state": ticket.state,
            "version": ticket.version,
            "due_on": str(ticket.due_on),
            "stage_deadline": str(ticket.stage_deadline),
        }
    )


urlpatterns: list[Any] = []  # filled by wsgi(), once Django is set up and the product's URLconf can be imported


def routes() -> list[Any]:
    """The benchmark's URLconf: the bare view, then the whole product."""
    return [path("bench/tickets/<int:pk>/", bare_ticket), path("", include("config.urls"))]


def wsgi() -> Any:
    """gunicorn's application factory (`bench.api:wsgi()`): the product, with the bare view routed beside it."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    urlpatterns[:] = routes()
    settings.ROOT_URLCONF = __name__
    return application


# --- the section ------------------------------------------------------------------------------------------------


@dataclass
class Load:
    rate: float  # requests per second
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # non-2xx answers and socket errors


def run(ctx: Context) -> None:
    wrk = ensure_wrk(ctx)
    if wrk is None:
        return
    from django.conf import settings

    conn_max_age = settings.DATABASES["default"].get("CONN_MAX_AGE")
    workers = int(os.environ.get("BENCH_API_WORKERS") or os.cpu_count() or 1)
    ctx.note(f"gunicorn: {workers} sync workers, CONN_MAX_AGE={conn_max_age}; wrk: {THREADS} threads")
    unit, officer_token, supervisor_token = _callers(ctx)
    ids = _sample_ids(unit)
    if not ids:
        ctx.note("the officer's unit has no tickets: nothing to read")
        return
    seconds = max(MIN_ROUND_SECONDS, ctx.seconds / ROUNDS)
    ctx.note(f"{ROUNDS} rounds of {seconds:.0f} s a scenario, the scenarios taking turns within each round")
    with gunicorn(workers) as base, tempfile.TemporaryDirectory() as scratch:
        scripts = Path(scratch)
        officer = {"Authorization": f"Token {officer_token}"}
        supervisor = {"Authorization": f"Token {supervisor_token}"}
        small = {"Authorization": f"Token {_small_unit_token(ctx)}"}
        fixed = {
            "bare view: one ticket by primary key": _reads(scripts, "bare", ids, "/bench/tickets/{}/", {}),
            "API ticket read (officer)": _reads(scripts, "read", ids, "/api/v1/tickets/{}/", officer),
            "API ticket list, first page, ?state= (officer)": _fixed(
                scripts, "list_officer", "/api/v1/tickets/?state=rectifying", officer
            ),
            "API ticket list, first page, ?state= (city supervisor)": _fixed(
                scripts, "list_supervisor", "/api/v1/tickets/?state=rectifying", supervisor
            ),
            "API ticket list, first page, ?state= (officer of a small unit)": _fixed(
                scripts, "list_small", "/api/v1/tickets/?state=rectifying", small
            ),
        }
        rounds: dict[str, list[Load]] = {label: [] for label in [*fixed, TRANSITION]}
        for _ in range(ROUNDS):
            for label, script in fixed.items():
                rounds[label].append(_scenario(wrk, base, label, script, seconds))
            rounds[TRANSITION].append(_transitions(ctx, wrk, base, scripts, seconds))
    loads = {label: _combined(ctx, label, measured) for label, measured in rounds.items()}
    bare, read, transition = (loads[label] for label in list(fixed)[:2] + [TRANSITION])
    listing, listing_all, listing_small = (loads[label] for label in list(fixed)[2:])
    ctx.ratio("API ticket read / bare view", read.rate, bare.rate)
    ctx.ratio("API transition / bare view", transition.rate, bare.rate)
    ctx.ratio("API ticket list (officer) / bare view", listing.rate, bare.rate)
    ctx.ratio("API ticket list (city supervisor) / bare view", listing_all.rate, bare.rate)
    ctx.ratio("API ticket list (officer of a small unit) / bare view", listing_small.rate, bare.rate)
    _judge(ctx, "read", read.rate >= TARGETS["read"] * bare.rate and read.p99_ms < READ_P99_MS)
    _judge(ctx, "transition", transition.rate >= TARGETS["transition"] * bare.rate)
    _judge(ctx, "list", max(listing.p99_ms, listing_all.p99_ms, listing_small.p99_ms) < LIST_P99_MS)


def _combined(ctx: Context, label: str, loads: list[Load]) -> Load:
    """The rounds of one scenario as one figure: the rate over all of them, the median round's p50 and p99."""
    combined = Load(
        rate=sum(load.requests for load in loads) / sum(load.requests / load.rate for load in loads),
        p50_ms=statistics.median(load.p50_ms for load in loads),
        p99_ms=statistics.median(load.p99_ms for load in loads),
        requests=sum(load.requests for load in loads),
        failed=sum(load.failed for load in loads),
    )
    _report(ctx, label, combined)
    return combined


def _judge(ctx: Context, what: str, met: bool) -> None:
    targets = {
        "read": f"ticket read ≥ {TARGETS['read']:.0%} of the bare view, p99 < {READ_P99_MS:.0f} ms",
        "transition": f"transition ≥ {TARGETS['transition']:.0%} of the bare view",
        "list": f"ticket list p99 < {LIST_P99_MS:.0f} ms",
    }
    ctx.note(f"target {targets[what]}: {'met' if met else 'NOT met'}")


def ensure_wrk(ctx: Context) -> str | None:
    """The wrk binary, installed with apt when it is missing and apt is at hand."""
    found = shutil.which("wrk")
    if found is None and shutil.which("apt-get"):
        ctx.note("wrk is missing: installing it")
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        if shutil.which("wrk") is None:
            subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if found is None:
        ctx.note("no wrk (apt-get install wrk): the API section is skipped")
    return found


def _callers(ctx: Context) -> tuple[int, str, str]:
    """The unit whose officer reads, and the officer's and the city supervisor's API tokens."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    seed = ctx.seed
    unit = seed.lead_unit_ids[0]
    users = get_user_model().objects.in_bulk([seed.user_ids[seed.officers[unit]], seed.user_ids[seed.supervisor]])
    officer, supervisor = (users[seed.user_ids[name]] for name in (seed.officers[unit], seed.supervisor))
    return unit, Token.objects.get_or_create(user=officer)[0].key, Token.objects.get_or_create(user=supervisor)[0].key


def _small_unit_token(ctx: Context) -> str:
    """The API token of the officer of bench.seed's small unit."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from bench import seed

    officer = get_user_model().objects.get(username=seed.ensure_small_unit(ctx.seed))
    return Token.objects.get_or_create(user=officer)[0].key


def _sample_ids(unit: int) -> list[int]:
    from tracker.models import Ticket

    return list(Ticket.objects.filter(lead_unit_id=unit).order_by("?").values_list("pk", flat=True)[:READ_SAMPLE])


# --- gunicorn -------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(workers: int) -> Iterator[str]:
    """gunicorn serving this module's URLconf on 127.0.0.1 until the block ends; yields its base URL."""
    from django.db import connections

    connections.close_all()
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", f"{__name__}:wsgi()", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "sync", "--chdir", str(ROOT), "--log-level", "warning",
        "--backlog", "256",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=os.environ.copy(), start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/api/v1/public/notices/?page_size=1", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within a minute")


# --- wrk ----------------------------------------------------------------------------------------------------------


def _lua_headers(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}"


def _reads(folder: Path, name: str, ids: list[int], template: str, headers: dict[str, str]) -> Path:
    """A wrk script that GETs `template` with a random id of `ids` on every request."""
    prefix, suffix = template.split("{}")
    script = folder / f"{name}.lua"
    script.write_text(
        f"local ids = {{{', '.join(map(str, ids))}}}\n"
        f"local headers = {_lua_headers(headers)}\n"
        "math.randomseed(os.time())\n"
        "request = function()\n"
        f"  return wrk.format('GET', {json.dumps(prefix)} .. ids[math.random(#ids)] .. {json.dumps(suffix)}, headers)\n"
        "end\n"
    )
    return script


def _fixed(folder: Path, name: str, url: str, headers: dict[str, str]) -> Path:
    script = folder / f"{name}.lua"
    script.write_text(
        f"local headers = {_lua_headers(headers)}\n"
        f"request = function() return wrk.format('GET', {json.dumps(url)}, headers) end\n"
    )
    return script


def _accepts(folder: Path, jobs: list[tuple[int, str, str]]) -> Path:
    """A wrk script that accepts each ticket of `jobs` once: thread k takes jobs k, k + THREADS, k + 2·THREADS, …
    Past the end it repeats the first job, which the API refuses (409): the run then counts failures."""
    rows = ",\n".join(f"{{{pk}, {json.dumps(token)}, {json.dumps(due)}}}" for pk, token, due in jobs)
    plan = ", ".join(f'"{k}":{json.dumps(v, ensure_ascii=False)}' for k, v in PLAN.items())
    script = folder / "accept.lua"
    script.write_text(
        f"local jobs = {{\n{rows}\n}}\n"
        "local next_thread, taken = 0, 0\n"
        "-- setup runs in the main state; thread:set gives each thread's state its own global `offset`\n"
        "setup = function(thread) thread:set('offset', next_thread); next_thread = next_thread + 1 end\n"
        "request = function()\n"
        f"  local job = jobs[offset + taken * {THREADS} + 1] or jobs[1]\n"
        "  taken = taken + 1\n"
        f'  local body = \'{{"transition":"accept","version":1,{plan},"target_date":"\' .. job[3] .. \'"}}\'\n'
        "  local headers = {['Authorization'] = 'Token ' .. job[2], ['Content-Type'] = 'application/json'}\n"
        "  return wrk.format('POST', '/api/v1/tickets/' .. job[1] .. '/transitions/', headers, body)\n"
        "end\n",
        encoding="utf-8",
    )
    return script


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS_MS[unit]


def wrk_run(wrk: str, base: str, script: Path, seconds: float) -> Load:
    command = [
        wrk, "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{max(1, round(seconds))}s", "--latency",
        "--timeout", "10s", "-s", str(script), base,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=False)
    load = parse_wrk(out.stdout) if out.returncode == 0 else None
    if load is None:
        raise RuntimeError(f"wrk failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return load


def parse_wrk(report: str) -> Load | None:
    """The figures of a `wrk --latency` report; None when it has none."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", report)
    done = re.search(r"(\d+) requests in", report)
    percentiles = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))\s*$", report, re.MULTILINE))
    if rate is None or done is None or set(percentiles) != {"50", "99"}:
        return None
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", report)
    failed = int(non_2xx.group(1)) if non_2xx else 0
    failed += sum(map(int, errors.groups())) if errors else 0
    return Load(float(rate.group(1)), _ms(percentiles["50"]), _ms(percentiles["99"]), int(done.group(1)), failed)


def _report(ctx: Context, label: str, load: Load) -> None:
    ctx.report(f"{label}, {CONNECTIONS} conn", load.rate, "req/s")
    ctx.report(f"{label}: p50", load.p50_ms, "ms")
    ctx.report(f"{label}: p99", load.p99_ms, "ms")


def _scenario(wrk: str, base: str, label: str, script: Path, seconds: float) -> Load:
    wrk_run(wrk, base, script, WARMUP_SECONDS)
    load = wrk_run(wrk, base, script, seconds)
    if load.failed:
        raise RuntimeError(f"{label}: {load.failed} of {load.requests} requests failed")
    return load


def _transitions(ctx: Context, wrk: str, base: str, folder: Path, seconds: float) -> Load:
    """Accept fresh tickets for `seconds`; a block too small for the rate is doubled and the run repeated."""
    from django.db import connection

    from bench import seed as bench_seed
    from tracker.models import EventKind, Ticket, TicketEvent
    from workflows.machine import TicketState

    tokens = _head_tokens(ctx)
    capacity = int(GUESS_TRANSITIONS_PER_SECOND * seconds * 1.5)
    while True:
        block = bench_seed.add_tickets(ctx.seed, capacity, state=TicketState.ASSIGNED)
        rows = Ticket.objects.filter(pk__gte=block.start, pk__lt=block.stop).values_list("pk", "lead_unit_id", "due_on")
        jobs = [(pk, tokens[unit], str(due)) for pk, unit, due in sorted(rows)]
        load = wrk_run(wrk, base, _accepts(folder, jobs), seconds)
        if load.failed == 0:
            break
        if load.requests < len(jobs):
            raise RuntimeError(f"{load.failed} of {load.requests} accepts of fresh assigned tickets failed")
        ctx.note(f"{capacity:,} fresh tickets were too few for {seconds:.0f} s: doubling the block")
        capacity *= 2
    moved = Ticket.objects.filter(pk__gte=block.start, pk__lt=block.stop, state=TicketState.RECTIFYING)
    events = TicketEvent.objects.filter(ticket_id__gte=block.start, ticket_id__lt=block.stop, kind=EventKind.ACCEPT)
    # Both counts in one statement, so one snapshot: requests still in flight when wrk stopped may land meanwhile
    # (wrk counts only the answers it read in its window).
    with connection.cursor() as cursor:
        moved_sql, moved_params = moved.values("pk").query.sql_with_params()
        events_sql, events_params = events.values("pk").query.sql_with_params()
        cursor.execute(
            f"SELECT (SELECT count(*) FROM ({moved_sql}) m), (SELECT count(*) FROM ({events_sql}) e)",
            [*moved_params, *events_params],
        )
        moved_count, event_count = cursor.fetchone()
    if not load.requests <= moved_count == event_count <= load.requests + CONNECTIONS:
        raise RuntimeError(f"wrk counted {load.requests} accepts; {moved_count} tickets moved, {event_count} events")
    return load


def _head_tokens(ctx: Context) -> dict[int, str]:
    """The API token of each unit's head, who signs for its tickets (签收)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    seed = ctx.seed
    users = get_user_model().objects.in_bulk([seed.user_ids[name] for name in seed.heads.values()])
    return {
        unit: Token.objects.get_or_create(user=users[seed.user_ids[name]])[0].key for unit, name in seed.heads.items()
    }
