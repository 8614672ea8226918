"""The decision record cannot be silently changed: triggers refuse changes, the hash chain names tampering."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from tests.tracker.decision_world import accountability, add_bodies, fire, step_inputs
from tracker import decision_chain
from tracker.models import DecisionEvent, SubjectKind

pytestmark = pytest.mark.postgres

RECORD_TABLES = [
    "tracker_decisionevent",
    "tracker_ticketevent",
    "tracker_progressreport",
    "tracker_evidence",
    "tracker_verification",
    "tracker_feedback",
]


@pytest.fixture
def chain(world):
    """Three decisions, eleven events in one chain."""
    add_bodies(world)
    for person in (True, False, True):
        decision = accountability(world, person=person)
        for name in ("investigate", "request_statement"):
            decision = fire(name, decision, world.discipline, **step_inputs(name))
    decision = fire("file_statement", decision, world.officer_a, **step_inputs("file_statement"))
    decision = fire("decide", decision, world.discipline, **step_inputs("decide"))
    assert DecisionEvent.objects.count() == 11
    return world


def verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_decisions", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()


def as_superuser(*statements: tuple[str, list]) -> None:
    """Tamper the way a database superuser could: in replica mode no ordinary trigger fires."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)


def test_an_untouched_chain_verifies_and_its_head_is_printed(chain):
    code, out, _err = verify()
    seq, digest = decision_chain.head()
    assert (code, seq) == (0, 11)
    assert f"head 11:{digest}" in out
    assert "11 events verified" in out


@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}", "TRUNCATE {table} CASCADE"])
def test_raw_sql_cannot_change_remove_or_truncate_decision_events(chain, statement):
    refused("tracker_decisionevent", statement)


@pytest.mark.parametrize("table", RECORD_TABLES)
def test_no_table_of_the_record_can_be_truncated(chain, table):
    """UPDATE and DELETE on the ticket's record tables: tests/tracker/test_append_only.py."""
    refused(table, "TRUNCATE {table} CASCADE")


def refused(table: str, statement: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
        (before,) = cursor.fetchone()
    with pytest.raises(DatabaseError, match="pgtrigger"), transaction.atomic(), connection.cursor() as cursor:
        # The checks of the test's own uncommitted rows run now, or PostgreSQL refuses TRUNCATE for them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(statement.format(table=table))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
        assert cursor.fetchone() == (before,)


def test_a_changed_field_is_named_at_its_event(chain):
    as_superuser(('UPDATE tracker_decisionevent SET data = data || \'{"facts": "改写"}\' WHERE seq = 5', []))
    code, _out, err = verify()
    assert code == 1
    assert "BROKEN at event #5 " in err and "does not match its hash" in err
    assert "4 events before it verified" in err


def test_a_deleted_event_is_named_where_it_is_missing(chain):
    as_superuser(("DELETE FROM tracker_decisionevent WHERE seq = 7", []))
    code, _out, err = verify()
    assert code == 1
    assert "BROKEN at event #7" in err and "event #7 is missing (the next event found is #8" in err


def test_two_swapped_events_are_named_at_the_first(chain):
    as_superuser(
        ("UPDATE tracker_decisionevent SET seq = -3 WHERE seq = 3", []),
        ("UPDATE tracker_decisionevent SET seq = 3 WHERE seq = 9", []),
        ("UPDATE tracker_decisionevent SET seq = 9 WHERE seq = -3", []),
    )
    code, _out, err = verify()
    assert code == 1
    assert "BROKEN at event #3 " in err


def test_an_inserted_event_is_named_even_when_its_own_hash_is_forged_well(chain):
    """The forger shifts the later events up and slips a self-consistent event in at #4: the chain then breaks
    at #5, the event displaced, whose hash covered its old place."""
    third = DecisionEvent.objects.get(seq=3)
    forged = dict(
        seq=4,
        decision_id=third.decision_id,
        kind="dismiss",
        actor_id=None,
        from_state="investigating",
        to_state="dismissed",
        supersedes_id=None,
        created_at=third.created_at,
        data={"reason": "伪造"},
    )
    digest = decision_chain.event_hash(third.hash, **forged)
    as_superuser(
        ("UPDATE tracker_decisionevent SET seq = -seq - 1 WHERE seq >= 4", []),
        ("UPDATE tracker_decisionevent SET seq = -seq WHERE seq < 0", []),
        (
            "INSERT INTO tracker_decisionevent (seq, decision_id, kind, from_state, to_state, data, created_at, "
            "prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [4, third.decision_id, "dismiss", "investigating", "dismissed", '{"reason": "伪造"}', third.created_at,
             third.hash, digest],
        ),
    )  # fmt: skip
    code, _out, err = verify()
    assert code == 1
    assert "BROKEN at event #5 " in err


def test_a_kept_head_that_is_no_longer_in_the_chain_fails_the_check(chain):
    seq, digest = decision_chain.head()
    out = io.StringIO()
    call_command("verify_decisions", f"--expect={seq}:{digest}", stdout=out)
    assert f"head {seq}:{digest}" in out.getvalue()
    with pytest.raises(SystemExit) as exit:
        call_command("verify_decisions", f"--expect={seq}:{'0' * 64}", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit.value.code == 1


def test_a_rolled_back_append_leaves_no_gap(chain, world):
    decision = accountability(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        decision_chain.append(decision, kind="amend", actor=None, data={"x": 1})
        raise RuntimeError("the change failed after its event was written")
    fire("investigate", decision, world.discipline, **step_inputs("investigate"))
    assert list(DecisionEvent.objects.values_list("seq", flat=True)) == list(range(1, 14))
    assert verify()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_appends_form_one_unbroken_chain(world):
    add_bodies(world)
    errors: list[BaseException] = []
    start = threading.Barrier(50)

    def open_one(index: int) -> None:
        try:
            start.wait()
            accountability(world, person=index % 2 == 0)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(DecisionEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 51))
    verdict = decision_chain.verify()
    assert (verdict.events, verdict.broken) == (50, None)
    assert DecisionEvent.objects.values("decision").distinct().count() == 50
    assert set(DecisionEvent.objects.values_list("decision__subject_kind", flat=True)) == set(SubjectKind.values)
