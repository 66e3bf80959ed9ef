"""An enrolment's pages, for the person's care team: their thresholds (the programme's
default and their own) with every change, changing one, and stopping their monitoring."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from coproduce.people.access import Actor, audit_look
from coproduce.web.form_path import form_errors, posted, submit

from . import actions, queries
from .models import Enrolment
from .staff_forms import EndEnrolmentForm, ThresholdChangeForm, shown_value
from .staff_queries import enrolment_for_team, threshold_changes
from .staff_views import moment_words


@dataclass
class SettingLine:
    key: str
    label: str
    value: str
    default: str
    own: bool


def setting_lines(enrolment: Enrolment, definition) -> list[SettingLine]:
    """The person's thresholds in words, each beside the programme's default (this page
    and the alert page)."""
    defaults = queries.effective_settings(enrolment.programme)
    current = queries.effective_settings(enrolment.programme, enrolment)
    return [
        SettingLine(
            key=setting.key,
            label=setting.label,
            value=shown_value(setting, current.get(setting.key)),
            default=shown_value(setting, defaults.get(setting.key)),
            own=setting.key in enrolment.settings,
        )
        for setting in definition.settings
    ]


@dataclass
class ChangeLine:
    change: object
    label: str
    old: str
    new: str
    when: str


@never_cache
@login_required
def thresholds(request: HttpRequest, enrolment_id) -> HttpResponse:
    """The person's thresholds (the programme's default and their own), each with a link to
    change it, and every change with who, when and why."""
    actor = Actor.for_web(request)
    enrolment, access = enrolment_for_team(actor, enrolment_id)
    audit_look(actor, access, what="monitoring thresholds")
    definition = queries.programme_definition(enrolment.programme)
    now = timezone.now()
    settings = {setting.key: setting for setting in definition.settings}
    lines = setting_lines(enrolment, definition)
    changes = []
    for change in threshold_changes(enrolment):
        setting = settings.get(change.key)
        changes.append(
            ChangeLine(
                change=change,
                label=setting.label if setting else change.key,
                old=shown_value(setting, change.old_value) if setting else str(change.old_value),
                new=shown_value(setting, change.new_value) if setting else str(change.new_value),
                when=moment_words(change.changed_at, now, enrolment.time_zone),
            )
        )
    context = {
        "enrolment": enrolment,
        "person": access.person,
        "programme": definition,
        "lines": lines,
        "changes": changes,
        "team": queries.current_team(enrolment),
    }
    return render(request, "monitoring/staff/thresholds.html", context)


@never_cache
@login_required
def change_threshold(request: HttpRequest, enrolment_id, key: str) -> HttpResponse:
    actor = Actor.for_web(request)
    enrolment, access = enrolment_for_team(actor, enrolment_id)
    definition = queries.programme_definition(enrolment.programme)
    setting = definition.setting(key)
    if setting is None:
        raise Http404
    defaults = queries.effective_settings(enrolment.programme)
    current = queries.effective_settings(enrolment.programme, enrolment)
    form = ThresholdChangeForm(
        posted(request),
        setting=setting,
        default=defaults.get(key),
        current=current.get(key),
    )
    back = reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk})
    done = submit(
        request,
        form,
        lambda data: actions.change_settings(
            actor, values={key: data["value"]}, why=data["why"], enrolment_id=enrolment.pk
        ),
        success=lambda changes: (
            _("%(setting)s is now %(value)s.")
            % {"setting": setting.label, "value": shown_value(setting, form.cleaned_data["value"])}
            if changes
            else _("Nothing changed: that was already the value.")
        ),
        redirect_to=back,
    )
    if done:
        return done
    audit_look(actor, access, what="monitoring thresholds")
    context = {
        "enrolment": enrolment,
        "person": access.person,
        "setting": setting,
        "current": shown_value(setting, current.get(key)),
        "form": form,
        **form_errors(form),
        "back_url": back,
    }
    return render(request, "monitoring/staff/change_threshold.html", context)


@never_cache
@login_required
def end_enrolment(request: HttpRequest, enrolment_id) -> HttpResponse:
    """Stop monitoring a person, with why: they stop being asked to check in; alerts still
    open stay in the queue to be closed."""
    actor = Actor.for_web(request)
    enrolment, access = enrolment_for_team(actor, enrolment_id)
    form = EndEnrolmentForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: actions.end_enrolment(actor, enrolment_id=enrolment.pk, reason=data["reason"]),
        success=_("Monitoring of %(name)s in %(programme)s has stopped.")
        % {"name": access.person.full_name, "programme": enrolment.programme.title},
        redirect_to=reverse("people:person", kwargs={"person_id": access.person.pk})
        + "#monitoring",
    )
    if done:
        return done
    audit_look(actor, access, what="monitoring: stopping it")
    context = {
        "enrolment": enrolment,
        "person": access.person,
        "form": form,
        **form_errors(form),
        "back_url": reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk}),
    }
    return render(request, "monitoring/staff/end_enrolment.html", context)
