"""The decision pages' forms. A step's form is built from the same description the API gives for the decision's
available transitions (api.serializers.decisions.transition_fields), its choices from the same inputs; every rule
of the procedure is the service's, and its refusal comes back onto the form (pages.actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from api.serializers.decisions import DECISION_TRANSITION_INPUTS, transition_fields
from pages.forms import VersionForm
from tracker.models import SubjectKind
from tracker.models.decisions import PERSON_MEASURES, UNIT_MEASURES

LONG = {"statement", "grounds", "facts_told", "reason", "reasons", "note", "notice", "basis"}


def _choices(name: str, key: str) -> list[tuple[str, str]]:
    field = DECISION_TRANSITION_INPUTS[name]().fields[key]
    child = getattr(field, "child", field)
    return [(value, str(label)) for value, label in child.choices.items()]


def decision_step_form(name: str, *, subject_kind: str = "") -> type[VersionForm]:
    """The form of decision step `name`: one field for each field the API lists for it. Measures are offered for
    the decision's subject only (those for an organisation, or those for a person)."""
    declared: dict[str, forms.Field] = {}
    for spec in transition_fields(name):
        key, kind, required, label = spec["name"], spec["type"], spec["required"], spec["label"]
        if kind == "list":
            choices = _choices(name, key)
            if key == "measures" and subject_kind:
                fitting = {str(m) for m in (UNIT_MEASURES if subject_kind == SubjectKind.UNIT else PERSON_MEASURES)}
                choices = [(value, text) for value, text in choices if value in fitting]
            declared[key] = forms.MultipleChoiceField(
                label=label, required=required, choices=choices, widget=forms.CheckboxSelectMultiple
            )
        elif kind == "choice":
            declared[key] = forms.ChoiceField(label=label, required=required, choices=_choices(name, key))
        elif kind == "integer":
            declared[key] = forms.IntegerField(label=label, required=required, min_value=1, max_value=120)
        else:
            widget = forms.Textarea(attrs={"rows": 3}) if key in LONG else forms.TextInput()
            declared[key] = forms.CharField(label=label, required=required, max_length=2000, widget=widget)
    form = type(f"Decision{name.title().replace('_', '')}Form", (VersionForm,), declared)
    form.step = name  # type: ignore[attr-defined]
    return form


class DecisionOpenForm(forms.Form):
    """Open accountability or apply for fault tolerance from a ticket: whom it concerns and the grounds."""

    subject_kind = forms.ChoiceField(
        label=_("Subject"), choices=SubjectKind.choices, widget=forms.RadioSelect, initial=SubjectKind.UNIT
    )
    subject_name = forms.CharField(label=_("Person concerned"), required=False, max_length=50)
    subject_position = forms.CharField(label=_("Position"), required=False, max_length=100)
    facts = forms.CharField(label=_("Facts found"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    rule = forms.CharField(label=_("Rule cited"), required=False, max_length=300)


class DecisionFilterForm(forms.Form):
    """The list's filters, kept in the URL."""

    kind = forms.ChoiceField(label=_("Kind"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    unit = forms.TypedChoiceField(label=_("Unit"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, kinds: Any, states: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(kinds)
        self.fields["state"].choices = everything + list(states)
        self.fields["unit"].choices = everything + [(u.pk, u.name) for u in units]
