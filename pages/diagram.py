"""The workflow drawn as SVG for the ticket page, with the ticket's state marked and the transitions the viewer may
fire now picked out. Drawn from the machine's own table (workflows.machine.TRANSITIONS); only positions live here."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from workflows.machine import TRANSITIONS, TicketState

S = TicketState
W, H = 116, 40  # box size
ROW_Y = 74
X = {S.ASSIGNED: 8, S.RECTIFYING: 188, S.EXPLAINED: 368, S.VERIFIED: 548, S.CLOSED: 728}
POSITIONS = {**{state: (x, ROW_Y) for state, x in X.items()}, S.WITHDRAWN: (98, 168)}
WIDTH, HEIGHT = 852, 216


def short_label(label: object) -> str:
    """'Accept (签收)' reads '签收' in Chinese and 'Accept' in English: the part the language needs."""
    text = str(label)
    if "(" in text and text.endswith(")"):
        head, _sep, tail = text.rpartition("(")
        return head.strip() or tail[:-1]
    return text


# Each transition's path (from, to) as SVG path data, and where its label sits.
def _paths() -> dict[tuple[str, str], tuple[str, tuple[int, int]]]:
    right = {s: (x + W, ROW_Y + H // 2) for s, x in X.items()}
    left = {s: (x, ROW_Y + H // 2) for s, x in X.items()}
    paths: dict[tuple[str, str], tuple[str, tuple[int, int]]] = {}
    for a, b in ((S.ASSIGNED, S.RECTIFYING), (S.RECTIFYING, S.EXPLAINED), (S.EXPLAINED, S.VERIFIED)):
        (x1, y1), (x2, y2) = right[a], left[b]
        paths[(a, b)] = (f"M{x1},{y1} L{x2 - 2},{y2}", ((x1 + x2) // 2, y1 - 8))
    (x1, y1), (x2, y2) = right[S.VERIFIED], left[S.CLOSED]
    paths[(S.VERIFIED, S.CLOSED)] = (f"M{x1},{y1} L{x2 - 2},{y2}", ((x1 + x2) // 2, y1 - 8))
    ex, rx, cx = X[S.EXPLAINED], X[S.RECTIFYING], X[S.CLOSED]
    paths[(S.EXPLAINED, S.RECTIFYING)] = (
        f"M{ex + 40},{ROW_Y} C{ex + 30},{ROW_Y - 34} {rx + 86},{ROW_Y - 34} {rx + 80},{ROW_Y - 3}",
        ((ex + rx + 120) // 2, ROW_Y - 30),
    )
    paths[(S.CLOSED, S.RECTIFYING)] = (
        f"M{cx + 58},{ROW_Y} C{cx + 58},{ROW_Y - 70} {rx + 40},{ROW_Y - 70} {rx + 40},{ROW_Y - 3}",
        ((cx + rx + 98) // 2, ROW_Y - 57),
    )
    ax = X[S.ASSIGNED]
    paths[(S.ASSIGNED, S.ASSIGNED)] = (
        f"M{ax + 30},{ROW_Y} C{ax + 20},{ROW_Y - 40} {ax + 96},{ROW_Y - 40} {ax + 86},{ROW_Y - 3}",
        (ax + 58, ROW_Y - 34),
    )
    # A long-term problem kept in rectification (持续整改) loops below its box.
    paths[(S.EXPLAINED, S.EXPLAINED)] = (
        f"M{ex + 30},{ROW_Y + H} C{ex + 20},{ROW_Y + H + 40} {ex + 96},{ROW_Y + H + 40} {ex + 86},{ROW_Y + H + 3}",
        (ex + 58, ROW_Y + H + 46),
    )
    wx, wy = POSITIONS[S.WITHDRAWN]
    paths[(S.ASSIGNED, S.WITHDRAWN)] = (f"M{ax + 50},{ROW_Y + H} L{wx + 30},{wy - 3}", (ax + 30, wy - 20))
    paths[(S.RECTIFYING, S.WITHDRAWN)] = (f"M{rx + 40},{ROW_Y + H} L{wx + 86},{wy - 3}", (rx + 48, wy - 20))
    return paths


PATHS = _paths()


def workflow_svg(current: str, available: Iterable[str] = ()) -> SafeString:
    """The diagram: the current state's box filled, the transitions in `available` drawn as the viewer's."""
    available = set(available)
    # Several transitions may share a path (the steps within the signing stage loop on `assigned`): one arrow, named
    # by the first the viewer may fire on it (else the first of all), with an ellipsis when there are more.
    by_path: dict[tuple[str, str], list[str]] = {}
    for spec in TRANSITIONS.values():
        for source in spec.sources:
            by_path.setdefault((source, spec.target), []).append(spec.name)
    edges = []
    for (source, target), names in by_path.items():
        d, (lx, ly) = PATHS[(source, target)]
        mine = [name for name in names if name in available and source == current]
        label = short_label(str(TRANSITIONS[(mine or names)[0]].label))
        if len(names) > 1:
            label += " …"
        edges.append(("edge mine" if mine else "edge", d, lx, ly, label))
    nodes = []
    for state, (x, y) in POSITIONS.items():
        css = "node current" if state == current else "node"
        nodes.append((css, x, y, W, H, x + W // 2, y + H // 2 + 5, short_label(str(S(state).label))))
    return format_html(
        '<svg class="workflow" viewBox="0 0 {} {}" role="img" aria-labelledby="workflow-title">'
        '<title id="workflow-title">{}</title>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"></path></marker></defs>'
        "{}{}</svg>",
        WIDTH,
        HEIGHT,
        _("Workflow; the ticket is now: %(state)s") % {"state": short_label(str(S(current).label))},
        format_html_join(
            "",
            '<g class="{}"><path d="{}" marker-end="url(#arrow)"></path>'
            '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
            edges,
        ),
        format_html_join(
            "",
            '<g class="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="6"></rect>'
            '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
            nodes,
        ),
    )
