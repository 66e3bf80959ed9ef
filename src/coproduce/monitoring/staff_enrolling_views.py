"""Enrolling a person in monitoring, for a clinician with a basis in their health record: the
programme and the organisation whose care team watches, then the care team, the person's
thresholds and the window, then everything to check before the enrolment itself (which goes
through monitoring.actions). What is chosen waits in the session between the steps."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from coproduce.people.access import Access, Actor, PersonNotFound, audit_look, person_access
from coproduce.people.models import Organisation, RecordCategory
from coproduce.web.form_path import form_errors, posted, submit

from . import actions, queries, timing
from .models import Programme
from .staff_forms import EnrolDetailsForm, EnrolStartForm, shown_value
from .staff_queries import (
    clinician_organisations,
    colleagues_at,
    programme_with_key,
    programmes_to_offer,
)


def _enrol_access(request: HttpRequest, person_id) -> tuple[Actor, Access, list[Organisation]]:
    actor = Actor.for_web(request)
    organisations = clinician_organisations(actor)
    if not organisations:
        raise PersonNotFound
    access = person_access(actor, person_id, category=RecordCategory.HEALTH, write=True)
    if access.is_self:
        raise PersonNotFound
    return actor, access, organisations


def _session_key(person_id) -> str:
    return f"monitoring-enrol-{person_id}"


def _enrol_url(name: str, person_id) -> str:
    return reverse(f"monitoring:{name}", kwargs={"person_id": person_id})


@never_cache
@login_required
def enrol(request: HttpRequest, person_id) -> HttpResponse:
    """Enrolling, first step: which programme, and which organisation's care team."""
    actor, access, organisations = _enrol_access(request, person_id)
    programmes = programmes_to_offer(access.person)
    form = EnrolStartForm(posted(request), programmes=programmes, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        request.session[_session_key(person_id)] = {
            "programme": form.cleaned_data["programme"],
            "organisation": form.cleaned_data["organisation"],
        }
        return redirect(_enrol_url("enrol-details", person_id))
    audit_look(actor, access, what="enrol in monitoring")
    context = {
        "person": access.person,
        "form": form,
        **form_errors(form),
        "programmes": programmes,
        "choose_organisation": len(organisations) > 1,
    }
    return render(request, "monitoring/staff/enrol_start.html", context)


@dataclass
class EnrolChoice:
    programme: Programme
    organisation: Organisation
    definition: object


def _enrol_choice(request, person_id, organisations) -> EnrolChoice | None:
    chosen = request.session.get(_session_key(person_id)) or {}
    programme = programme_with_key(chosen.get("programme", ""))
    organisation = next(
        (org for org in organisations if org.pk == chosen.get("organisation")), None
    )
    if programme is None or organisation is None:
        return None
    return EnrolChoice(programme, organisation, queries.programme_definition(programme))


def _service_today():
    """Today where the person checks in: enrolments take the service's time zone."""
    return timing.local_day(timezone.now(), timezone.get_default_timezone_name())


def _details_form(choice: EnrolChoice, data, actor: Actor) -> EnrolDetailsForm:
    colleagues = colleagues_at(choice.organisation)
    form = EnrolDetailsForm(
        data,
        definition=choice.definition,
        colleagues=colleagues,
        defaults=queries.effective_settings(choice.programme),
        today=_service_today(),
    )
    if data is None and any(user.pk == actor.user.pk for user, _title in colleagues):
        form.initial.setdefault("member_1", str(actor.user.pk))
    return form


def _details_page(request, access: Access, choice: EnrolChoice, form) -> HttpResponse:
    context = {
        "person": access.person,
        "choice": choice,
        "form": form,
        **form_errors(form),
    }
    return render(request, "monitoring/staff/enrol_details.html", context)


@never_cache
@login_required
def enrol_details(request: HttpRequest, person_id) -> HttpResponse:
    """Enrolling, second step: the care team, the person's thresholds, the window."""
    actor, access, organisations = _enrol_access(request, person_id)
    choice = _enrol_choice(request, person_id, organisations)
    if choice is None:
        return redirect(_enrol_url("enrol", person_id))
    form = _details_form(choice, posted(request), actor)
    if request.method == "POST" and form.is_valid():
        chosen = request.session[_session_key(person_id)]
        details = {
            name: value for name, value in request.POST.items() if name != "csrfmiddlewaretoken"
        }
        request.session[_session_key(person_id)] = {**chosen, "details": details}
        return redirect(_enrol_url("enrol-check", person_id))
    if request.method != "POST":
        saved = (request.session.get(_session_key(person_id)) or {}).get("details")
        if saved:
            form = _details_form(choice, None, actor)
            form.initial.update(saved)
    audit_look(actor, access, what="enrol in monitoring")
    return _details_page(request, access, choice, form)


@never_cache
@login_required
def enrol_check(request: HttpRequest, person_id) -> HttpResponse:
    """Enrolling, last step: everything chosen, to check, then the enrolment itself."""
    actor, access, organisations = _enrol_access(request, person_id)
    choice = _enrol_choice(request, person_id, organisations)
    details = (request.session.get(_session_key(person_id)) or {}).get("details")
    if choice is None or details is None:
        return redirect(_enrol_url("enrol", person_id))
    form = _details_form(choice, details, actor)
    if not form.is_valid():
        # What was chosen no longer holds (a colleague's role ended): the details again.
        audit_look(actor, access, what="enrol in monitoring")
        return _details_page(request, access, choice, form)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda data: actions.enrol(
                actor,
                person_id=access.person.pk,
                programme_key=choice.programme.key,
                organisation_id=choice.organisation.pk,
                team=form.team(),
                settings=form.settings(),
                window_opens=data["window_opens"],
                window_closes=data["window_closes"],
                starts_on=data["starts_on"],
            ),
            success=_("%(name)s is enrolled in %(programme)s.")
            % {"name": access.person.full_name, "programme": choice.definition.title},
            redirect_to=lambda enrolment: reverse(
                "monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk}
            ),
        )
        if done:
            request.session.pop(_session_key(person_id), None)
            return done
        audit_look(actor, access, what="enrol in monitoring")
        return _details_page(request, access, choice, form)
    audit_look(actor, access, what="enrol in monitoring")
    colleagues = dict((str(user.pk), user) for user, _title in colleagues_at(choice.organisation))
    team = [(colleagues.get(str(member.user_id)), member.job_title) for member in form.team()]
    own = form.settings()
    settings = [
        (
            setting.label,
            shown_value(setting, form.cleaned_data.get(f"setting_{setting.key}")),
            setting.key not in own,
        )
        for setting in choice.definition.settings
    ]
    context = {
        "person": access.person,
        "choice": choice,
        "team": team,
        "settings": settings,
        "window_opens": form.cleaned_data["window_opens"],
        "window_closes": form.cleaned_data["window_closes"],
        "starts_on": form.cleaned_data["starts_on"],
    }
    return render(request, "monitoring/staff/enrol_check.html", context)
