"""The hash chain over every decision event (DESIGN.md, "Append-only record").

Each event carries a sequence number, the previous event's hash and its own: the SHA-256 of the previous hash and
the event's content (sequence number, decision, kind, actor, states, what it supersedes, time and details). The
events of all decisions form one chain in one total order, so deleting, changing, swapping or slipping in a row
breaks it at that row, and `manage.py verify_decisions` names it. Whoever keeps the head hash printed by the
verifier elsewhere can later tell that the chain up to it is still the one they saw.

Appends are serialised: a transaction-level advisory lock (PostgreSQL) is taken before the last event is read,
and held until the appending transaction ends, so two appends never read the same head. The sequence number is
assigned under that lock, so a rolled-back append leaves no gap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connections, router
from django.utils import timezone

from tracker.models import Decision, DecisionEvent

GENESIS = "0" * 64
# pg_advisory_xact_lock key of the chain: "zg-dec" in ASCII, as a 64-bit integer.
CHAIN_LOCK_KEY = int.from_bytes(b"zg-dec\x00\x00", "big") >> 1
VERIFY_CHUNK = 5000
FIELDS = (
    "pk",
    "seq",
    "decision_id",
    "kind",
    "actor_id",
    "from_state",
    "to_state",
    "supersedes_id",
    "created_at",
    "data",
    "prev_hash",
    "hash",
)


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    decision_id: int,
    kind: str,
    actor_id: int | None,
    from_state: str,
    to_state: str,
    supersedes_id: int | None,
    created_at: dt.datetime,
    data: Any,
) -> str:
    content = "\x1f".join(
        (
            prev_hash,
            str(seq),
            str(decision_id),
            kind,
            "" if actor_id is None else str(actor_id),
            from_state,
            to_state,
            "" if supersedes_id is None else str(supersedes_id),
            timestamp(created_at),
            canonical_json(data),
        )
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _lock_chain(using: str) -> None:
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("append to the decision chain inside the transaction that makes the change")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # SQLite lets one writer at a time into the database: the appending transaction already holds it.


def head(using: str | None = None) -> tuple[int, str]:
    """(sequence number, hash) of the last event; (0, GENESIS) before the first."""
    using = using or router.db_for_read(DecisionEvent)
    last = DecisionEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS)


def append(
    decision: Decision,
    *,
    kind: str,
    actor: User | None,
    from_state: str = "",
    to_state: str | None = None,
    data: dict[str, Any] | None = None,
    supersedes: DecisionEvent | None = None,
) -> DecisionEvent:
    """Write the next event of the chain, in the caller's transaction. Callers lock every row they will write
    before appending: the chain's lock is taken last, so no two transactions wait on each other in a circle."""
    using = router.db_for_write(DecisionEvent)
    # What is hashed is what the database gives back: the details as JSON would read them.
    data = json.loads(canonical_json(data or {}))
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    _lock_chain(using)
    seq, prev_hash = head(using)
    event = DecisionEvent(
        seq=seq + 1,
        decision=decision,
        kind=kind,
        actor_id=actor_id,
        from_state=from_state,
        to_state=decision.state if to_state is None else to_state,
        data=data,
        supersedes=supersedes,
        created_at=timezone.now(),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(
        prev_hash,
        seq=event.seq,
        decision_id=decision.pk,
        kind=kind,
        actor_id=actor_id,
        from_state=event.from_state,
        to_state=event.to_state,
        supersedes_id=supersedes.pk if supersedes is not None else None,
        created_at=event.created_at,
        data=data,
    )
    event.save(using=using, force_insert=True)
    return event


@dataclass(frozen=True)
class Break:
    """The first event at which the chain does not hold, and why."""

    seq: int
    event_id: int | None
    decision_id: int | None
    reason: str


@dataclass(frozen=True)
class Verdict:
    events: int
    head_seq: int
    head_hash: str
    broken: Break | None


def rows(chunk_size: int = VERIFY_CHUNK, using: str | None = None) -> Iterator[tuple[Any, ...]]:
    """Every event in chain order, streamed (a server-side cursor on PostgreSQL): memory stays bounded."""
    queryset = DecisionEvent.objects.using(using or router.db_for_read(DecisionEvent)).order_by("seq")
    return queryset.values_list(*FIELDS).iterator(chunk_size=chunk_size)


def verify(events: Iterable[tuple[Any, ...]] | None = None) -> Verdict:
    """Recompute the chain from its first event; stop at the first that does not match."""
    prev_hash, expected, count = GENESIS, 1, 0
    for pk, seq, decision_id, kind, actor_id, from_state, to_state, supersedes_id, created_at, data, prev, own in (
        rows() if events is None else events
    ):
        if seq > expected:
            reason = f"event #{expected} is missing (the next event found is #{seq}, id {pk})"
            return Verdict(count, expected - 1, prev_hash, Break(expected, None, None, reason))
        if seq != expected:
            reason = f"event #{seq} is out of order (expected #{expected})"
            return Verdict(count, expected - 1, prev_hash, Break(seq, pk, decision_id, reason))
        if prev != prev_hash:
            reason = f"event #{seq} does not follow the event before it (its previous hash differs)"
            return Verdict(count, seq - 1, prev_hash, Break(seq, pk, decision_id, reason))
        computed = event_hash(
            prev_hash,
            seq=seq,
            decision_id=decision_id,
            kind=kind,
            actor_id=actor_id,
            from_state=from_state,
            to_state=to_state,
            supersedes_id=supersedes_id,
            created_at=created_at,
            data=data,
        )
        if computed != own:
            reason = f"event #{seq} does not match its hash (its content was changed)"
            return Verdict(count, seq - 1, prev_hash, Break(seq, pk, decision_id, reason))
        prev_hash, expected, count = own, expected + 1, count + 1
    return Verdict(count, expected - 1, prev_hash, None)
