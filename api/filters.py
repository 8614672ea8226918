"""Query filters of the list endpoints. Bad values are 400s with field errors (django-filter raises them)."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from tracker.models import (
    Dimension,
    ExtensionRequest,
    Finding,
    Indicator,
    PauseRequest,
    RequestState,
    Ticket,
    Unit,
    UnitKind,
)
from tracker.services.activity import PUBLISHED_STATES
from tracker.stats import overdue_q
from tracker.warning_filter import with_warning
from workflows import clocks
from workflows.machine import TicketState
from workflows.models import RectificationClass, Severity

MAX_ID = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An id: a whole number in the range of a primary key, so no value reaches the database unchecked."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class SearchFilter(filters.CharFilter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("method", "search")
        super().__init__(*args, **kwargs)


class TicketFilter(filters.FilterSet):
    # distinct=False: the scope is a subquery, so no join can repeat a row, and DISTINCT would sort the whole ledger.
    state = filters.MultipleChoiceFilter(
        choices=TicketState.choices, distinct=False, help_text=_("Repeat to match any of several.")
    )
    unit = IdFilter(field_name="lead_unit_id", help_text=_("Lead unit."))
    within = IdFilter(method="filter_within", help_text=_("Lead unit is this unit or below it in the tree."))
    severity = filters.ChoiceFilter(field_name="finding__severity", choices=Severity.choices)
    appraisal = IdFilter(field_name="finding__appraisal_id")
    indicator = IdFilter(field_name="finding__indicator_id")
    dimension = filters.ChoiceFilter(field_name="finding__indicator__dimension", choices=Dimension.choices)
    warning = filters.ChoiceFilter(choices=clocks.Warning.choices, method="filter_warning")
    overdue = filters.BooleanFilter(method="filter_overdue", help_text=_("true: the running stage clock has passed."))
    listed = filters.BooleanFilter()
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    q = SearchFilter(help_text=_("Text in the number, finding or document number."))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_within(self, queryset: QuerySet[Ticket], name: str, value: int) -> QuerySet[Ticket]:
        return queryset.filter(lead_unit__path__contains=f"/{value}/")

    def filter_warning(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return with_warning(queryset, value)

    def filter_overdue(self, queryset: QuerySet[Ticket], name: str, value: bool | None) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        late = overdue_q(clocks.today())
        return queryset.filter(late) if value else queryset.exclude(late)

    def search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return queryset.filter(
            Q(number__icontains=value)
            | Q(finding__description__icontains=value)
            | Q(finding__document_number__icontains=value)
        )


# `class` is a keyword, so the rectification-class filter is added by name.
TicketFilter.base_filters["class"] = filters.ChoiceFilter(
    field_name="rectification_class", choices=RectificationClass.choices, help_text=_("Rectification class.")
)


class FindingFilter(filters.FilterSet):
    appraisal = IdFilter(field_name="appraisal_id")
    indicator = IdFilter(field_name="indicator_id")
    unit = IdFilter(field_name="unit_id")
    severity = filters.ChoiceFilter(choices=Severity.choices)
    recurring = filters.BooleanFilter()

    class Meta:
        model = Finding
        fields: list[str] = []


class RequestFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=RequestState.choices)
    ticket = IdFilter(field_name="ticket_id")


class ExtensionRequestFilter(RequestFilter):
    class Meta:
        model = ExtensionRequest
        fields: list[str] = []


class PauseRequestFilter(RequestFilter):
    class Meta:
        model = PauseRequest
        fields: list[str] = []


class UnitFilter(filters.FilterSet):
    parent = IdFilter(field_name="parent_id")
    kind = filters.ChoiceFilter(choices=UnitKind.choices)

    class Meta:
        model = Unit
        fields: list[str] = []


class IndicatorFilter(filters.FilterSet):
    appraisal = IdFilter(field_name="appraisal_id")
    dimension = filters.ChoiceFilter(choices=Dimension.choices)
    is_key = filters.BooleanFilter()

    class Meta:
        model = Indicator
        fields: list[str] = []


class NoticeFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=[(s, TicketState(s).label) for s in PUBLISHED_STATES])
    unit = IdFilter(field_name="lead_unit_id")
    q = SearchFilter(help_text=_("Text in the number or the finding."))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return queryset.filter(Q(number__icontains=value) | Q(finding__description__icontains=value))
