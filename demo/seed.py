"""A realistic demo: the city of 临江市 after its annual appraisal and an environmental inspection.

Every ticket is driven through the real services, each step at the moment it would have happened (demo.clock),
so histories, deadlines and warning colours are exactly what the product would have produced. The story is told
relative to the day it is seeded: the oldest finding was assigned 110 working days before it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from demo.clock import moment
from demo.decisions import seed_decisions
from tracker import services
from tracker.models import Appraisal, Dimension, Indicator, Ticket, Unit, UnitKind
from workflows import calendar, clocks
from workflows.machine import Role, TicketState
from workflows.models import RectificationClass, Severity

CITY_CODE = "LJ"
DEMO_USERS = {
    # username: (display name, unit code, role)
    "admin": ("系统管理员", CITY_CODE, Role.ADMIN),
    "assessor": ("王考核（市考核办）", CITY_CODE, Role.ASSESSOR),
    "supervisor": ("李督查（市委督查室）", CITY_CODE, Role.SUPERVISOR),
    "unit_a": ("张经办（清河县生态环境分局）", "LJ-QH-EE", Role.OFFICER),
    "unit_a_head": ("陈局长（清河县生态环境分局）", "LJ-QH-EE", Role.HEAD),
    "unit_b": ("赵经办（清河县住房和城乡建设局）", "LJ-QH-HC", Role.OFFICER),
    "unit_b_head": ("周局长（清河县住房和城乡建设局）", "LJ-QH-HC", Role.HEAD),
    "qinghe_supervisor": ("孙督查（清河县委督查室）", "LJ-QH", Role.SUPERVISOR),
}

UNITS = [
    # code, name, kind, parent code
    (CITY_CODE, "临江市", UnitKind.CITY, None),
    ("LJ-EE", "临江市生态环境局", UnitKind.DEPARTMENT, CITY_CODE),
    ("LJ-HC", "临江市住房和城乡建设局", UnitKind.DEPARTMENT, CITY_CODE),
    ("LJ-ED", "临江市教育局", UnitKind.DEPARTMENT, CITY_CODE),
    ("LJ-HE", "临江市卫生健康委员会", UnitKind.DEPARTMENT, CITY_CODE),
    ("LJ-MR", "临江市市场监督管理局", UnitKind.DEPARTMENT, CITY_CODE),
    ("LJ-QH", "清河县", UnitKind.COUNTY, CITY_CODE),
    ("LJ-QH-EE", "清河县生态环境分局", UnitKind.DEPARTMENT, "LJ-QH"),
    ("LJ-QH-HC", "清河县住房和城乡建设局", UnitKind.DEPARTMENT, "LJ-QH"),
    ("LJ-QH-AG", "清河县农业农村局", UnitKind.DEPARTMENT, "LJ-QH"),
    ("LJ-DH", "东湖区", UnitKind.COUNTY, CITY_CODE),
    ("LJ-DH-ED", "东湖区教育局", UnitKind.DEPARTMENT, "LJ-DH"),
    ("LJ-DH-GS", "东湖区政务服务中心", UnitKind.DEPARTMENT, "LJ-DH"),
]

INDICATORS = [
    # appraisal index, code, name, dimension, weight, key
    (0, "A01", "科技创新投入与成果转化", Dimension.INNOVATION, 8, True),
    (0, "A02", "城乡区域协调发展", Dimension.COORDINATION, 6, False),
    (0, "A03", "空气与水环境质量改善", Dimension.GREEN, 10, True),
    (0, "A04", "营商环境与对外开放", Dimension.OPENNESS, 6, False),
    (0, "A05", "基本公共服务均等化", Dimension.SHARING, 8, False),
    (0, "A06", "群众急难愁盼问题解决", Dimension.LIVELIHOOD, 10, True),
    (0, "A07", "基层党组织建设", Dimension.PARTY_BUILDING, 6, False),
    (0, "A08", "安全生产与应急管理", Dimension.OTHER, 6, False),
    (1, "B01", "饮用水水源地保护", Dimension.GREEN, 20, True),
    (1, "B02", "工业园区污水处理", Dimension.GREEN, 20, True),
    (1, "B03", "农村生活污水与垃圾治理", Dimension.GREEN, 15, False),
]


@dataclass
class Plan:
    unit: str
    indicator: str
    text: str
    severity: str
    klass: str
    target: str  # the state the ticket should reach
    days_ago: int  # when it was assigned
    overdue: bool = False  # left to run past its deadline
    # For a ticket left in signing: how far its plan got ("submitted" to the head, signed and awaiting "review"), or
    # "returned" by the unit as not its own.
    signing: str = ""
    listed: bool = False  # listed for supervision (挂牌督办) and its unit head summoned (约谈)


FINDINGS = [
    Plan(
        "LJ-QH-EE",
        "B01",
        "县城集中式饮用水水源地一级保护区内仍有3处违规垂钓平台未拆除",
        Severity.SEVERE,
        RectificationClass.IMMEDIATE,
        TicketState.CLOSED,
        70,
    ),
    Plan(
        "LJ-QH-EE",
        "B02",
        "清河工业园区污水处理厂在线监测数据多次超标未及时处置",
        Severity.SERIOUS,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        75,
        overdue=True,
    ),
    Plan(
        "LJ-QH-EE",
        "A03",
        "秋冬季大气污染防治攻坚方案落实不到位，扬尘管控台账缺失",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.EXPLAINED,
        60,
    ),
    Plan(
        "LJ-QH-EE",
        "B03",
        "部分行政村生活污水收集管网建成后未通水运行",
        Severity.SERIOUS,
        RectificationClass.LONG_TERM,
        TicketState.EXPLAINED,
        90,
    ),
    Plan(
        "LJ-QH-EE",
        "A03",
        "重点排污单位自行监测信息公开不及时",
        Severity.GENERAL,
        RectificationClass.IMMEDIATE,
        TicketState.ASSIGNED,
        1,
        signing="submitted",
    ),
    Plan(
        "LJ-QH-HC",
        "A06",
        "老旧小区改造项目加装电梯进度滞后，群众多次反映",
        Severity.SERIOUS,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        40,
    ),
    Plan(
        "LJ-QH-HC",
        "A08",
        "在建工地安全生产隐患排查流于形式",
        Severity.SEVERE,
        RectificationClass.IMMEDIATE,
        TicketState.ASSIGNED,
        8,
        overdue=True,
        signing="review",
    ),
    Plan(
        "LJ-QH-HC",
        "A06",
        "城区排水管网雨污混接点位未完成改造",
        Severity.GENERAL,
        RectificationClass.LONG_TERM,
        TicketState.RECTIFYING,
        30,
    ),
    Plan(
        "LJ-QH-HC",
        "A02",
        "农村危房改造资金拨付不及时",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.VERIFIED,
        80,
    ),
    Plan(
        "LJ-QH-AG",
        "B03",
        "农村生活垃圾转运站运行维护经费未落实",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        20,
    ),
    Plan(
        "LJ-QH-AG",
        "A02",
        "高标准农田建设项目验收资料不完整",
        Severity.GENERAL,
        RectificationClass.IMMEDIATE,
        TicketState.WITHDRAWN,
        25,
    ),
    Plan(
        "LJ-EE",
        "A03",
        "PM2.5年均浓度未完成年度目标任务",
        Severity.SERIOUS,
        RectificationClass.LONG_TERM,
        TicketState.RECTIFYING,
        50,
    ),
    Plan(
        "LJ-EE",
        "B02",
        "园区危险废物贮存场所标识不规范",
        Severity.GENERAL,
        RectificationClass.IMMEDIATE,
        TicketState.CLOSED,
        45,
    ),
    Plan(
        "LJ-HC",
        "A06",
        "保障性租赁住房筹集进度低于序时进度",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        58,
    ),
    Plan(
        "LJ-ED",
        "A05",
        "义务教育阶段大班额问题尚未完全消除",
        Severity.SERIOUS,
        RectificationClass.LONG_TERM,
        TicketState.EXPLAINED,
        100,
    ),
    Plan(
        "LJ-ED",
        "A01",
        "职业院校产教融合项目成果转化率偏低",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.ASSIGNED,
        2,
    ),
    Plan(
        "LJ-HE",
        "A05",
        "基层医疗机构家庭医生签约服务质量不高",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.EXPLAINED,
        70,
    ),
    Plan(
        "LJ-MR",
        "A04",
        "企业开办全程网办率未达到考核要求",
        Severity.GENERAL,
        RectificationClass.IMMEDIATE,
        TicketState.VERIFIED,
        30,
    ),
    Plan(
        "LJ-MR",
        "A08",
        "特种设备定期检验率偏低",
        Severity.SERIOUS,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        66,
        overdue=True,
        listed=True,
    ),
    Plan(
        "LJ-DH-ED",
        "A05",
        "校外培训机构监管存在盲区",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        12,
    ),
    Plan(
        "LJ-DH-ED",
        "A07",
        "基层党组织“三会一课”记录不规范",
        Severity.GENERAL,
        RectificationClass.IMMEDIATE,
        TicketState.CLOSED,
        35,
    ),
    Plan(
        "LJ-DH-GS",
        "A04",
        "政务服务“一网通办”事项办理时限压缩不到位",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.RECTIFYING,
        62,
    ),
    Plan(
        "LJ-DH-GS",
        "A06",
        "12345热线工单按期办结率低于全市平均水平",
        Severity.SERIOUS,
        RectificationClass.IMMEDIATE,
        TicketState.RECTIFYING,
        14,
    ),
    Plan(
        "LJ-DH-GS",
        "A07",
        "党建引领基层治理示范点建设滞后",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.ASSIGNED,
        3,
    ),
    Plan(
        "LJ-QH-AG",
        "A06",
        "城区主干道占道经营、流动摊贩管理不到位",
        Severity.GENERAL,
        RectificationClass.TIME_LIMITED,
        TicketState.ASSIGNED,
        2,
        signing="returned",
    ),
]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clocks.SHANGHAI)


def _evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f"{name}\n整改佐证材料（演示）\n".encode(), content_type="text/plain")


def seed(password: str) -> bool:
    """Create the demo once; returns False when it is already there."""
    if Unit.objects.filter(code=CITY_CODE).exists():
        return False
    rng = random.Random(2026)
    today = clocks.today()
    start = calendar.subtract_workdays(today, 110)
    with moment(_at(start)), transaction.atomic():
        units = _units()
        users = _users(units, password)
        indicators = _appraisals(start)
    for plan in FINDINGS:
        _drive(plan, units, users, indicators, today, rng)
    seed_decisions(password=password, city_code=CITY_CODE, today=today)
    return True


def _units() -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    for code, name, kind, parent in UNITS:
        units[code] = services.unit_create(name=name, code=code, kind=kind, parent=units[parent] if parent else None)
    return units


def _users(units: dict[str, Unit], password: str):
    User = get_user_model()
    users = {}
    for username, (full_name, unit_code, role) in DEMO_USERS.items():
        user = User.objects.create_user(
            username=username,
            password=password,
            first_name=full_name,
            email=f"{username}@demo.zhenggai.invalid",
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        services.membership_add(user=user, unit=units[unit_code], role=role)
        users[username] = user
    # The county's own head signs for county departments' co-operation; the city departments get an officer
    # and a head each so that every ticket has someone to act on it.
    for code in ("LJ-EE", "LJ-HC", "LJ-ED", "LJ-HE", "LJ-MR", "LJ-QH-AG", "LJ-DH-ED", "LJ-DH-GS"):
        for role in (Role.OFFICER, Role.HEAD):
            user = User.objects.create_user(
                username=f"{code.lower().replace('-', '_')}_{role}",
                password=password,
                first_name=units[code].name,
            )
            services.membership_add(user=user, unit=units[code], role=role)
    dh_supervisor = User.objects.create_user(
        username="donghu_supervisor", password=password, first_name="东湖区委督查室"
    )
    services.membership_add(user=dh_supervisor, unit=units["LJ-DH"], role=Role.SUPERVISOR)
    return users


def _appraisals(start: dt.date) -> dict[str, Indicator]:
    annual = Appraisal.objects.create(
        name=f"{start.year - 1}年度临江市高质量发展综合考核",
        kind="年度综合考核",
        level="市级",
        period_start=dt.date(start.year - 1, 1, 1),
        period_end=dt.date(start.year - 1, 12, 31),
    )
    inspection = Appraisal.objects.create(
        name=f"{start.year}年临江市生态环境保护专项督查",
        kind="专项督查",
        level="市级",
        period_start=start,
        period_end=start + dt.timedelta(days=30),
    )
    appraisals = (annual, inspection)
    return {
        code: Indicator.objects.create(
            appraisal=appraisals[a], code=code, name=name, dimension=dim, weight=weight, is_key=key
        )
        for a, code, name, dim, weight, key in INDICATORS
    }


def _officer_and_head(unit: Unit, users) -> tuple:
    User = get_user_model()
    officer = User.objects.filter(memberships__unit=unit, memberships__role=Role.OFFICER).order_by("id").first()
    head = User.objects.filter(memberships__unit=unit, memberships__role=Role.HEAD).order_by("id").first()
    return officer, head


def _drive(plan: Plan, units, users, indicators, today: dt.date, rng: random.Random) -> Ticket:
    """Walk one finding's ticket to its target state, each step on a plausible working day."""
    unit = units[plan.unit]
    officer, head = _officer_and_head(unit, users)
    assessor, supervisor = users["assessor"], users["supervisor"]
    day = calendar.subtract_workdays(today, plan.days_ago)

    def at(step_day: dt.date):
        return moment(_at(step_day, rng.randint(9, 17)))

    with at(day):
        ticket = services.finding_create(
            actor=assessor,
            indicator=indicators[plan.indicator],
            unit=unit,
            description=plan.text,
            severity=plan.severity,
            source="市考核办反馈意见" if plan.indicator.startswith("A") else "市生态环境保护督察组",
            document_number=f"临考办〔{day.year}〕{rng.randint(10, 99)}号",
            rectification_class=plan.klass,
            lead_official="分管副县长" if unit.kind == UnitKind.DEPARTMENT and "清河" in unit.name else "分管副市长",
        )
    if plan.target == TicketState.ASSIGNED:
        return ticket
    if plan.target == TicketState.WITHDRAWN:
        with at(calendar.add_workdays(day, 1)):
            return services.ticket_withdraw(
                ticket_id=ticket.pk,
                actor=supervisor,
                version=ticket.version,
                reason="经核实该问题已在上一轮考核中整改到位，属重复交办",
            )
    if plan.signing == "returned":
        with at(calendar.add_workdays(day, 1)):
            return services.ticket_return_ticket(
                ticket_id=ticket.pk,
                actor=officer,
                version=ticket.version,
                reason="占道经营和流动摊贩由城市管理部门执法，不属本单位职责，建议改派城管局。",
            )
    day = calendar.add_workdays(day, 1 if plan.klass == RectificationClass.IMMEDIATE else 2)
    with at(day):
        ticket.refresh_from_db()
        target_date = min(ticket.due_on, calendar.add_workdays(day, 40))
        halfway = calendar.add_workdays(day, max(1, calendar.workdays_between(day, target_date) // 2))
        ticket = services.ticket_submit_plan(
            ticket_id=ticket.pk,
            actor=officer,
            version=ticket.version,
            measures=(
                "1. 成立整改工作专班，明确责任分工；\n"
                "2. 全面排查问题点位，建立问题清单；\n"
                "3. 逐项销号，定期向社会公开进展。"
            ),
            goal="按期完成整改，建立长效管理机制，杜绝问题反弹。",
            responsible_person=head.first_name.split("（")[0] if head else "负责人",
            target_date=target_date,
            milestones=[("完成排查并建立问题清单", halfway), ("完成整改并提交佐证材料", target_date)],
        )
    if plan.signing == "submitted":
        return ticket
    # The head signs the officer's plan; a severe finding's plan then waits for the assessor's review (方案审核).
    sign_day = calendar.add_workdays(day, 1) if plan.signing == "review" else day
    with at(sign_day):
        if ticket.plan_needs_review():
            ticket = services.ticket_sign_plan(ticket_id=ticket.pk, actor=head, version=ticket.version)
        else:
            ticket = services.ticket_accept(ticket_id=ticket.pk, actor=head, version=ticket.version)
    if plan.signing == "review":
        return ticket
    if ticket.state == TicketState.ASSIGNED:
        day = calendar.add_workdays(day, 1)
        with at(day):
            ticket = services.ticket_approve_plan(
                ticket_id=ticket.pk,
                actor=assessor,
                version=ticket.version,
                comment="方案措施具体，时限合理，同意实施。",
            )
    report_days = [d for d in (calendar.add_workdays(day, 10), calendar.add_workdays(day, 25)) if d < today]
    if plan.overdue:
        report_days = report_days[:1]
    for n, report_day in enumerate(report_days, start=1):
        with at(report_day):
            ticket = Ticket.objects.get(pk=ticket.pk)
            services.progress_report(
                ticket_id=ticket.pk,
                actor=officer,
                text="已完成问题点位排查，正在按清单推进整改。"
                if n == 1
                else "主体整改工作基本完成，正在整理佐证材料。",
                percent=30 * n if plan.target == TicketState.RECTIFYING else 45 * n,
                files=[_evidence(f"第{n}次整改进展报告.txt")],
            )
    if plan.listed:
        with at(calendar.subtract_workdays(today, 3)):
            ticket = services.ticket_list(
                ticket_id=ticket.pk, actor=supervisor, reason="逾期未完成整改，群众反映强烈，予以挂牌督办。"
            )
        with at(calendar.subtract_workdays(today, 1)):
            ticket = services.ticket_follow_up(
                ticket_id=ticket.pk,
                actor=supervisor,
                kind="summoned",
                held_on=calendar.subtract_workdays(today, 1),
                note="约谈单位主要负责人，要求10个工作日内完成定期检验清零，每周报送进展。",
            )
    if plan.target == TicketState.RECTIFYING:
        return ticket
    day = max(report_days[-1] if report_days else day, day)
    day = calendar.add_workdays(day, 2)
    long_term = plan.klass == RectificationClass.LONG_TERM
    with at(day):
        ticket = Ticket.objects.get(pk=ticket.pk)
        if not report_days:
            services.evidence_add(ticket_id=ticket.pk, actor=officer, files=[_evidence("整改完成情况报告.txt")])
            ticket = Ticket.objects.get(pk=ticket.pk)
        ticket = services.ticket_explain(
            ticket_id=ticket.pk,
            actor=head,
            version=ticket.version,
            explanation=(
                f"针对“{plan.text}”问题，我单位已制定整改方案并分阶段推进。"
                + (
                    "该问题涉及项目建设周期，暂不能一次性解决，现公开阶段性进展和销号计划，接受群众监督。"
                    if long_term
                    else "目前整改任务已完成，佐证材料已归档，欢迎群众监督评价。"
                )
            ),
            closure_plan="分年度推进，2027年底前全面完成" if long_term else "",
            closure_plan_date=dt.date(today.year + 1, 12, 31) if long_term else None,
        )
    for rating in rng.choices(["satisfied", "satisfied", "basically_satisfied", "dissatisfied"], k=rng.randint(2, 6)):
        with at(calendar.add_workdays(day, 1)):
            services.feedback_give(ticket_id=ticket.pk, rating=rating, comment="", client=f"demo-{rng.random()}")
    if plan.target == TicketState.EXPLAINED:
        if long_term and plan.days_ago >= 80:  # reviewed once already: kept in rectification (持续整改)
            with at(calendar.add_workdays(day, 8)):
                ticket = services.ticket_continue_rectifying(
                    ticket_id=ticket.pk,
                    actor=assessor,
                    version=Ticket.objects.get(pk=ticket.pk).version,
                    comment="管网通水率已由40%提升至75%，剩余村庄纳入明年计划，持续整改。",
                    next_review_on=calendar.add_workdays(today, 20),
                )
        return ticket
    day = calendar.add_workdays(day, 7)
    with at(day):
        ticket = Ticket.objects.get(pk=ticket.pk)
        ticket = services.ticket_verify(
            ticket_id=ticket.pk,
            actor=assessor,
            version=ticket.version,
            comment="经现场核查，整改措施落实到位，佐证材料齐全。",
            satisfaction_override="群众评价样本较少，经实地回访确认整改到位。",
        )
    if plan.target == TicketState.VERIFIED:
        return ticket
    with at(calendar.add_workdays(day, 2)):
        return services.ticket_close(ticket_id=ticket.pk, actor=supervisor, version=ticket.version)
