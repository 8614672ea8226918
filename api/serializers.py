"""What the API shows: read-only representations. Inputs live in api/inputs.py; no business rule lives in either."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from functools import cache, cached_property
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

from api.inputs import transition_fields
from tracker import selectors
from tracker.models import (
    Appraisal,
    Evidence,
    ExtensionRequest,
    Finding,
    Indicator,
    Membership,
    Milestone,
    PauseRequest,
    ProgressReport,
    Rating,
    Ticket,
    TicketEvent,
    Unit,
)
from tracker.permissions import is_admin
from tracker.rows import column_levels
from workflows import clocks
from workflows.models import Policy


class ModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer introspects the model for every field of every instance it makes (labels, choices,
    validators), then DRF deep-copies each field, re-running its constructor; together most of the time a ticket
    page took. The fields depend on Meta alone, so they are built once per class here. A serializer that only
    represents (they all do) shares the class's own fields of the kinds whose output depends on the value alone
    (text, numbers, dates, choices, primary keys), and binds copies of the rest: nested serializers and method
    fields, which reach their parent and the context. `fields` still binds a copy of every field for whoever asks
    (the schema)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _copy(field) for name, field in self._built_fields().items()}

    @classmethod
    def _built_fields(cls) -> dict[str, serializers.Field]:
        built = cls.__dict__.get("_built")
        if built is None:
            built = cls._built = serializers.ModelSerializer.get_fields(cls())
        return built

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """DRF's loop (serializers.Serializer.to_representation), reading each plain attribute with getattr: DRF's
        generic lookup (a mapping or an object? a callable to call?) cost more than the rest of a ledger row.
        Whatever is not a plain attribute value — a method, a dotted source, a missing attribute — goes DRF's way."""
        out: dict[str, Any] = {}
        for name, attribute, field in self._reading_plan:
            value = getattr(instance, attribute, _THE_SLOW_WAY) if attribute is not None else _THE_SLOW_WAY
            if value is _THE_SLOW_WAY or callable(value):
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                if (value.pk if isinstance(value, PKOnlyObject) else value) is None:
                    out[name] = None
                    continue
            elif value is None:
                out[name] = None
                continue
            out[name] = field.to_representation(value)
        return out

    @cached_property
    def _reading_plan(self) -> list[tuple[str, str | None, serializers.Field]]:
        """(name, the attribute to getattr or None, field) for each readable field, in order."""
        return [(name, attribute, shared or self._bind(name)) for name, attribute, shared in self._shared_plan()]

    @classmethod
    def _shared_plan(cls) -> list[tuple[str, str | None, serializers.Field | None]]:
        """The reading plan's part that holds for every instance: the class's own fields bound once to a serializer
        kept for that, where a field's output depends on the value alone; None where each instance binds its own."""
        plan = cls.__dict__.get("_plan")
        if plan is None:
            keeper = cls()
            plan = cls._plan = [
                (
                    field.field_name,
                    field.source_attrs[0] if _plain(field) else None,
                    field if type(field) in _VALUE_ONLY else None,
                )
                for field in keeper._readable_fields
            ]
        return plan

    def _bind(self, name: str) -> serializers.Field:
        if "_fields" in vars(self):  # `fields` was read: use what it bound
            return self.fields[name]
        field = _copy(self._built_fields()[name])
        field.bind(field_name=name, parent=self)
        return field

    def represent_rows(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """What `many=True` gives for the instances these rows were read from, built from the rows (as
        `queryset.values(*self.columns)` or tracker.rows.JoinedValues gives them): no model instances, and each
        column's value converted as its field would. A serializer that renders from rows declares `columns`: every
        column its fields show, with the primary key of each nested row, and whatever the fields that read an
        object (properties, method fields) read."""
        plan = _RowPlan(self, "")
        build = _row_objects(type(self).Meta.model, tuple(self.columns)) if plan.reads_objects else None
        return [plan.render(row, build(row) if build else None) for row in rows]


_THE_SLOW_WAY = object()

# Field kinds whose to_representation reads nothing but the value and the field's own options (never its parent,
# the context or the request), and whose get_attribute reaches the root only for `partial`, which is never set here.
_VALUE_ONLY = frozenset(
    {
        serializers.BigIntegerField,
        serializers.BooleanField,
        serializers.CharField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.DecimalField,
        serializers.EmailField,
        serializers.FloatField,
        serializers.IntegerField,
        serializers.JSONField,
        serializers.ReadOnlyField,
        serializers.URLField,
        serializers.UUIDField,
        serializers.PrimaryKeyRelatedField,
    }
)


def _copy(field: serializers.Field) -> serializers.Field:
    """A copy to bind: shallow for a field (its validators and choices are read, never changed); deep for a nested
    serializer, so that it binds fields of its own."""
    return copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)


class _RowPlan:
    """How a serializer renders one `.values()` row: each field a column (converted as the field would), a nested
    serializer over the columns under its prefix, or, for what no column holds, an attribute or the field itself
    read from an object that stands in for the instance (_row_objects). The fields are grouped by kind and put back
    in the serializer's order by the dict they fill."""

    def __init__(self, serializer: ModelSerializer, prefix: str) -> None:
        model = serializer.Meta.model
        self.names: list[str] = []
        self.columns: list[tuple[str, str, Callable[[Any], Any] | None]] = []  # name, key, conversion
        self.nested: list[tuple[str, str, _RowPlan, str]] = []  # name, key of the nested row's pk, plan, attribute
        self.attributes: list[tuple[str, str, serializers.Field, Callable[[Any], Any] | None]] = []
        self.fields: list[tuple[str, serializers.Field]] = []
        for name, attribute, field in serializer._reading_plan:
            self.names.append(name)
            source = field.source_attrs[0] if len(field.source_attrs) == 1 else None
            if source is not None and type(field) in _VALUE_ONLY and _is_column(model, source):
                self.columns.append((name, prefix + source, _converter(field)))
            elif source is not None and isinstance(field, ModelSerializer) and _is_column(model, source):
                nested = f"{prefix}{source}__"
                self.nested.append((name, nested + field.Meta.model._meta.pk.name, _RowPlan(field, nested), source))
            elif attribute is not None and type(field) in _VALUE_ONLY:  # a property, say
                self.attributes.append((name, attribute, field, _converter(field)))
            else:
                self.fields.append((name, field))
        self.reads_objects = bool(self.attributes or self.fields) or any(
            plan.reads_objects for *_, plan, _ in self.nested
        )

    def render(self, row: dict[str, Any], instance: Any) -> dict[str, Any]:
        out = dict.fromkeys(self.names)
        for name, key, convert in self.columns:
            value = row[key]
            if value is not None:
                out[name] = value if convert is None else convert(value)
        for name, key, plan, attribute in self.nested:
            if row[key] is not None:
                related = getattr(instance, attribute) if plan.reads_objects and instance is not None else None
                out[name] = plan.render(row, related)
        for name, attribute, field, convert in self.attributes:
            value = getattr(instance, attribute)
            if callable(value):  # a method: DRF's way calls it
                value = field.get_attribute(instance)
            if value is not None:
                out[name] = field.to_representation(value) if convert is None else convert(value)
        for name, field in self.fields:  # as DRF's loop does
            try:
                value = field.get_attribute(instance)
            except SkipField:
                del out[name]
                continue
            if value is not None:
                out[name] = field.to_representation(value)
        return out


def _is_column(model: type[models.Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.many_to_many


def _converter(field: serializers.Field) -> Callable[[Any], Any] | None:
    """field.to_representation, or what it comes to for a value from the database, None where that is the value
    itself: DRF's IntegerField gives int(value), CharField str(value), BooleanField a bool as it is, a primary key
    field the key, an ISO 8601 DateField date.isoformat(). A DateTimeField is given the time zone it would look up
    for every value (the request's: rows are rendered within the request)."""
    kind = type(field)
    if kind in (serializers.IntegerField, serializers.BigIntegerField):
        return int
    if kind is serializers.CharField:
        return str
    if kind is serializers.BooleanField:
        return bool
    if kind is serializers.PrimaryKeyRelatedField and field.pk_field is None:
        return None
    if kind is serializers.DateField and str(getattr(field, "format", api_settings.DATE_FORMAT)).lower() == ISO_8601:
        return dt.date.isoformat
    if kind is serializers.DateTimeField and not hasattr(field, "timezone"):
        field = copy.copy(field)
        field.timezone = field.default_timezone()
    return field.to_representation


@cache
def _row_objects(model: type[models.Model], columns: tuple[str, ...]) -> Callable[[dict[str, Any]], Any]:
    """A function that turns a `.values(*columns)` row into an object standing in for the instance it was read
    from: the row's columns as attributes (a foreign key's under its attname, as on the model), the model's
    properties (`ticket.is_open`), and each related row as an object of its own, built when first read (None where
    the key is null)."""
    levels = column_levels(model, columns)
    classes: dict[tuple[str, ...], type[_RowObject]] = {}
    for path in sorted(levels, key=len, reverse=True):  # the related rows' classes first
        here, pairs = levels[path]
        children = {
            child[-1]: (classes[child], f"{'__'.join(child)}__{levels[child][0]._meta.pk.attname}")
            for child in levels
            if len(child) == len(path) + 1 and child[: len(path)] == path
        }
        namespace = {"_columns": [(column, field.attname) for column, field in pairs], "_children": children}
        classes[path] = type(f"{here.__name__}Row", (_row_class(here),), namespace)
    return classes[()].from_row


class _RowObject:
    """What _row_objects' classes share: the columns they carry and their related rows, built on first use."""

    _columns: list[tuple[str, str]] = []
    _children: dict[str, tuple[type[_RowObject], str]] = {}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> _RowObject:
        obj = cls()
        obj.__dict__.update({attname: row[column] for column, attname in cls._columns})
        obj.__dict__["_row"] = row
        return obj

    def __getattr__(self, name: str) -> Any:
        child = self._children.get(name)
        if child is None:
            raise AttributeError(name)
        kind, key = child
        row = self.__dict__["_row"]
        related = None if key in row and row[key] is None else kind.from_row(row)
        self.__dict__[name] = related
        return related


@cache
def _row_class(model: type[models.Model]) -> type[_RowObject]:
    """A _RowObject class carrying the model's properties."""
    namespace = {
        name: value
        for klass in reversed(model.__mro__)
        if issubclass(klass, models.Model) and klass is not models.Model
        for name, value in vars(klass).items()
        if isinstance(value, property)
    }
    namespace["pk"] = property(lambda obj: getattr(obj, model._meta.pk.attname))
    return type(f"{model.__name__}Properties", (_RowObject,), namespace)


def _plain(field: serializers.Field) -> bool:
    """A field that reads one attribute the way every field does (relations read theirs their own way)."""
    return len(field.source_attrs) == 1 and type(field).get_attribute is serializers.Field.get_attribute


WARNING_FIELD = serializers.ChoiceField(
    choices=clocks.Warning.choices,
    allow_null=True,
    help_text=_("Warning colour of the current stage; null for a ticket without a running clock."),
)


class UnitBriefSerializer(ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code"]


class UnitSerializer(ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent"]


class AppraisalSerializer(ModelSerializer):
    class Meta:
        model = Appraisal
        fields = ["id", "name", "kind", "level", "period_start", "period_end"]


class IndicatorSerializer(ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "appraisal", "code", "name", "dimension", "weight", "is_key"]


class IndicatorBriefSerializer(ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "dimension"]


class PolicySerializer(ModelSerializer):
    reminder_offsets = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        model = Policy
        fields = [
            "id",
            "rectification_class",
            "severity",
            "sign_days",
            "rectify_days",
            "notice_days",
            "verify_days",
            "close_days",
            "reminder_offsets",
            "chase_after_days",
            "supervise_after_days",
            "listed_after_days",
            "reporting_cycle_days",
            "yellow_days",
            "progress_tolerance",
            "satisfaction_bar",
        ]


class MembershipSerializer(ModelSerializer):
    unit = UnitBriefSerializer()

    class Meta:
        model = Membership
        fields = ["unit", "role"]


class MeSerializer(serializers.Serializer):
    """The caller, their memberships (a role in a unit) and the roles they hold anywhere."""

    id = serializers.IntegerField(source="pk")
    username = serializers.CharField(source="get_username")
    full_name = serializers.CharField(source="get_full_name")
    email = serializers.CharField()
    is_admin = serializers.SerializerMethodField()
    memberships = MembershipSerializer(many=True)
    roles = serializers.SerializerMethodField()

    def get_is_admin(self, user: Any) -> bool:
        return is_admin(user)

    def get_roles(self, user: Any) -> list[str]:
        return sorted({m.role for m in user.memberships.all()})


class TicketBriefSerializer(ModelSerializer):
    class Meta:
        model = Ticket
        fields = ["id", "number", "state", "version", "assigned_on", "due_on", "stage_deadline"]


class FindingSerializer(ModelSerializer):
    indicator = IndicatorBriefSerializer()
    unit = UnitBriefSerializer()
    found_by = serializers.CharField(source="found_by.username")
    tickets = TicketBriefSerializer(many=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "appraisal",
            "indicator",
            "unit",
            "description",
            "severity",
            "source",
            "document_number",
            "found_by",
            "found_on",
            "recurring",
            "created_at",
            "tickets",
        ]


class FindingBriefSerializer(ModelSerializer):
    indicator = IndicatorBriefSerializer()

    class Meta:
        model = Finding
        fields = ["id", "appraisal", "indicator", "description", "severity", "source", "document_number", "recurring"]


class TicketSerializer(ModelSerializer):
    """A row of the ledger (整改台账)."""

    finding = FindingBriefSerializer()
    lead_unit = UnitBriefSerializer()
    paused = serializers.BooleanField(source="is_paused")
    warning = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "state",
            "version",
            "finding",
            "lead_unit",
            "rectification_class",
            "responsible_person",
            "assigned_on",
            "due_on",
            "stage_started_on",
            "stage_deadline",
            "paused",
            "progress",
            "listed",
            "extension_count",
            "reopen_count",
            "published_on",
            "closed_on",
            "warning",
            "updated_at",
        ]

    # The columns a page of the ledger reads (represent_rows): the fields above, through the nested serializers, and
    # what `paused` and the warning colour are computed from (selectors.ticket_warning). A page missing one fails,
    # which the ledger's representation test catches.
    columns = (
        *("id", "number", "state", "version", "rectification_class", "responsible_person", "progress", "listed"),
        *("assigned_on", "due_on", "stage_started_on", "stage_deadline", "paused_workdays_left", "published_on"),
        *("closed_on", "extension_count", "reopen_count", "updated_at"),
        *(f"finding__{name}" for name in FindingBriefSerializer.Meta.fields if name != "indicator"),
        *(f"finding__indicator__{name}" for name in IndicatorBriefSerializer.Meta.fields),
        *(f"lead_unit__{name}" for name in UnitBriefSerializer.Meta.fields),
    )

    @extend_schema_field(WARNING_FIELD)
    def get_warning(self, ticket: Ticket) -> str | None:
        return selectors.ticket_warning(ticket, self.context.get("today"))


class MilestoneSerializer(ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["title", "due_on"]


class TransitionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "date", "integer", "boolean", "unit", "list"])
    required = serializers.BooleanField()
    label = serializers.CharField()


class AvailableTransitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    fields = TransitionFieldSerializer(many=True)


class TicketDetailSerializer(TicketSerializer):
    """A ticket as selectors.ticket_detail_get reads it."""

    co_units = UnitBriefSerializer(many=True, source="co_unit_list")
    milestones = MilestoneSerializer(many=True, source="milestone_list")
    explained_by = serializers.CharField(source="explained_by.username", allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username")
    available_transitions = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "co_units",
            "lead_official",
            "contact_phone",
            "measures",
            "goal",
            "target_date",
            "milestones",
            "explanation",
            "closure_plan",
            "closure_plan_date",
            "explained_by",
            "paused_workdays_left",
            "created_by",
            "created_at",
            "available_transitions",
        ]

    @extend_schema_field(AvailableTransitionSerializer(many=True))
    def get_available_transitions(self, ticket: Ticket) -> list[dict[str, Any]]:
        user = self.context["request"].user
        return [
            {"name": spec.name, "label": str(spec.label), "target": spec.target, "fields": transition_fields(spec.name)}
            for spec in selectors.transitions_available(user, ticket)
        ]


class EventSerializer(ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    data = serializers.DictField(help_text=_("What changed, by kind of event."))

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "from_state", "to_state", "version", "data", "created_at"]


class EvidenceSerializer(ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "report", "name", "size", "sha256", "uploaded_at"]


class EvidenceAddedSerializer(serializers.Serializer):
    evidence = EvidenceSerializer(many=True)


class ProgressReportSerializer(ModelSerializer):
    author = serializers.CharField(source="author.username")
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = ProgressReport
        fields = ["id", "ticket", "author", "text", "percent", "difficulties", "evidence", "created_at"]


class _RequestSerializer(ModelSerializer):
    """What extension and pause requests share: who asked and why, and the supervisor's decision."""

    requested_by = serializers.CharField(source="requested_by.username")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    fields_shared = [
        "id",
        "ticket",
        "requested_by",
        "reason",
        "state",
        "decided_by",
        "decided_at",
        "decision_reason",
        "created_at",
    ]


class ExtensionRequestSerializer(_RequestSerializer):
    class Meta:
        model = ExtensionRequest
        fields = [*_RequestSerializer.fields_shared, "current_deadline", "requested_deadline"]


class PauseRequestSerializer(_RequestSerializer):
    class Meta:
        model = PauseRequest
        fields = [*_RequestSerializer.fields_shared, "paused_on", "resumed_on", "workdays_left"]


class UnitScorecardSerializer(serializers.Serializer):
    unit = UnitBriefSerializer()
    tickets = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True, help_text=_("Closed on or before the deadline, 0 to 1."))
    average_delay_workdays = serializers.FloatField(
        allow_null=True, help_text=_("Mean working days closed after the deadline, over closed tickets.")
    )
    reopen_count = serializers.IntegerField()
    extension_count = serializers.IntegerField()


class PublicUnitSerializer(ModelSerializer):
    class Meta:
        model = Unit
        fields = ["name"]


class PublicFindingSerializer(ModelSerializer):
    summary = serializers.CharField(source="description")
    indicator = serializers.CharField(source="indicator.name")
    dimension = serializers.CharField(source="indicator.dimension")

    class Meta:
        model = Finding
        fields = ["summary", "indicator", "dimension", "severity"]


class PublicNoticeSerializer(ModelSerializer):
    """A published explanation (公示): nothing internal — no people, no files, no working notes."""

    unit = PublicUnitSerializer(source="lead_unit")
    finding = PublicFindingSerializer()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "state",
            "unit",
            "finding",
            "rectification_class",
            "explanation",
            "closure_plan",
            "closure_plan_date",
            "assigned_on",
            "due_on",
            "published_on",
            "closed_on",
        ]


class FeedbackReceiptSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
