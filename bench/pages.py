"""The pages under load: gunicorn on 127.0.0.1, loaded by wrk, beside the bare Django view of bench.api.

The server is bench.api's (the product with `/bench/tickets/<pk>/` routed beside it), signed in by a session cookie
made for each caller. The scenarios take turns in ROUNDS rounds at CONNECTIONS connections, as bench.api's do, and
the section reports each one's requests per second, the median round's p50 and p99, and its rate as a share of the
bare view's measured in the same rounds:

- bare view: a random ticket of one unit by primary key (the yardstick);
- ledger: the first page of /ledger/?state=rectifying with its colour counts, as the unit's officer and as the
  city's supervisor (whose scope is every ticket);
- ticket page: /tickets/<id>/ for a random ticket of the unit, as its officer (history, forms, diagram);
- workspace: /workspace/ as the unit's officer.

Target (the issue's, at 16 connections): p99 under 150 ms for the ledger, the ticket page and the workspace.
"""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from bench import api

if TYPE_CHECKING:
    from bench.common import Context

P99_MS = 150.0


def session_cookie(username: str) -> str:
    """A signed-in session for `username`, as the sign-in page would leave it, for wrk to send as a cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _check_signed_in(base: str, path: str, headers: dict[str, str]) -> None:
    """wrk counts a redirect as a success: make sure the page answers 200 itself, not a redirect to sign in."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(base + path, headers=headers), timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as refused:
        status = refused.code
    if status != 200:
        raise RuntimeError(f"{path} answered {status} to a signed-in session")


def run(ctx: Context) -> None:
    wrk = api.ensure_wrk(ctx)
    if wrk is None:
        return
    seed = ctx.seed
    unit = seed.lead_unit_ids[0]
    ids = api._sample_ids(unit)
    if not ids:
        ctx.note("the officer's unit has no tickets: nothing to show")
        return
    officer = {"Cookie": session_cookie(seed.officers[unit])}
    supervisor = {"Cookie": session_cookie(seed.supervisor)}
    workers = int(os.environ.get("BENCH_API_WORKERS") or os.cpu_count() or 1)
    seconds = max(api.MIN_ROUND_SECONDS, ctx.seconds / api.ROUNDS)
    ctx.note(f"gunicorn: {workers} sync workers; {api.ROUNDS} rounds of {seconds:.0f} s a scenario")
    with api.gunicorn(workers) as base, tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        scenarios = {
            "bare view: one ticket by primary key": api._reads(folder, "bare", ids, "/bench/tickets/{}/", {}),
            "ledger, first page, ?state= (officer)": api._fixed(
                folder, "ledger_officer", "/ledger/?state=rectifying", officer
            ),
            "ledger, first page, ?state= (city supervisor)": api._fixed(
                folder, "ledger_supervisor", "/ledger/?state=rectifying", supervisor
            ),
            "ticket page (officer)": api._reads(folder, "ticket", ids, "/tickets/{}/", officer),
            "workspace (officer)": api._fixed(folder, "workspace", "/workspace/", officer),
        }
        for path, headers in (("/ledger/", officer), ("/ledger/", supervisor), ("/workspace/", officer)):
            _check_signed_in(base, path, headers)
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
    if len(loads) < len(rounds):
        ctx.note(f"target p99 < {P99_MS:.0f} ms for every page: NOT met (a page answered nothing in a round)")
        return
    bare, *pages = loads.items()
    for label, load in pages:
        ctx.ratio(f"{label} / bare view", load.rate, bare[1].rate)
    worst = max(load.p99_ms for _label, load in pages)
    ctx.note(f"target p99 < {P99_MS:.0f} ms for every page: {'met' if worst < P99_MS else 'NOT met'} ({worst:.0f} ms)")
