"""Two users firing the same transition at once: exactly one wins, the rest are refused and nothing doubles."""

import threading

import pytest
from django.db import connection, connections

from tests.factories import plan_kwargs
from tracker import services
from tracker.errors import InvalidTransition, StaleVersion
from tracker.models import Ticket, TicketEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_threads_accepting_one_ticket_make_one_success_and_one_event(world):
    ticket = world.ticket()
    threads_count = 20
    barrier = threading.Barrier(threads_count)
    outcomes: list[object] = []
    lock = threading.Lock()

    def fire(actor):
        try:
            barrier.wait()
            try:
                services.ticket_accept(ticket_id=ticket.pk, actor=actor, version=ticket.version, **plan_kwargs(ticket))
                result: object = "ok"
            except (StaleVersion, InvalidTransition) as refusal:
                result = type(refusal)
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    actors = [world.head_a] * threads_count
    threads = [threading.Thread(target=fire, args=(actor,)) for actor in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert len(outcomes) == threads_count
    assert outcomes.count("ok") == 1
    assert all(o in (StaleVersion, InvalidTransition) for o in outcomes if o != "ok")
    assert TicketEvent.objects.filter(ticket=ticket, kind="accept").count() == 1
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.state, after.version) == ("rectifying", 2)
    assert connection.vendor == "postgresql"
