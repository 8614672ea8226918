"""The decision benchmark's COPY seed continues the chain exactly as appends would: it verifies, and appends after
it keep it whole."""

import pytest

from bench import decisions as bench_decisions
from bench import seed as bench_seed
from bench.common import Context
from tests.tracker.decision_world import accountability, add_bodies
from tracker import decision_chain

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_copied_chain_continues_the_appended_one_and_verifies(world):
    add_bodies(world)
    accountability(world)  # one event appended by the service first: the seed continues from its head
    ctx = Context(database_url="", tickets=50)
    ctx.seed = bench_seed.ensure_tickets(ctx)
    body = bench_decisions.ensure_body(ctx)
    decisions = bench_decisions.ensure_decisions(ctx, body)
    bench_decisions.ensure_events(ctx, 300, decisions, body)
    assert decision_chain.head()[0] == 300
    assert bench_decisions._append_for(decisions[-1], body, 0.2) > 0
    verdict = decision_chain.verify()
    assert verdict.broken is None and verdict.events > 300
