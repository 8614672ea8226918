"""Query filters of the list endpoints. A value a filter cannot read is a 400 naming the parameter (django-filter
raises it): an id outside the key's range (tracker.bounds), a choice not offered, a date that is not one, and a
boolean other than true/false/1/0 (django-filter's own boolean filter would read "maybe" as "not given")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker import bounds
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
from tracker.stats import overdue_q
from tracker.warning_filter import with_warning
from workflows import clocks
from workflows.machine import PUBLISHED_STATES, TicketState
from workflows.models import RectificationClass, Severity

MAX_ID = bounds.key_range(Ticket)[1]
EMPTY_VALUE = _("Give a value, or leave the parameter out.")


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An id: a whole number in the range of a primary key, so no value reaches the database unchecked."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """true/false (or 1/0, any case); an empty value filters nothing; anything else is refused."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter true or false.")}
    _values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._values[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


def read_boolean(params: Any, name: str) -> bool | None:
    """A boolean query parameter read outside a FilterSet, as strictly as BooleanFilter: None when it is absent."""
    if name not in params:
        return None
    try:
        value = StrictBooleanField().clean(params.get(name))
    except forms.ValidationError as error:
        raise serializers.ValidationError({name: error.messages}) from None
    if value is None:
        raise serializers.ValidationError({name: [str(EMPTY_VALUE)]})
    return value


class SearchFilter(filters.CharFilter):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("method", "search")
        super().__init__(*args, **kwargs)


class FilterSet(filters.FilterSet):
    """django-filter's FilterSet, with its form built from the filters the query string names.

    django-filter deep-copies every declared filter and builds a form class with a field for each on every request:
    on the ledger that took more time than reading the page's rows from the database. A filter the query string does
    not name filters nothing, so only the named ones are built: the results and the 400s are the same. The schema
    still lists every filter, since it reads the class.
    """

    def __init__(self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: str | None = None):
        if data is not None:
            lead = f"{prefix}-" if prefix else ""
            # A widget may split one filter over suffixed keys (name_min, name_after…), so a key beginning with the
            # name and an underscore keeps it too.
            keys = [key.removeprefix(lead) for key in data if key.startswith(lead)]
            self.base_filters = {
                name: declared
                for name, declared in type(self).base_filters.items()
                if any(key == name or key.startswith(f"{name}_") for key in keys)
            }
        super().__init__(data, queryset, request=request, prefix=prefix)

    def get_form_class(self) -> type[forms.Form]:
        """The form, refusing an empty value for a filter that reads a typed one (an id, a choice, a date, a
        boolean): `?due_before=` is not a date, and ignoring it would answer as if it had not been sent."""
        typed = [name for name, declared in self.filters.items() if not isinstance(declared, filters.CharFilter)]

        class Form(super().get_form_class()):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                for name in typed:
                    key = self.add_prefix(name)
                    values = self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data.get(key)]
                    if key in self.data and "" in values and name not in self.errors:
                        self.add_error(name, forms.ValidationError(EMPTY_VALUE, code="required"))
                return cleaned

        return Form


class TicketFilter(FilterSet):
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
    overdue = BooleanFilter(method="filter_overdue", help_text=_("true: the running stage clock has passed."))
    listed = BooleanFilter()
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


class FindingFilter(FilterSet):
    appraisal = IdFilter(field_name="appraisal_id")
    indicator = IdFilter(field_name="indicator_id")
    unit = IdFilter(field_name="unit_id")
    severity = filters.ChoiceFilter(choices=Severity.choices)
    recurring = BooleanFilter()

    class Meta:
        model = Finding
        fields: list[str] = []


class RequestFilter(FilterSet):
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


class UnitFilter(FilterSet):
    parent = IdFilter(field_name="parent_id")
    kind = filters.ChoiceFilter(choices=UnitKind.choices)

    class Meta:
        model = Unit
        fields: list[str] = []


class IndicatorFilter(FilterSet):
    appraisal = IdFilter(field_name="appraisal_id")
    dimension = filters.ChoiceFilter(choices=Dimension.choices)
    is_key = BooleanFilter()

    class Meta:
        model = Indicator
        fields: list[str] = []


class NoticeFilter(FilterSet):
    state = filters.ChoiceFilter(choices=[(s, TicketState(s).label) for s in PUBLISHED_STATES])
    unit = IdFilter(field_name="lead_unit_id")
    q = SearchFilter(help_text=_("Text in the number or the finding."))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return queryset.filter(Q(number__icontains=value) | Q(finding__description__icontains=value))
