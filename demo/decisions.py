"""Demo decisions: accountability, fault tolerance and correction in several steps of their procedures.

Self-contained: it adds the city's discipline inspection (纪委监委) and organisation department (组织部) accounts,
takes the demo's people and tickets by their usernames and units, and drives each decision through the real
services, every step on the working day it would have happened (demo.clock.moment sets it).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from demo.clock import moment
from tracker import services
from tracker.models import Decision, Indicator, SubjectKind, Ticket, Unit
from tracker.services import decisions as steps
from workflows import calendar, clocks
from workflows.machine import Role

BODIES = {
    # username: (display name, role) — both at the city
    "discipline": ("刘纪检（市纪委监委）", Role.DISCIPLINE),
    "organisation": ("吴组织（市委组织部）", Role.ORGANISATION),
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clocks.SHANGHAI)


def _step(day: dt.date, name: str, decision: Decision, actor, **inputs) -> Decision:
    with moment(_at(day, 11)):
        return steps.DECISION_SERVICES[name](decision_id=decision.pk, actor=actor, version=decision.version, **inputs)


def seed_decisions(*, password: str, city_code: str, today: dt.date | None = None) -> list[Decision]:
    """Create the demo decisions once; returns them (none when the bodies' accounts exist already)."""
    User = get_user_model()
    if User.objects.filter(username__in=BODIES).exists():
        return []
    today = today or clocks.today()
    city = Unit.objects.get(code=city_code)
    for username, (name, role) in BODIES.items():
        user = User.objects.create_user(
            username=username, password=password, first_name=name, email=f"{username}@demo.zhenggai.invalid"
        )
        services.membership_add(user=user, unit=city, role=role)
    people = {u.username: u for u in User.objects.filter(username__in=[*BODIES, "supervisor", "unit_a", "unit_b"])}
    discipline, organisation, supervisor = people["discipline"], people["organisation"], people["supervisor"]
    day = calendar.subtract_workdays(today, 40)

    def on(workdays: int) -> dt.date:
        return calendar.add_workdays(day, workdays)

    ee = Unit.objects.get(code=f"{city_code}-QH-EE")
    hc = Unit.objects.get(code=f"{city_code}-QH-HC")
    ed = Unit.objects.get(code=f"{city_code}-ED")
    late = list(Ticket.objects.filter(lead_unit=ee).order_by("due_on").values_list("pk", flat=True)[:2])
    made = []

    # 1. Accountability about a person, from a late ticket: heard, decided, enforced, published, appealed, upheld.
    with moment(_at(on(0))):
        first = services.accountability_open(
            actor=supervisor,
            subject_kind=SubjectKind.PERSON,
            subject_unit=ee,
            subject_user=people["unit_a"],
            subject_name="张某",
            subject_position="清河县生态环境分局综合科科长",
            facts="扬尘管控问题整改逾期，挂牌督办后仍未按期完成，存在拖延不改情形。",
            rule="《中国共产党问责条例》第七条第（五）项",
            ticket_ids=late,
        )
    first = _step(on(1), "investigate", first, discipline, note="成立核查组，调取整改台账")
    first = _step(on(6), "request_statement", first, discipline, facts_told="经查，该问题整改逾期三个月。")
    first = _step(
        on(8),
        "file_statement",
        first,
        people["unit_a"],
        statement="因机构改革人员调整，整改有所延误，现已补齐台账，请组织予以考虑。",
    )
    first = _step(
        on(12),
        "decide",
        first,
        discipline,
        measures=["person_notice", "person_admonition"],
        deciding_body="中共临江市纪委常委会",
        document_number="临纪发〔2026〕8号",
        effect_months=6,
        reasons="拖延不改，但能如实说明情况",
    )
    first = _step(on(13), "publish", first, discipline, notice="关于对张某同志问责情况的通报")
    first = _step(on(15), "appeal", first, people["unit_a"], grounds="延误系机构调整所致，申请复查。")
    first = _step(on(18), "record_enforcement", first, organisation, note="已在全市范围通报，并由市纪委进行诫勉谈话。")
    first = _step(
        on(25), "decide_appeal", first, discipline, outcome="upheld", reason="事实清楚，处理适当，维持原决定。"
    )
    made.append(first)

    # 2. Accountability about a unit: the unit has been told the facts and its statement is awaited.
    with moment(_at(on(30))):
        second = services.accountability_open(
            actor=discipline,
            subject_kind=SubjectKind.UNIT,
            subject_unit=hc,
            facts="老旧小区改造问题整改中存在数字整改、形式整改，佐证材料与实际不符。",
            rule="《中国共产党问责条例》第七条",
        )
    second = _step(on(31), "investigate", second, discipline, note="")
    second = _step(
        calendar.subtract_workdays(today, 2),
        "request_statement",
        second,
        discipline,
        facts_told="经核查，三个小区改造进度与上报不符。",
    )
    made.append(second)

    # 3. Fault tolerance applied for by a cadre piloting a new approach: exempted, name cleared.
    with moment(_at(on(5))):
        third = services.fault_tolerance_apply(
            actor=people["unit_b"],
            subject_kind=SubjectKind.PERSON,
            subject_unit=Unit.objects.get(code=f"{city_code}-QH-HC"),
            subject_user=people["unit_b"],
            subject_name="赵某",
            subject_position="清河县住房和城乡建设局经办人",
            facts="先行先试推行“一窗通办”改革，因系统对接问题造成部分业务延误，已主动纠正。",
            rule="三个区分开来；《中国共产党问责条例》第十七条",
        )
    third = _step(on(6), "investigate", third, organisation, note="")
    third = _step(
        on(14), "exempt", third, organisation, reason="属于改革创新中的失误，未谋取私利，已主动纠正。", basis="先行先试"
    )
    third = _step(on(16), "follow_up", third, organisation, follow_up="clearing", note="在全局干部大会上澄清正名。")
    made.append(third)

    # 4. Fault tolerance opened ex officio and refused: accountability is opened about the same person.
    with moment(_at(on(20))):
        fourth = services.fault_tolerance_apply(
            actor=discipline,
            subject_kind=SubjectKind.UNIT,
            subject_unit=Unit.objects.get(code=f"{city_code}-QH-AG"),
            facts="农村人居环境整治项目资金拨付违规，单位申请容错。",
            rule="三个区分开来",
        )
    fourth = _step(on(21), "investigate", fourth, discipline, note="")
    fourth = _step(on(27), "refuse", fourth, discipline, reason="违反明令禁止的规定，不符合容错情形。")
    made.append(fourth)

    # 5. Correction: an opinion to a unit opens a rectification ticket tracked to closure by the engine.
    with moment(_at(on(28))):
        fifth = services.correction_issue(
            actor=supervisor,
            subject_unit=ed,
            facts="学校食堂招标程序不规范。",
            opinion="纠正食堂招标违规做法，重新履行公开招标程序。",
            rule="《政府采购法》第二十六条",
            ticket_ids=list(Ticket.objects.filter(lead_unit=ed).values_list("pk", flat=True)[:1]),
            indicator=Indicator.objects.order_by("pk").first(),
        )
    made.append(fifth)
    return made
