"""The pages' forms. They check shape only (types, lengths, sizes); every rule of the domain is the service's, and a
service's refusal comes back onto the form as field errors (pages.actions).

A transition's form is built from the same description the API gives under `available_transitions`
(api.inputs.transition_fields), so a field added to a transition appears in both.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from api.inputs import REASON, TEXT, transition_fields
from tracker.models import Appraisal, Indicator, Unit
from tracker.sheets import XLSX_CONTENT_TYPE
from workflows.models import RectificationClass, Severity

MILESTONE_ROWS = 3


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class VersionForm(forms.Form):
    """Every write on a ticket says which version of it the person read, so a change in between is caught."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _text(label: Any, required: bool, long: bool) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput()
    return forms.CharField(label=label, required=required, max_length=TEXT if long else REASON, widget=widget)


LONG_TEXT = {"measures", "goal", "explanation", "closure_plan", "comment", "satisfaction_override", "reason"}


def transition_form(name: str, *, units: Any = None) -> type[VersionForm]:
    """The form of transition `name`: a field for each field the API's description lists."""
    declared: dict[str, forms.Field] = {}
    for spec in transition_fields(name):
        key, kind, required, label = spec["name"], spec["type"], spec["required"], spec["label"]
        if kind == "date":
            declared[key] = forms.DateField(label=label, required=required, widget=DateInput())
        elif kind == "unit":
            declared[key] = forms.ModelChoiceField(
                label=label, required=required, queryset=units if units is not None else Unit.objects.none()
            )
        elif kind == "list":  # the plan's milestones: a few rows of a title and a date
            for i in range(1, MILESTONE_ROWS + 1):
                declared[f"milestone_title_{i}"] = forms.CharField(
                    label=_("Milestone %(n)s") % {"n": i}, required=False, max_length=200
                )
                declared[f"milestone_due_{i}"] = forms.DateField(
                    label=_("Milestone %(n)s date") % {"n": i}, required=False, widget=DateInput()
                )
        else:
            declared[key] = _text(label, required, key in LONG_TEXT)
    form = type(f"{name.title()}Form", (VersionForm,), declared)
    form.transition = name  # type: ignore[attr-defined]
    return form


def milestones_of(data: dict[str, Any]) -> list[tuple[str, Any]]:
    rows = []
    for i in range(1, MILESTONE_ROWS + 1):
        title, due = data.pop(f"milestone_title_{i}", ""), data.pop(f"milestone_due_{i}", None)
        if title or due:
            rows.append((title or "", due))
    return rows


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several files at once; each within EVIDENCE_MAX_BYTES (its type is the service's to judge)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise forms.ValidationError(_("Attach at least one file."))
        if len(files) > settings.API_MAX_FILES:
            raise forms.ValidationError(_("Attach at most %(n)s files at a time.") % {"n": settings.API_MAX_FILES})
        cleaned = [super(EvidenceFilesField, self).clean(f, initial) for f in files]
        limit = settings.EVIDENCE_MAX_BYTES
        too_big = [f.name for f in cleaned if (f.size or 0) > limit]
        if too_big:
            raise forms.ValidationError(
                _("%(names)s: a file may be at most %(mb)s MB.")
                % {"names": "、".join(too_big), "mb": limit // (1024 * 1024)}
            )
        return cleaned


class ProgressForm(VersionForm):
    text = forms.CharField(label=gettext_lazy("What was done"), max_length=TEXT, widget=forms.Textarea({"rows": 3}))
    percent = forms.IntegerField(label=gettext_lazy("Percent done"), min_value=0, max_value=100)
    difficulties = forms.CharField(
        label=gettext_lazy("Difficulties / coordination needed"),
        required=False,
        max_length=TEXT,
        widget=forms.Textarea({"rows": 2}),
    )
    files = EvidenceFilesField(label=gettext_lazy("Evidence files"), required=False)


class EvidenceForm(VersionForm):
    files = EvidenceFilesField(label=gettext_lazy("Evidence files"), required=True)
    public = forms.BooleanField(
        label=gettext_lazy("Publish these files on the public register"),
        required=False,
        help_text=gettext_lazy(
            "They are shown with the public explanation once it is published. Leave unticked for internal material."
        ),
    )


class ExtensionForm(VersionForm):
    requested_deadline = forms.DateField(label=gettext_lazy("Requested deadline"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON, widget=forms.Textarea({"rows": 2}))


class PauseForm(VersionForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=REASON, widget=forms.Textarea({"rows": 2}))


class ResumeForm(VersionForm):
    pass


class ListForm(VersionForm):
    """挂牌督办 from the ticket page."""

    reason = forms.CharField(
        label=gettext_lazy("Why it is listed"), max_length=REASON, widget=forms.Textarea({"rows": 2})
    )


class FollowUpForm(VersionForm):
    """What follows a listing: a summons talk (约谈) or a circulated notice (通报)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Step"),
        choices=[
            ("summoned", gettext_lazy("Summons talk (约谈)")),
            ("circulated", gettext_lazy("Circulated notice (通报)")),
        ],
        widget=forms.RadioSelect,
    )
    held_on = forms.DateField(
        label=gettext_lazy("Talk held on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("For a summons talk."),
    )
    note = forms.CharField(
        label=gettext_lazy("Record (what was agreed; the notice's text or number)"),
        max_length=TEXT,
        widget=forms.Textarea({"rows": 3}),
    )


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Approve")), ("0", gettext_lazy("Reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (required to reject)"),
        required=False,
        max_length=REASON,
        widget=forms.Textarea({"rows": 2}),
    )


class FindingForm(forms.Form):
    indicator = forms.ModelChoiceField(label=gettext_lazy("Indicator"), queryset=Indicator.objects.none())
    unit = forms.ModelChoiceField(label=gettext_lazy("Responsible unit"), queryset=Unit.objects.none())
    co_units = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Co-units"), queryset=Unit.objects.none(), required=False
    )
    description = forms.CharField(
        label=gettext_lazy("Description of the problem"), max_length=TEXT, widget=forms.Textarea({"rows": 4})
    )
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices, initial=Severity.GENERAL)
    rectification_class = forms.ChoiceField(
        label=gettext_lazy("Rectification class"),
        choices=RectificationClass.choices,
        initial=RectificationClass.TIME_LIMITED,
    )
    source = forms.CharField(label=gettext_lazy("Source"), max_length=100)
    document_number = forms.CharField(label=gettext_lazy("Document number"), max_length=100, required=False)
    due_on = forms.DateField(
        label=gettext_lazy("Rectification deadline"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Leave empty for the deadline the policy gives."),
    )
    lead_official = forms.CharField(label=gettext_lazy("Lead official"), max_length=50, required=False)
    responsible_person = forms.CharField(label=gettext_lazy("Responsible person"), max_length=50, required=False)

    def __init__(self, *args: Any, indicators: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators
        self.fields["unit"].queryset = units
        self.fields["co_units"].queryset = units


def _language_choices() -> list[tuple[str, str]]:
    """Each language by its own name (简体中文, English), as language choosers show them."""
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class PreferenceForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of your messages"),
        choices=_language_choices,
        help_text=gettext_lazy(
            "Reminders, chases and every other message to you are written in it, here, by email and by SMS. "
            "The switch at the top changes the pages only."
        ),
    )
    email = forms.BooleanField(label=gettext_lazy("Also by email"), required=False)
    sms = forms.BooleanField(label=gettext_lazy("Also by SMS"), required=False)
    phone = forms.CharField(label=gettext_lazy("Mobile number for SMS"), max_length=30, required=False)


class FindingsImportForm(forms.Form):
    """The upload of a filled-in findings template. What is in it is the import service's to judge, whole."""

    file = forms.FileField(
        label=gettext_lazy("Filled-in template (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx," + XLSX_CONTENT_TYPE}),
    )
    appraisal = forms.ModelChoiceField(
        label=gettext_lazy("Appraisal"),
        queryset=Appraisal.objects.none(),
        required=False,
        empty_label=gettext_lazy("Each row names its appraisal"),
        help_text=gettext_lazy(
            "Choose one to import every row into it; the sheet's appraisal column is then not read."
        ),
    )

    def __init__(self, *args: Any, appraisals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["appraisal"].queryset = appraisals
