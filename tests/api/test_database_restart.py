"""PostgreSQL restarted under load: requests in flight fail with a clean 503, no transition is half applied, and the
same gunicorn answers again within seconds (CONN_HEALTH_CHECKS drops the dead connections; nothing is restarted).

The test starts a cluster of its own (tests/api/private_postgres.py), migrates it, serves the app from it with
gunicorn, and has one thread per ticket reassign its ticket back and forth while the cluster is stopped and started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import psycopg
import pytest

from tests.api.private_postgres import Cluster, available, free_port

# Skipped only outside CI, where the machine may lack PostgreSQL's programs; in CI a missing one fails the run.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(bool(available()) and not os.environ.get("CI"), reason=available() or ""),
]

ROOT = Path(__file__).resolve().parents[2]
TICKETS = 4
# Migrate and seed in one process: starting Django twice would cost seconds of the test's budget.
SEED = f"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from rest_framework.authtoken.models import Token
from tests.factories import make_world
world = make_world()
tickets = [world.ticket().pk for _ in range({TICKETS})]
print(json.dumps({{"tickets": tickets, "units": [world.dept_a.pk, world.dept_b.pk],
                  "token": Token.objects.create(user=world.supervisor).key}}))
"""


def request(url: str, token: str, body: dict | None = None) -> tuple[int, str, dict | None]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept-Language": "en"}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=15) as r:
            return r.status, r.headers.get("Content-Type", ""), json.loads(r.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"raw": raw[:300].decode(errors="replace")}
        return error.code, error.headers.get("Content-Type", ""), payload


@pytest.fixture
def served():
    """The private cluster, migrated and seeded, and a gunicorn serving the app from it."""
    cluster = Cluster()
    gunicorn = None
    try:
        cluster.create()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "DEBUG": "0",
            "SECRET_KEY": "restart-test",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback; production settings otherwise
            "ZHENGGAI_VAR_DIR": str(cluster.root / "var"),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        seeded = subprocess.run(
            [sys.executable, "-c", SEED],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        world = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--threads", "4"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 30
        while True:
            try:
                if request(f"{base}/me/", world["token"])[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and gunicorn.poll() is None, "gunicorn did not come up"
            time.sleep(0.2)
        yield cluster, base, world
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=10)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        cluster.destroy()


def test_a_database_restart_fails_requests_cleanly_applies_nothing_by_halves_and_heals(served):
    cluster, base, world = served
    token, (unit_a, unit_b) = world["token"], world["units"]
    answers: list[tuple[str, int, str, str | None]] = []
    successes_after: list[float] = []
    stop = threading.Event()
    restarted_at: list[float] = []

    def keep_reassigning(ticket: int) -> None:
        url = f"{base}/tickets/{ticket}/"
        while not stop.is_set():
            status, kind, ticket_body = request(url, token)
            answers.append(("GET", status, kind, (ticket_body or {}).get("code")))
            if status != 200:
                time.sleep(0.05)
                continue
            other = unit_b if ticket_body["lead_unit"]["id"] == unit_a else unit_a
            body = {"transition": "reassign", "version": ticket_body["version"], "unit": other, "reason": "轮换"}
            status, kind, answer = request(f"{url}transitions/", token, body)
            answers.append(("POST", status, kind, (answer or {}).get("code")))
            if status == 200 and restarted_at:
                successes_after.append(time.monotonic())

    threads = [threading.Thread(target=keep_reassigning, args=(t,), daemon=True) for t in world["tickets"]]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    cluster.stop("fast")  # terminates the backends of the requests in flight
    time.sleep(1.0)  # requests meet a database that refuses connections
    cluster.start()
    restarted_at.append(time.monotonic())
    deadline = time.monotonic() + 10
    while not successes_after and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=20)

    statuses = Counter((method, status) for method, status, _kind, _code in answers)
    assert successes_after, f"no transition succeeded within 10 s of the restart: {statuses}"
    print(f"answers {dict(statuses)}; first success {successes_after[0] - restarted_at[0]:.2f} s after the restart")
    assert successes_after[0] - restarted_at[0] < 5, statuses
    assert {status for _method, status, _kind, _code in answers} <= {200, 409, 503}, statuses
    unavailable = [(kind, code) for _method, status, kind, code in answers if status == 503]
    assert unavailable, f"the restart met no request: {statuses}"
    assert set(unavailable) == {("application/json", "unavailable")}
    assert statuses[("POST", 200)] >= 2 * TICKETS

    # Every change is whole: the version counts the reassign events, and the lead unit is the last one's target.
    with psycopg.connect(cluster.url.replace("postgres://", "postgresql://")) as db:
        for ticket in world["tickets"]:
            version, lead_unit = db.execute(
                "SELECT version, lead_unit_id FROM tracker_ticket WHERE id = %s", [ticket]
            ).fetchone()
            events = db.execute(
                "SELECT version, data FROM tracker_ticketevent WHERE ticket_id = %s AND kind = 'reassign' ORDER BY id",
                [ticket],
            ).fetchall()
            assert version == 1 + len(events)
            assert [v for v, _data in events] == list(range(2, version + 1))
            assert not events or events[-1][1]["to_unit"] == lead_unit
