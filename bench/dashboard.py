"""The cockpit (驾驶舱) and the public register under load: gunicorn on 127.0.0.1, loaded by wrk, beside the bare
Django view of bench.api, in the same rounds and at the same connections (bench.pages explains the method).

- cockpit as the city's supervisor (every unit in scope) and as a county's supervisor;
- the public register's first page, without a cookie.

The cockpit reads the figures the sweep precomputes (tracker.dashboard): they are refreshed once before the load,
and the time the refresh took is reported, since the sweep pays it every DASHBOARD_FIGURES_SECONDS.

Targets (the issue's, at 16 connections): the cockpit's p99 under 150 ms, the register's under 50 ms.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench import api
from bench.common import stopwatch
from bench.pages import _check_signed_in, session_cookie

if TYPE_CHECKING:
    from bench.common import Context

COCKPIT_P99_MS = 150.0
REGISTER_P99_MS = 50.0


def county_supervisor() -> str:
    from django.contrib.auth import get_user_model

    from tracker.models import UnitKind
    from workflows.machine import Role

    return (
        get_user_model()
        .objects.filter(memberships__role=Role.SUPERVISOR, memberships__unit__kind=UnitKind.COUNTY)
        .order_by("username")
        .values_list("username", flat=True)
        .first()
    )


def run(ctx: Context) -> None:
    from tracker.dashboard import figures_refresh

    wrk = api.ensure_wrk(ctx)
    if wrk is None:
        return
    seed = ctx.seed
    with stopwatch() as elapsed:
        figures_refresh(force=True)
    ctx.report("figures refresh (the sweep's, over every ticket)", elapsed() * 1000, "ms")
    county = county_supervisor()
    ids = api._sample_ids(seed.lead_unit_ids[0])
    city = {"Cookie": session_cookie(seed.supervisor)}
    county_headers = {"Cookie": session_cookie(county)} if county else None
    workers = int(os.environ.get("BENCH_API_WORKERS") or os.cpu_count() or 1)
    seconds = max(api.MIN_ROUND_SECONDS, ctx.seconds / api.ROUNDS)
    ctx.note(f"gunicorn: {workers} sync workers; {api.ROUNDS} rounds of {seconds:.0f} s a scenario")
    with api.gunicorn(workers) as base, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        scenarios = {
            "bare view: one ticket by primary key": api._reads(folder, "bare", ids, "/bench/tickets/{}/", {}),
            "cockpit (city supervisor)": api._fixed(folder, "cockpit_city", "/dashboard/", city),
            "public register, first page": api._fixed(folder, "register", "/public/", {}),
        }
        _check_signed_in(base, "/dashboard/", city)
        if county_headers:
            scenarios["cockpit (county supervisor)"] = api._fixed(
                folder, "cockpit_county", "/dashboard/", county_headers
            )
            _check_signed_in(base, "/dashboard/", county_headers)
        rounds: dict[str, list[api.Load]] = {label: [] for label in scenarios}
        for _ in range(api.ROUNDS):
            for label, script in scenarios.items():
                rounds[label].append(api._scenario(wrk, base, label, script, seconds))
    loads = {}
    for label, measured in rounds.items():
        answered = [load for load in measured if load.requests]
        if len(answered) < len(measured):
            ctx.note(f"{label}: no request was answered within a round of {seconds:.0f} s")
        if answered:
            loads[label] = api._combined(ctx, label, answered)
    bare = loads.get("bare view: one ticket by primary key")
    for label, load in loads.items():
        if bare and load is not bare:
            ctx.ratio(f"{label} / bare view", load.rate, bare.rate)
    cockpits = [load.p99_ms for label, load in loads.items() if label.startswith("cockpit")]
    register = loads.get("public register, first page")
    if cockpits:
        worst = max(cockpits)
        verdict = "met" if worst < COCKPIT_P99_MS and len(cockpits) == 2 else "NOT met"
        ctx.note(f"target cockpit p99 < {COCKPIT_P99_MS:.0f} ms: {verdict} ({worst:.0f} ms)")
    if register:
        verdict = "met" if register.p99_ms < REGISTER_P99_MS else "NOT met"
        ctx.note(f"target register p99 < {REGISTER_P99_MS:.0f} ms: {verdict} ({register.p99_ms:.0f} ms)")
