"""manage.py verify_decisions: recompute the decision chain and say where it breaks, if it does.

Streams the events in chain order (bounded memory), names the first event that does not match, exits with status
1 on any break, and prints the head: keep `seq:hash` elsewhere and pass it back with --expect to check later that
the chain still passes through it.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker import decision_chain
from tracker.models import DecisionEvent


class Command(BaseCommand):
    help = "Recompute the hash chain of the decision record; exit 1 at the first event that does not match."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="a head printed earlier: fail unless the event with that sequence number still has that hash",
        )
        parser.add_argument("--chunk-size", type=int, default=decision_chain.VERIFY_CHUNK)

    def handle(self, *args: Any, **options: Any) -> None:
        expected = _parse_expect(options["expect"])
        started = time.monotonic()
        verdict = decision_chain.verify(decision_chain.rows(chunk_size=options["chunk_size"]))
        seconds = time.monotonic() - started
        if verdict.broken is not None:
            broken = verdict.broken
            self.stderr.write(
                f"BROKEN at event #{broken.seq}{_where(broken)}: "
                f"{broken.reason}.\n{verdict.events} events before it verified; "
                f"the last good head is {verdict.head_seq}:{verdict.head_hash}"
            )
            raise SystemExit(1)
        if expected is not None:
            seq, digest = expected
            kept = DecisionEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
            if kept != digest:
                self.stderr.write(
                    f"BROKEN: the kept head {seq}:{digest} is not in the chain "
                    f"(event #{seq} {'has hash ' + kept if kept else 'is missing'})."
                )
                raise SystemExit(1)
        self.stdout.write(f"OK: {verdict.events} events verified in {seconds:.1f} s.")
        self.stdout.write(f"head {verdict.head_seq}:{verdict.head_hash}")


def _parse_expect(value: str | None) -> tuple[int, str] | None:
    if not value:
        return None
    seq, sep, digest = value.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise CommandError("--expect takes SEQ:HASH as printed on the head line")
    return int(seq), digest.lower()


def _where(broken: decision_chain.Break) -> str:
    return f" (id {broken.event_id}, decision {broken.decision_id})" if broken.event_id is not None else ""
