"""Back office: schemes are reference data, never edited in place: a change is a new scheme
version with the day it takes effect ("Make a new version"), so no clock changes after the
fact. Pathways and rights are only shown: they change through the
actions, and every look at them is on the person's audit trail (people.admin_audit)."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from coproduce.errors import ActionError
from coproduce.people.admin_audit import (
    AuditedViewOnlyAdmin,
    ViewOnlyAdmin,
    ViewOnlyInline,
    admin_actor,
)

from . import actions
from .models import Pathway, PathwayEvent, Right, Scheme, SchemeStage
from .queries import scheme_definition


class SchemeStageInline(ViewOnlyInline, admin.StackedInline):
    model = SchemeStage
    extra = 0


class NewVersionForm(forms.Form):
    code = forms.SlugField(
        required=False,
        max_length=50,
        help_text=_("Leave empty for the family and the day it takes effect."),
    )
    effective_from = forms.DateField(
        label=_("In effect from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A future day: waits opened before it keep the version they have."),
    )
    rules = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"}),
        help_text=_(
            "The new version's rules as JSON: title, public_name, explanation, "
            "at_risk_percent, response_days, right_on_breach, extra_events and stages (as in "
            "fixtures/schemes.json)."
        ),
    )

    def clean_rules(self):
        try:
            rules = json.loads(self.cleaned_data["rules"])
        except ValueError as error:
            raise forms.ValidationError(_("This is not valid JSON: %s") % error) from None
        if not isinstance(rules, dict):
            raise forms.ValidationError(_("Give the rules as one JSON object."))
        return rules


def _editable_rules(scheme: Scheme) -> str:
    definition = scheme_definition(scheme)
    shown = {field: definition[field] for field in (*actions.VERSION_FIELDS, "stages")}
    return json.dumps(shown, indent=2, ensure_ascii=False)


@admin.action(description=_("Make a new version"), permissions=["make_version"])
def make_new_version(modeladmin, request, queryset):
    """A change to a scheme is a new version with the day it takes effect: the versions
    already made, and the clocks of the waits under them, never change."""
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Select one scheme to make a new version of."))
        return None
    base = queryset.get()
    if "apply" in request.POST:
        form = NewVersionForm(request.POST)
        if form.is_valid():
            try:
                made = actions.make_scheme_version(
                    admin_actor(request),
                    scheme_id=base.pk,
                    effective_from=form.cleaned_data["effective_from"],
                    changes=form.cleaned_data["rules"],
                    code=form.cleaned_data["code"],
                )
            except ActionError as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else "rules", problem)
            else:
                modeladmin.message_user(
                    request,
                    _("The new version %(code)s is in effect from %(day)s.")
                    % {"code": made.code, "day": date_format(made.effective_from)},
                    messages.SUCCESS,
                )
                return None
    else:
        form = NewVersionForm(initial={"rules": _editable_rules(base)})
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Make a new version of %(scheme)s") % {"scheme": base},
        "opts": modeladmin.model._meta,
        "scheme": base,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/guarantees/scheme/make_version.html", context)


@admin.register(Scheme)
class SchemeAdmin(ViewOnlyAdmin):
    """Scheme versions are shown, never edited: "Make a new version" is the only change."""

    list_display = ["code", "title", "public_name", "country", "effective_from", "ends_on"]
    list_filter = ["family", "country"]
    search_fields = ["code", "title"]
    inlines = [SchemeStageInline]
    actions = [make_new_version]

    def has_make_version_permission(self, request):
        return request.user.has_perm("guarantees.add_scheme")


class PathwayEventInline(ViewOnlyInline, admin.TabularInline):
    """A wait's events, shown on the wait's page (the page's look is audited once)."""

    model = PathwayEvent
    fk_name = "pathway"
    extra = 0
    fields = ["sequence", "type", "occurred_on", "corrects", "note", "recorded_by_label"]
    readonly_fields = fields
    ordering = ["sequence"]


@admin.register(Pathway)
class PathwayAdmin(AuditedViewOnlyAdmin):
    audit_what = "wait"
    list_display = ["person", "service", "provider", "scheme", "created_at"]
    list_filter = ["scheme"]
    list_select_related = ["person", "provider", "scheme"]
    show_full_result_count = False
    inlines = [PathwayEventInline]


class OfAWaitAdmin(AuditedViewOnlyAdmin):
    """Rows that belong to a wait (its events, its rights): the wait's person is the one they
    are about, and each list row names the wait."""

    list_select_related = ["pathway__person", "pathway__provider", "pathway__scheme"]
    show_full_result_count = False

    def people_in(self, obj):
        return [obj.pathway.person]


@admin.register(PathwayEvent)
class PathwayEventAdmin(OfAWaitAdmin):
    audit_what = "events of a wait"
    list_display = ["pathway", "type", "occurred_on", "sequence", "recorded_by_label"]


@admin.register(Right)
class RightAdmin(OfAWaitAdmin):
    audit_what = "right to care elsewhere"
    list_display = ["pathway", "stage", "breached_on", "requested_at", "offered_at"]
