"""Seed the benchmark database with N tickets quickly (COPY), every one of them valid for the real services.

Reference data (units, people, memberships, appraisals, indicators) goes through the services and the ORM: it is
small. Findings, tickets and their events are written by COPY in batches of BATCH tickets, one transaction each,
with every index and trigger the migrations define in place. Each ticket's fields are what the services would
have written for its history: the stage clock comes from workflows.clocks with the ticket's own policy, the
version equals the number of versioned events, the number follows the service's `ZG<year>-<finding id>` pattern.

next_action_at is as a running system would have it: for the seed's aged tickets, the next rung of the stage's
ladder after the seeding moment (`clocks.next_action_at`), as if the notification sweep had kept up until now,
so a sweep finds the day's rungs due rather than the whole history's; None once the ladder is exhausted. Tickets
added in one state (`add_tickets(..., state=...)`, assigned today) carry the first rung, as the services write it.

States: mostly assigned and rectifying; some explained (long-term problems published with a dated plan, which
needs no evidence) and withdrawn. Nothing is verified or closed: those need evidence files on disk.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, connections, transaction
from django.utils import timezone

from tracker import services
from tracker.models import Appraisal, Dimension, Indicator, Ticket, Unit, UnitKind
from workflows import calendar, clocks
from workflows.machine import OPEN_STATES, Role, TicketState
from workflows.models import Policy, RectificationClass, Severity

if TYPE_CHECKING:
    from bench.common import Context

BATCH = 50_000
PASSWORD = "bench-password-1"  # every seeded user's password, for sections that log in
CITY = ("JZ", "江州市")
# A department with few tickets, spread over the whole id range, for the API section: its officer's first page can
# only be found through an index. Left out of the units that seeding gives tickets to, so it stays small.
SMALL_UNIT = ("JZ-SMALL", "江州市基准小单位", 40)
CITY_DEPARTMENTS = [
    ("DR", "发展和改革委员会"),
    ("ED", "教育局"),
    ("ST", "科学技术局"),
    ("IT", "工业和信息化局"),
    ("CA", "民政局"),
    ("FI", "财政局"),
    ("HR", "人力资源和社会保障局"),
    ("NR", "自然资源和规划局"),
    ("EE", "生态环境局"),
    ("HC", "住房和城乡建设局"),
    ("TR", "交通运输局"),
    ("WR", "水利局"),
    ("AG", "农业农村局"),
    ("HE", "卫生健康委员会"),
    ("EM", "应急管理局"),
    ("MR", "市场监督管理局"),
]
COUNTIES = [("QJ", "清江区"), ("DH", "东湖区"), ("YX", "云溪县"), ("SM", "石门县")]
COUNTY_DEPARTMENTS = [("ED", "教育局"), ("EE", "生态环境分局"), ("HC", "住房和城乡建设局"), ("AG", "农业农村局")]
APPRAISALS = [
    # name, kind, level, indicators: (code, name, dimension, weight, key)
    (
        "2025年度市直单位和县区综合考核",
        "年度综合考核",
        "市级",
        [
            ("A01", "科技创新投入与成果转化", Dimension.INNOVATION, 8, True),
            ("A02", "城乡区域协调发展", Dimension.COORDINATION, 6, False),
            ("A03", "空气与水环境质量改善", Dimension.GREEN, 10, True),
            ("A04", "营商环境与对外开放", Dimension.OPENNESS, 6, False),
            ("A05", "基本公共服务均等化", Dimension.SHARING, 8, False),
            ("A06", "群众急难愁盼问题解决", Dimension.LIVELIHOOD, 10, True),
            ("A07", "基层党组织建设", Dimension.PARTY_BUILDING, 6, False),
            ("A08", "安全生产与应急管理", Dimension.OTHER, 6, False),
        ],
    ),
    (
        "2025年生态环境保护专项督查",
        "专项督查",
        "市级",
        [
            ("B01", "饮用水水源地保护", Dimension.GREEN, 20, True),
            ("B02", "工业园区污水处理", Dimension.GREEN, 20, True),
            ("B03", "农村生活污水与垃圾治理", Dimension.GREEN, 15, False),
        ],
    ),
]
DESCRIPTIONS = [
    "扬尘管控台账缺失，施工工地围挡不规范",
    "重点排污单位自行监测信息公开不及时",
    "老旧小区改造项目进度滞后，群众多次反映",
    "农村生活垃圾收运体系覆盖不全",
    "政务服务事项“一网通办”办理时限超标",
    "校外培训机构监管存在盲区",
    "安全生产隐患排查整改闭环不到位",
    "惠民资金发放不及时，台账不清",
    "科技项目资金拨付滞后，成果转化率低",
    "基层党组织“三会一课”记录不规范",
    "饮用水水源地保护区标志设置不全",
    "工业园区污水管网雨污混接",
    "行政审批中介服务收费不规范",
    "医疗机构医疗废物处置台账不全",
    "城区道路积水点整治未按期完成",
    "市场主体登记信息核查不到位",
]
SOURCES = ["市考核办", "市委督查室", "市生态环境保护督察组", "12345热线", "市委巡察组"]
# (state, share of seeded tickets)
MIX = [
    (TicketState.ASSIGNED, 0.30),
    (TicketState.RECTIFYING, 0.58),
    (TicketState.EXPLAINED, 0.09),
    (TicketState.WITHDRAWN, 0.03),
]
CLASSES = [
    (RectificationClass.IMMEDIATE, 0.2),
    (RectificationClass.TIME_LIMITED, 0.6),
    (RectificationClass.LONG_TERM, 0.2),
]
SEVERITIES = [(Severity.GENERAL, 0.7), (Severity.SERIOUS, 0.25), (Severity.SEVERE, 0.05)]
# How far back a ticket in each state was assigned (calendar days), by class.
# Chosen so that a share of each stage runs late (about a fifth), as in a real ledger, not most of it.
AGE = {
    TicketState.ASSIGNED: {c: (0, 6) for c in RectificationClass.values},
    TicketState.RECTIFYING: {
        RectificationClass.IMMEDIATE: (3, 20),
        RectificationClass.TIME_LIMITED: (7, 110),
        RectificationClass.LONG_TERM: (10, 320),
    },
    TicketState.EXPLAINED: {c: (30, 300) for c in RectificationClass.values},
    TicketState.WITHDRAWN: {c: (5, 300) for c in RectificationClass.values},
}

FINDING_COLUMNS = (
    "id, appraisal_id, indicator_id, unit_id, description, severity, source, document_number, found_by_id, "
    "found_on, recurring, created_at"
)
TICKET_COLUMNS = (
    "id, state, number, finding_id, lead_unit_id, rectification_class, lead_official, responsible_person, "
    "contact_phone, measures, goal, target_date, explanation, closure_plan, closure_plan_date, explained_by_id, "
    "published_on, assigned_on, due_on, stage_started_on, stage_deadline, paused_workdays_left, next_action_at, "
    "progress, listed, extension_count, reopen_count, closed_on, version, created_by_id, created_at, updated_at, "
    "original_due_on"
)
EVENT_COLUMNS = "ticket_id, kind, actor_id, from_state, to_state, version, data, created_at"
NULL = "\\N"


@dataclass
class Seed:
    """The seeded reference data, by id and username."""

    city_id: int
    lead_unit_ids: list[int]
    officers: dict[int, str]  # unit id -> username
    heads: dict[int, str]
    assessor: str
    supervisor: str
    admin: str
    user_ids: dict[str, int]
    indicators: list[tuple[int, int, str]]  # (indicator id, appraisal id, code)
    password: str = PASSWORD
    tickets: int = 0  # tickets in the database after seeding
    weights: list[float] = field(default_factory=list)


def ensure_tickets(ctx: Context) -> Seed:
    """Make sure the database holds at least ctx.tickets tickets, topping up an existing seed; report timings."""
    started = time.perf_counter()
    seed = ensure_reference_data()
    existing = Ticket.objects.count()
    missing = ctx.tickets - existing
    if missing <= 0:
        ctx.note(f"reusing the existing seed: {existing:,} tickets (--fresh seeds exactly N)")
        seed.tickets = existing
        ctx.report("tickets in the database", existing)
        return seed
    ctx.note(f"{existing:,} tickets present, adding {missing:,}")
    add_tickets(seed, missing, progress=ctx.note)
    copied = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute("ANALYZE tracker_finding, tracker_ticket, tracker_ticketevent")
        else:
            # VACUUM sets hint bits and the visibility map now, so the sections' first reads do not pay for it.
            cursor.execute("VACUUM (ANALYZE) tracker_finding, tracker_ticket, tracker_ticketevent")
    seed.tickets = existing + missing
    ctx.report("tickets in the database", seed.tickets)
    ctx.report("tickets added", missing)
    ctx.report("seeding: rows copied in", copied, "s")
    ctx.report("seeding: total with VACUUM ANALYZE", time.perf_counter() - started, "s")
    return seed


def ensure_reference_data() -> Seed:
    """The unit tree, its people and the appraisals, created through the services once and reused after."""
    if not Unit.objects.filter(code=CITY[0]).exists():
        with transaction.atomic():
            _create_reference_data()
    return _load_reference_data()


def _create_reference_data() -> None:
    User = get_user_model()
    password = make_password(PASSWORD)
    people: list[tuple[str, Unit, str]] = []

    def person(username: str, unit: Unit, role: str) -> None:
        people.append((username, unit, role))

    city = services.unit_create(name=CITY[1], code=CITY[0], kind=UnitKind.CITY)
    person("bench_assessor", city, Role.ASSESSOR)
    person("bench_supervisor", city, Role.SUPERVISOR)
    person("bench_admin", city, Role.ADMIN)
    for code, name in CITY_DEPARTMENTS:
        unit = services.unit_create(
            name=f"{CITY[1]}{name}", code=f"{CITY[0]}-{code}", kind=UnitKind.DEPARTMENT, parent=city
        )
        person(f"{unit.code.lower()}-officer", unit, Role.OFFICER)
        person(f"{unit.code.lower()}-head", unit, Role.HEAD)
    for county_code, county_name in COUNTIES:
        county = services.unit_create(
            name=county_name, code=f"{CITY[0]}-{county_code}", kind=UnitKind.COUNTY, parent=city
        )
        person(f"{county.code.lower()}-supervisor", county, Role.SUPERVISOR)
        for code, name in COUNTY_DEPARTMENTS:
            unit = services.unit_create(
                name=f"{county_name}{name}", code=f"{county.code}-{code}", kind=UnitKind.DEPARTMENT, parent=county
            )
            person(f"{unit.code.lower()}-officer", unit, Role.OFFICER)
            person(f"{unit.code.lower()}-head", unit, Role.HEAD)
    for username, unit, role in people:
        user = User.objects.create(username=username, password=password, is_staff=role == Role.ADMIN)
        services.membership_add(user=user, unit=unit, role=role)
    for name, kind, level, indicators in APPRAISALS:
        appraisal = Appraisal.objects.create(
            name=name, kind=kind, level=level, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31)
        )
        Indicator.objects.bulk_create(
            Indicator(appraisal=appraisal, code=code, name=iname, dimension=dim, weight=weight, is_key=key)
            for code, iname, dim, weight, key in indicators
        )


def _load_reference_data() -> Seed:
    User = get_user_model()
    city = Unit.objects.get(code=CITY[0])
    departments = list(
        Unit.objects.filter(path__startswith=city.path, kind=UnitKind.DEPARTMENT)
        .exclude(code=SMALL_UNIT[0])
        .order_by("id")
        .values_list("id", flat=True)
    )
    officers: dict[int, str] = {}
    heads: dict[int, str] = {}
    named: dict[str, str] = {}
    for unit_id, role, username in User.objects.filter(memberships__unit__path__startswith=city.path).values_list(
        "memberships__unit_id", "memberships__role", "username"
    ):
        if role == Role.OFFICER:
            officers.setdefault(unit_id, username)
        elif role == Role.HEAD:
            heads.setdefault(unit_id, username)
        elif unit_id == city.pk:
            named.setdefault(role, username)
    usernames = [*officers.values(), *heads.values(), *named.values()]
    # Some units carry far more tickets than others, as in life; fixed so that top-ups keep the same shape.
    weights = [1.0 + 4.0 * random.Random(unit_id).random() ** 2 for unit_id in departments]
    return Seed(
        city_id=city.pk,
        lead_unit_ids=departments,
        officers=officers,
        heads=heads,
        assessor=named[Role.ASSESSOR],
        supervisor=named[Role.SUPERVISOR],
        admin=named[Role.ADMIN],
        user_ids=dict(User.objects.filter(username__in=usernames).values_list("username", "id")),
        indicators=list(Indicator.objects.order_by("id").values_list("id", "appraisal_id", "code")),
        weights=weights,
    )


def ensure_small_unit(seed: Seed) -> str:
    """SMALL_UNIT under the city, with an officer (whose username this returns), made once: it takes over its
    tickets from the seeded ones, evenly spaced by id."""
    code, name, tickets = SMALL_UNIT
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        with transaction.atomic():
            unit = services.unit_create(
                name=name, code=code, kind=UnitKind.DEPARTMENT, parent=Unit.objects.get(pk=seed.city_id)
            )
            officer = get_user_model().objects.create(
                username=f"{code.lower()}-officer", password=make_password(PASSWORD)
            )
            services.membership_add(user=officer, unit=unit, role=Role.OFFICER)
            with connection.cursor() as cursor:  # the first ticket of each of `tickets` equal slices of the ids
                cursor.execute(
                    "SELECT min(id) FROM (SELECT id, ntile(%s) OVER (ORDER BY id) AS slice FROM tracker_ticket) s "
                    "GROUP BY slice",
                    [tickets],
                )
                ids = [pk for (pk,) in cursor.fetchall()]
            Ticket.objects.filter(pk__in=ids).update(lead_unit=unit)
    return get_user_model().objects.get(memberships__unit=unit, memberships__role=Role.OFFICER).username


# --- writing tickets -------------------------------------------------------------------------------------------


def add_tickets(seed: Seed, count: int, *, state: str | None = None, progress=None) -> range:
    """Add `count` tickets (in MIX proportions, or all in `state`) with contiguous ids; return the ids.

    Tickets added in one state are assigned today, so each of them accepts a plan right now.
    """
    if count <= 0:
        return range(0)
    today = clocks.today()
    now = timezone.now()
    rng = random.Random(f"{count}-{state}-{now.isoformat()}")
    first_finding = _reserve_ids("tracker_finding", count)
    first_ticket = _reserve_ids("tracker_ticket", count)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT f.unit_id, i.code FROM tracker_finding f JOIN tracker_indicator i ON i.id = f.indicator_id"
        )
        seen = set(cursor.fetchall())
    writer = _Writer(seed, rng, today, now, seen)
    starts = range(0, count, BATCH)

    def generate(start: int) -> tuple[str, str, str]:
        size = min(BATCH, count - start)
        states = [state] * size if state else rng.choices([s for s, _ in MIX], [w for _, w in MIX], k=size)
        return writer.batch(first_ticket + start, first_finding + start, states, fresh=bool(state))

    started = time.perf_counter()
    # One thread writes the next batch's rows while this one copies the last batch: two cores, both busy.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(generate, starts[0])
        for index, start in enumerate(starts):
            findings, tickets, events = pending.result()
            if index + 1 < len(starts):
                pending = pool.submit(generate, starts[index + 1])
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Foreign keys are checked row by row: queued to the commit, 50,000 tickets' checks take longer.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                _copy("tracker_finding", FINDING_COLUMNS, findings)
                _copy("tracker_ticket", TICKET_COLUMNS, tickets)
                _copy("tracker_ticketevent", EVENT_COLUMNS, events)
                _open_stages(first_ticket + start, first_ticket + min(start + BATCH, count) - 1)
            done = min(start + BATCH, count)
            if progress and count > BATCH:
                rate = done / (time.perf_counter() - started)
                progress(f"{done:,} / {count:,} tickets ({rate:,.0f} tickets/s)")
        pool.submit(connections.close_all).result()  # the calendar may have read its overrides in that thread
    return range(first_ticket, first_ticket + count)


def _open_stages(first: int, last: int) -> None:
    """The stage record of the open tickets just copied: their current stage, as the services open it (the
    stages a seeded ticket went through before are not imagined)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracker_ticketstage (ticket_id, state, unit_id, started_on, deadline) "
            "SELECT id, state, lead_unit_id, stage_started_on, stage_deadline FROM tracker_ticket "
            "WHERE id BETWEEN %s AND %s AND state = ANY(%s)",
            [first, last, list(OPEN_STATES)],
        )


def _reserve_ids(table: str, count: int) -> int:
    """Take `count` consecutive ids from the table's sequence and return the first.

    The table lock keeps concurrent inserts out while the sequence jumps; rows inserted by others afterwards
    draw ids past the block.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            [table, table, count],
        )
        last = cursor.fetchone()[0]
    return last - count + 1


def _copy(table: str, columns: str, rows: str) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(rows)


def _d(value: dt.date | dt.datetime | None) -> str:
    return NULL if value is None else value.isoformat()


class _Writer:
    """Turns one ticket's imagined history into COPY lines for its finding, itself and its events."""

    def __init__(self, seed: Seed, rng: random.Random, today: dt.date, now: dt.datetime, seen: set) -> None:
        self.seed, self.rng, self.today, self.now, self.seen = seed, rng, today, now, seen
        self.assessor = seed.user_ids[seed.assessor]
        self.supervisor = seed.user_ids[seed.supervisor]
        self.classes = ([c for c, _ in CLASSES], [w for _, w in CLASSES])
        # The calendar and the ladder are walked day by day; a seed needs only a few thousand distinct answers.
        self._add_workdays = functools.cache(calendar.add_workdays)
        self._policy = functools.cache(Policy.for_ticket)
        self._first_rung = functools.cache(self._first_rung_uncached)
        self._next_rung = functools.cache(self._next_rung_uncached)
        for klass in RectificationClass.values:  # read here, so that the generating thread finds them cached
            for severity in Severity.values:
                self._policy(klass, severity)
        self.severities = ([s for s, _ in SEVERITIES], [w for _, w in SEVERITIES])

    def _first_rung_uncached(self, deadline: dt.date, klass: str, severity: str) -> dt.datetime:
        # What tracker.schedule.ticket_schedule writes when an open stage starts.
        return clocks.ladder(deadline, self._policy(klass, severity))[0].at

    def _next_rung_uncached(self, deadline: dt.date, klass: str, severity: str) -> dt.datetime | None:
        # Where the sweep leaves it once every rung up to now has been handled.
        return clocks.next_action_at(deadline, self._policy(klass, severity), self.now)

    def _moment(self, day: dt.date, after: dt.datetime | None = None) -> dt.datetime:
        """A time during office hours on `day`, after `after`, never in the future."""
        at = clocks.start_of(day) + dt.timedelta(hours=9, seconds=self.rng.randrange(8 * 3600))
        if after is not None and at <= after:
            at = after + dt.timedelta(minutes=self.rng.randrange(1, 90))
        return min(at, self.now)

    def batch(self, first_ticket: int, first_finding: int, states: list[str], *, fresh: bool) -> tuple[str, str, str]:
        """COPY text for the findings, tickets and events of tickets first_ticket, first_ticket + 1, ..."""
        findings, tickets, events = io.StringIO(), io.StringIO(), io.StringIO()
        for offset, ticket_state in enumerate(states):
            self.ticket(first_ticket + offset, first_finding + offset, ticket_state, fresh, findings, tickets, events)
        return findings.getvalue(), tickets.getvalue(), events.getvalue()

    def ticket(
        self,
        ticket_id: int,
        finding_id: int,
        state: str,
        fresh: bool,
        findings: io.StringIO,
        tickets: io.StringIO,
        events: io.StringIO,
    ) -> None:
        rng, today, seed = self.rng, self.today, self.seed
        unit = rng.choices(seed.lead_unit_ids, seed.weights)[0]
        officer, head = seed.user_ids[seed.officers[unit]], seed.user_ids[seed.heads[unit]]
        indicator, appraisal, code = rng.choice(seed.indicators)
        klass = rng.choices(*self.classes)[0]
        # A fresh block is signed for by its unit head at once: no plan of it waits for the assessor's review.
        severity = Severity.GENERAL if fresh else rng.choices(*self.severities)[0]
        policy = self._policy(klass, severity)
        recurring = (unit, code) in self.seen
        self.seen.add((unit, code))

        age_from, age_to = AGE[TicketState.WITHDRAWN if state == TicketState.WITHDRAWN else state][klass]
        assigned_on = today if fresh else today - dt.timedelta(days=rng.randint(age_from, age_to))
        due_on = self._add_workdays(assigned_on, policy.sign_days + policy.rectify_days)
        created_at = self._moment(assigned_on)
        number = f"ZG{assigned_on:%Y}-{finding_id:06d}"
        description = rng.choice(DESCRIPTIONS)
        source = rng.choice(SOURCES)
        findings.write(
            f"{finding_id}\t{appraisal}\t{indicator}\t{unit}\t{description}\t{severity}\t{source}\t"
            f"{source}〔{assigned_on:%Y}〕{finding_id % 97 + 1}号\t{self.assessor}\t{assigned_on}\t"
            f"{'t' if recurring else 'f'}\t{created_at.isoformat()}\n"
        )
        history = [
            (
                "created",
                self.assessor,
                "",
                TicketState.ASSIGNED,
                {"finding": finding_id, "unit": unit, "due_on": str(due_on), "recurring": recurring},
                created_at,
            )
        ]
        current = TicketState.ASSIGNED
        stage_started_on = assigned_on
        at = created_at
        measures = goal = responsible = explanation = closure_plan = ""
        target_date = closure_plan_date = explained_by = published_on = None

        def step(kind: str, actor: int, to: str, data: dict, day: dt.date) -> None:
            nonlocal current, stage_started_on, at
            at = self._moment(day, after=at)
            history.append((kind, actor, current, to, data, at))
            current, stage_started_on = to, day

        if state in (TicketState.RECTIFYING, TicketState.EXPLAINED) or (
            state == TicketState.WITHDRAWN and rng.random() < 0.5
        ):
            accepted_on = min(self._add_workdays(assigned_on, rng.randint(0, policy.sign_days)), today)
            measures, goal, responsible = "制定整改方案，逐项销号", "按期完成整改并建立长效机制", "主要负责人"
            target_date = due_on
            step("accept", officer, TicketState.RECTIFYING, {"target_date": str(due_on), "milestones": 0}, accepted_on)
        if state == TicketState.EXPLAINED:
            # Published within the last four weeks: the assessors keep up with most of them.
            published_on = max(accepted_on, today - dt.timedelta(days=rng.randint(0, 25)))
            explanation, explained_by = "已完成阶段性整改，剩余问题按计划推进", head
            closure_plan = "按销号计划分阶段推进，完成后申请验收"
            closure_plan_date = today + dt.timedelta(days=rng.randint(60, 365))
            step("explain", head, TicketState.EXPLAINED, {"with_plan": True}, published_on)
        if state == TicketState.WITHDRAWN:
            withdrawn_on = min(stage_started_on + dt.timedelta(days=rng.randint(1, 10)), today)
            step("withdraw", self.supervisor, TicketState.WITHDRAWN, {"reason": "问题登记有误"}, withdrawn_on)

        stage_deadline = clocks.stage_deadline(current, policy, stage_started_on, due_on)
        rung = self._first_rung if fresh else self._next_rung
        next_action_at = None if stage_deadline is None else rung(stage_deadline, klass, severity)
        version = len(history)
        tickets.write(
            f"{ticket_id}\t{current}\t{number}\t{finding_id}\t{unit}\t{klass}\t\t{responsible}\t\t{measures}\t{goal}\t"
            f"{_d(target_date)}\t{explanation}\t{closure_plan}\t{_d(closure_plan_date)}\t"
            f"{NULL if explained_by is None else explained_by}\t{_d(published_on)}\t{assigned_on}\t{due_on}\t"
            f"{stage_started_on}\t{_d(stage_deadline)}\t{NULL}\t{_d(next_action_at)}\t0\tf\t0\t0\t{NULL}\t"
            f"{version}\t{self.assessor}\t{created_at.isoformat()}\t{at.isoformat()}\t{due_on}\n"
        )
        for event_version, (kind, actor, from_state, to_state, data, when) in enumerate(history, start=1):
            events.write(
                f"{ticket_id}\t{kind}\t{actor}\t{from_state}\t{to_state}\t{event_version}\t"
                f"{json.dumps(data, ensure_ascii=False)}\t{when.isoformat()}\n"
            )
