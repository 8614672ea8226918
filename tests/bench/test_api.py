"""The API benchmark's own pieces: its URLconf serves the bare view beside the product, and wrk's report is read."""

import pytest

from bench import api as bench_api
from tests.api.conftest import token_client

REPORT = """Running 1s test @ http://127.0.0.1:8765/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.20ms    2.78ms  16.36ms   83.61%
    Req/Sec   716.45     91.47     0.93k    77.27%
  Latency Distribution
     50%  812.00us
     75%    4.68ms
     90%    7.56ms
     99%    1.23s
  1570 requests in 1.10s, 797.27KB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   1424.94
Transfer/sec:    723.60KB
"""


def test_a_wrk_report_gives_rate_percentiles_and_failures():
    load = bench_api.parse_wrk(REPORT)
    assert load == bench_api.Load(rate=1424.94, p50_ms=0.812, p99_ms=1230.0, requests=1570, failed=7)
    assert bench_api.parse_wrk("unable to connect to 127.0.0.1:8765 Connection refused") is None


@pytest.fixture
def bench_urlconf(settings, monkeypatch):
    monkeypatch.setattr(bench_api, "urlpatterns", bench_api.routes())
    settings.ROOT_URLCONF = "bench.api"


def test_the_benchmark_serves_the_bare_view_beside_the_product(world, bench_urlconf):
    ticket = world.ticket()
    bare = token_client().get(f"/bench/tickets/{ticket.pk}/")
    assert bare.status_code == 200
    assert bare.json() == {
        "id": ticket.pk,
        "number": ticket.number,
        "state": "assigned",
        "version": 1,
        "due_on": str(ticket.due_on),
        "stage_deadline": str(ticket.stage_deadline),
    }
    assert token_client().get(f"/bench/tickets/{ticket.pk + 1000}/").status_code == 404
    assert token_client(world.officer_a).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200
