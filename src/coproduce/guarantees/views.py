"""Waits pages: "My waits" for a person and the people they act for (with the right to care
elsewhere in one step), and for staff the waiting-list worklist, a pathway's events and clock,
opening a wait, offering care elsewhere and recording treatment there.

Views are thin: every look at a person goes through access_person (which applies the access
rule and writes the audit row) or, for lists, coproduce.listing; every change through
guarantees.actions. The clocks shown are live (evaluated now from the events), never the
stored StageRecord, which only chooses the rows of the worklist.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from coproduce.listing import PeopleShown, page_for_site
from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    access_as_citizen,
    audit_look,
    citizen_access,
    may_act_on_behalf,
    organisation_and_children,
    person_access,
)
from coproduce.people.models import Organisation, Person, RecordCategory
from coproduce.people.queries import people_acted_for
from coproduce.web.form_path import confirm, form_errors, posted, submit
from coproduce.web.forms import OnBehalfForm
from coproduce.web.pagination import page_links

from . import actions, queries
from .forms import (
    OfferForm,
    OpenPathwayForm,
    ProviderFilterForm,
    RecordEventForm,
    ReplyOnBehalfForm,
    TreatedElsewhereForm,
    WithdrawEventForm,
    event_label,
    events_to_offer,
)
from .models import Pathway, PathwayEvent, Right, Scheme, StageRecord
from .queries import (
    RightStatus,
    open_requests,
    right_overdue,
    right_status,
    scheme_rules,
    waits_for_person,
    worklist_candidates,
)
from .rules import ExclusionKind, LimitUnit, StageClock, StageRule, Status

WORKLIST_PAGE_SIZE = 50
PATHWAY_PAGE_LOOK = "wait: events and clock"

# status -> (tag text, GOV.UK tag colour). "at_risk" is a running stage near its deadline.
STATUS_TAGS = {
    "met": (gettext_lazy("Met"), "green"),
    "running": (gettext_lazy("Waiting"), "blue"),
    "at_risk": (gettext_lazy("At risk"), "orange"),
    "breached": (gettext_lazy("Deadline missed"), "red"),
    "lapsed": (gettext_lazy("Lapsed"), "grey"),
    "nullified": (gettext_lazy("Clock stopped"), "grey"),
    "not_started": (gettext_lazy("Not started"), "grey"),
}
RIGHT_TAGS = {
    RightStatus.OWED: (gettext_lazy("You can ask"), "purple"),
    RightStatus.REQUESTED: (gettext_lazy("Asked"), "light-blue"),
    RightStatus.OFFERED: (gettext_lazy("Offered"), "yellow"),
    RightStatus.ACCEPTED: (gettext_lazy("Accepted"), "green"),
    RightStatus.DECLINED: (gettext_lazy("Declined"), "grey"),
    RightStatus.TREATED: (gettext_lazy("Treated"), "green"),
    RightStatus.ENDED: (gettext_lazy("No longer needed: this stage is over"), "grey"),
}
# The right on a wait's staff page, in staff's words (accepted and declined read the same).
STAFF_RIGHT_TAGS = {
    **RIGHT_TAGS,
    RightStatus.OWED: (gettext_lazy("Owed: the person can ask"), "purple"),
    RightStatus.REQUESTED: (gettext_lazy("Asked: waiting for an offer"), "blue"),
    RightStatus.OFFERED: (gettext_lazy("Offered: waiting for their answer"), "yellow"),
    RightStatus.TREATED: (gettext_lazy("Treated elsewhere"), "green"),
    RightStatus.ENDED: (gettext_lazy("No longer owed: the stage ended before they asked"), "grey"),
}
# What staff see of a request for care elsewhere that is still in hand.
REQUEST_TAGS = {
    RightStatus.REQUESTED: (gettext_lazy("Waiting for an offer"), "blue"),
    RightStatus.OFFERED: (gettext_lazy("Waiting for their answer"), "yellow"),
    RightStatus.ACCEPTED: (gettext_lazy("Accepted: record the treatment"), "green"),
}
EXCLUSION_WORDS = {
    ExclusionKind.PATIENT: gettext_lazy(
        "a longer wait agreed with the clinician (patient-chosen wait)"
    ),
    ExclusionKind.MEDICAL: gettext_lazy("a wait for a medical reason"),
    ExclusionKind.EXAMINATION: gettext_lazy("examinations before the visit or treatment"),
}


def long_date(day: date | None) -> str:
    return date_format(day, "j F Y") if day else ""


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


# --- A stage's clock, in words -------------------------------------------------------------


@dataclass
class StageDisplay:
    """One stage of a wait as the pages say it."""

    clock: StageClock
    title: str
    plain_words: str  # the guarantee as the person is told it ("You will ...")
    status: str
    tag_text: str
    tag_colour: str
    countdown: str = ""
    is_open: bool = False
    excluded: list[str] = field(default_factory=list)
    paused_by: str = ""
    explanation: str = ""
    right: Right | None = None
    right_status: RightStatus | None = None
    right_tag: tuple[str, str] | None = None
    staff_right_tag: tuple[str, str] | None = None
    right_overdue: bool = False
    can_ask: bool = False
    alternatives: list[tuple[Organisation, int]] = field(default_factory=list)
    # The guarantee in words about nobody in particular, for pages about someone else (a
    # carer's, staff's): the scheme's own words say "you".
    allows: str = ""

    @property
    def code(self) -> str:
        return self.clock.stage


def _limit(rule: StageRule) -> str:
    if rule.unit == LimitUnit.WEEKS:
        return ngettext("%(count)d week", "%(count)d weeks", rule.limit) % {"count": rule.limit}
    if rule.unit == LimitUnit.WORKING_DAYS:
        return ngettext("%(count)d working day", "%(count)d working days", rule.limit) % {
            "count": rule.limit
        }
    return _days(rule.limit)


def allows(rule: StageRule) -> str:
    """ "The guarantee allows 18 weeks for this stage.": the promise, about nobody."""
    return _("The guarantee allows %(limit)s for this stage.") % {"limit": _limit(rule)}


def status_key(clock: StageClock) -> str:
    if clock.status == Status.RUNNING and clock.at_risk:
        return "at_risk"
    return str(clock.status)


def countdown(clock: StageClock, today: date) -> str:
    """ "23 days left", "due today" or "4 days past the deadline", for an open stage."""
    if clock.deadline is None or clock.end is not None:
        return ""
    left = (clock.deadline - today).days
    if left > 0:
        return ngettext("%(count)d day left", "%(count)d days left", left) % {"count": left}
    if left == 0:
        return _("Due today")
    return ngettext(
        "%(count)d day past the deadline", "%(count)d days past the deadline", -left
    ) % {"count": -left}


def _explanation(clock: StageClock) -> str:
    if clock.status == Status.LAPSED:
        return _(
            "The guarantee no longer applies to this stage: for example, care offered elsewhere "
            "was declined, or two appointments were missed."
        )
    if clock.status == Status.NULLIFIED:
        return _(
            "The clock was stopped because an appointment was missed before the first visit. "
            "A new clock starts when the appointment is rebooked."
        )
    return ""


def alternatives(pathway: Pathway, stage: str, today: date) -> list[tuple[Organisation, int]]:
    """Other providers of the service meeting the guarantee now, with their median wait in
    whole days."""
    return [
        (provider, round(median))
        for provider, median in queries.alternative_providers(pathway, stage, today)
    ]


def stage_displays(
    pathway: Pathway,
    today: date,
    *,
    rights: dict | None = None,
    can_ask: bool = False,
    with_alternatives: bool = False,
) -> list[StageDisplay]:
    """Every stage of the pathway, live, with its right (if it breached) in words."""
    rules = scheme_rules(pathway.scheme)
    rights = queries.rights_for_pathway(pathway) if rights is None else rights
    shown = []
    for clock in queries.pathway_clocks(pathway, today):
        rule = rules.stage(clock.stage)
        key = status_key(clock)
        tag_text, tag_colour = STATUS_TAGS[key]
        display = StageDisplay(
            clock=clock,
            title=rule.title,
            plain_words=rule.plain_words,
            allows=allows(rule),
            status=key,
            tag_text=str(tag_text),
            tag_colour=tag_colour,
            countdown=countdown(clock, today),
            is_open=clock.start is not None and clock.end is None and clock.deadline is not None,
            excluded=[
                _("%(days)s for %(why)s") % {"days": _days(days), "why": EXCLUSION_WORDS[kind]}
                for kind, days in clock.excluded_by_kind
                if days
            ],
            paused_by=str(EXCLUSION_WORDS[clock.paused_by]) if clock.paused_by else "",
            explanation=_explanation(clock),
        )
        right = rights.get((clock.stage, clock.start)) if clock.start else None
        if right is not None:
            status = right_status(right, clock)
            tag_text, tag_colour = RIGHT_TAGS[status]
            display.right = right
            display.right_status = status
            display.right_tag = (str(tag_text), tag_colour)
            staff_text, staff_colour = STAFF_RIGHT_TAGS[status]
            display.staff_right_tag = (str(staff_text), staff_colour)
            display.right_overdue = right_overdue(right, today)
        breached_open = clock.status == Status.BREACHED and display.is_open
        display.can_ask = (
            can_ask and breached_open and (display.right_status in (None, RightStatus.OWED))
        )
        if (
            with_alternatives
            and breached_open
            and display.right_status
            in (
                None,
                RightStatus.OWED,
                RightStatus.REQUESTED,
            )
        ):
            display.alternatives = alternatives(pathway, clock.stage, today)
        shown.append(display)
    return shown


# --- My waits ------------------------------------------------------------------------------


@dataclass
class WaitDisplay:
    pathway: Pathway
    stages: list[StageDisplay]

    @property
    def is_breached(self) -> bool:
        return any(stage.status == "breached" and stage.is_open for stage in self.stages)

    @property
    def is_open(self) -> bool:
        return any(stage.is_open for stage in self.stages)

    @property
    def needs_action(self) -> bool:
        """An offer to answer, or a missed deadline with its "Ask for care elsewhere"."""
        return any(
            stage.can_ask or stage.right_status == RightStatus.OFFERED for stage in self.stages
        )


def _waits_access(request: HttpRequest, person_id, *, what: str) -> tuple[Actor, Access]:
    """The signed-in citizen's own waits, or those of someone they act for (as My data)."""
    actor = Actor.for_web(request)
    return actor, access_as_citizen(actor, person_id, what=what, category=RecordCategory.HEALTH)


def _my_waits_url(person: Person, actor: Actor) -> str:
    own = actor.own_person
    if own is not None and own.pk == person.pk:
        return reverse("guarantees:my-waits")
    return reverse("guarantees:my-waits-for", kwargs={"person_id": person.pk})


def _back_to_wait(actor: Actor, pathway: Pathway) -> str:
    """The wait on My waits (the person's own, or of the person they act for)."""
    return _my_waits_url(Person(pk=pathway.person_id), actor) + f"#wait-{pathway.pk}"


@never_cache
@login_required
def my_waits(request: HttpRequest, person_id=None) -> HttpResponse:
    """Each wait with its guarantee in plain words, the live clock and the right on breach."""
    actor, access = _waits_access(request, person_id, what="waits (My waits page)")
    today = timezone.localdate()
    waits = [
        WaitDisplay(
            pathway=pathway,
            stages=stage_displays(pathway, today, can_ask=access.can_act, with_alternatives=True),
        )
        for pathway in waits_for_person(access.person)
    ]
    # What needs an answer first (an offer, a missed deadline to ask about), then the other
    # waits past their deadline, then the ones still running, then those that ended.
    waits.sort(key=lambda wait: (not wait.needs_action, not wait.is_breached, not wait.is_open))
    own = actor.own_person
    context = {
        "access": access,
        "person": access.person,
        "waits": waits,
        "today": today,
        "acting_for": list(people_acted_for(own)) if access.is_self else [],
    }
    return render(request, "guarantees/my_waits.html", context)


def _citizen_pathway(request: HttpRequest, pathway_id) -> tuple[Actor, Pathway, Access]:
    """A wait of the person, or of someone they manage, for them to act on: checked here, and
    audited once, by the action that changes it (a page shown audits its look)."""
    pathway = (
        Pathway.objects.filter(pk=pathway_id)
        .select_related("scheme", "provider")
        .prefetch_related("events", "rights")
        .first()
    )
    if pathway is None:
        raise PersonNotFound
    actor = Actor.for_web(request)
    access = citizen_access(actor, pathway.person_id, category=RecordCategory.HEALTH, write=True)
    return actor, pathway, access


@never_cache
@login_required
def ask_for_care_elsewhere(request: HttpRequest, pathway_id, stage: str) -> HttpResponse:
    """Asking for care elsewhere once a stage has missed its deadline, with a check step: the
    page says what happens next (GET), its button asks (POST). No JavaScript needed."""
    actor, pathway, access = _citizen_pathway(request, pathway_id)
    back = _back_to_wait(actor, pathway)
    if request.method == "POST":
        return confirm(
            request,
            lambda: actions.ask_for_care_elsewhere(actor, pathway_id=pathway.pk, stage=stage),
            success=lambda right: (
                _(
                    "You have asked for care elsewhere. The region must reply by %(date)s. "
                    "We will tell you as soon as there is an offer."
                )
                % {"date": long_date(right.respond_by)}
            ),
            redirect_to=back,
        )
    today = timezone.localdate()
    shown = next(
        (
            display
            for display in stage_displays(pathway, today, can_ask=True)
            if display.code == stage and display.can_ask
        ),
        None,
    )
    if shown is None:
        messages.error(request, _("Care elsewhere cannot be asked for on this wait now."))
        return redirect(back)
    audit_look(actor, access, what="wait: asking for care elsewhere")
    rules = scheme_rules(pathway.scheme)
    context = {
        "access": access,
        "person": access.person,
        "pathway": pathway,
        "stage": shown,
        "respond_by": today + timedelta(days=pathway.scheme.response_days),
        "lapses": "declined_alternative" in rules.stage(stage).lapse_events,
        "back_url": back,
    }
    return render(request, "guarantees/ask.html", context)


def _citizen_right(request: HttpRequest, right_id) -> tuple[Actor, Right, Access]:
    """An offer made to the person, or to someone they manage, for them to answer: checked
    here, with no audit row (the answer's action audits it; a page shown audits its look)."""
    right = (
        Right.objects.select_related("pathway__scheme", "pathway__provider", "offered_provider")
        .filter(pk=right_id)
        .first()
    )
    if right is None:
        raise PersonNotFound
    actor = Actor.for_web(request)
    access = citizen_access(
        actor, right.pathway.person_id, category=RecordCategory.HEALTH, write=True
    )
    return actor, right, access


@login_required
@require_POST
def accept_offer(request: HttpRequest, right_id: int) -> HttpResponse:
    actor, right, _access = _citizen_right(request, right_id)
    return confirm(
        request,
        lambda: actions.reply_to_offer(actor, right_id=right.pk, accept=True),
        success=lambda accepted: (
            _("You accepted the appointment at %(provider)s on %(date)s.")
            % {
                "provider": accepted.offered_provider.name,
                "date": long_date(accepted.offered_appointment_on),
            }
        ),
        redirect_to=_back_to_wait(actor, right.pathway),
    )


@never_cache
@login_required
def decline_offer(request: HttpRequest, right_id: int) -> HttpResponse:
    """Declining ends the guarantee for the stage, so it is asked twice: this page warns."""
    actor, right, access = _citizen_right(request, right_id)
    back = _back_to_wait(actor, right.pathway)
    if request.method == "POST":
        return confirm(
            request,
            lambda: actions.reply_to_offer(actor, right_id=right.pk, accept=False),
            success=_("You declined the appointment at %(provider)s.")
            % {"provider": right.offered_provider.name},
            redirect_to=back,
        )
    if right_status(right) != RightStatus.OFFERED:
        messages.error(request, _("There is no offer waiting for an answer."))
        return redirect(back)
    audit_look(actor, access, what="offer of care elsewhere")
    rules = scheme_rules(right.pathway.scheme)
    stage = rules.stage(right.stage)
    context = {
        "right": right,
        "stage_title": stage.title,
        "lapses": "declined_alternative" in stage.lapse_events,
        "back_url": back,
    }
    return render(request, "guarantees/decline_offer.html", context)


# --- Staff: who may be listed --------------------------------------------------------------


def _providers_of(actor: Actor) -> list[Organisation]:
    """The organisations the actor works for, in the order of their roles, once each."""
    seen: dict[int, Organisation] = {}
    for role in actor.roles:
        seen.setdefault(role.organisation_id, role.organisation)
    return list(seen.values())


# --- Staff: the worklist -------------------------------------------------------------------


@dataclass
class WorklistRow:
    record: StageRecord
    stage: StageDisplay


@dataclass
class RequestRow:
    right: Right
    status: RightStatus
    tag: tuple[str, str]
    overdue: bool
    stage_title: str


@never_cache
@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """A provider's waiting list: requests for care elsewhere, then the waits at risk or past
    their deadline, soonest deadline first. Every name shown is a look, and audited."""
    actor = Actor.for_web(request)
    providers = _providers_of(actor)
    if not providers:
        raise Http404
    chosen = request.GET.get("provider", "")
    provider = providers[0]
    if chosen:
        provider = next((org for org in providers if str(org.pk) == chosen), None)
        if provider is None:
            raise Http404
    provider_ids = organisation_and_children([provider.pk])
    today = timezone.localdate()

    why = f"Listed on the waiting list of {provider.name}"[:300]
    requests_page = page_for_site(
        request,
        actor,
        open_requests(actor, provider_ids),
        PeopleShown(
            what="name and request for care elsewhere (waiting list worklist)",
            why=why,
            person=lambda right: right.pathway.person,
        ),
        per_page=WORKLIST_PAGE_SIZE,
        parameter="requests_page",
    )
    request_rows = []
    for right in requests_page.object_list:
        status = right_status(right)
        tag_text, tag_colour = REQUEST_TAGS[status]
        rules = scheme_rules(right.pathway.scheme)
        request_rows.append(
            RequestRow(
                right=right,
                status=status,
                tag=(str(tag_text), tag_colour),
                overdue=right_overdue(right, today),
                stage_title=rules.stage(right.stage).title,
            )
        )

    waits_page = page_for_site(
        request,
        actor,
        worklist_candidates(actor, provider_ids, today),
        PeopleShown(
            what="name and wait (waiting list worklist)",
            why=why,
            person=lambda record: record.pathway.person,
        ),
        per_page=WORKLIST_PAGE_SIZE,
    )
    records = waits_page.object_list
    pathways = list({record.pathway_id: record.pathway for record in records}.values())
    prefetch_related_objects(pathways, "events")
    live = {
        pathway.pk: {stage.code: stage for stage in stage_displays(pathway, today, rights={})}
        for pathway in pathways
    }
    rows = [
        WorklistRow(record=record, stage=live[record.pathway_id][record.stage])
        for record in records
    ]

    context = {
        "providers": providers,
        "provider": provider,
        "provider_form": ProviderFilterForm(initial={"provider": provider.pk}, providers=providers),
        "request_rows": request_rows,
        "requests_links": page_links(
            request,
            requests_page,
            parameter="requests_page",
            label=_("Pages of requests for care elsewhere"),
        ),
        "rows": rows,
        "waits_links": page_links(request, waits_page, parameter="page", label=_("Pages of waits")),
        "today": today,
    }
    return render(request, "guarantees/worklist.html", context)


# --- Staff: a right's next step ------------------------------------------------------------


def _staff_right(actor: Actor, right_id, *, write: bool) -> tuple[Right, Access]:
    """A right at a provider the actor acts for: the rule alone, with no audit row (the page
    audits its look; a change is audited once, by its action)."""
    right = (
        Right.objects.select_related(
            "pathway__person", "pathway__provider", "pathway__scheme", "offered_provider"
        )
        .filter(pk=right_id, pathway__in=queries.provider_scope(actor))
        .first()
    )
    if right is None:
        raise PersonNotFound
    access = person_access(
        actor, right.pathway.person_id, category=RecordCategory.HEALTH, write=write
    )
    return right, access


def _worklist_url(right: Right, actor: Actor) -> str:
    """Back to the worklist of the actor's organisation that holds this wait."""
    ids = actor.organisation_ids
    provider = right.pathway.provider
    chosen = provider.pk if provider.pk in ids else provider.parent_id
    return f"{reverse('guarantees:worklist')}?provider={chosen}#requests"


def _offer_choices(right: Right, today: date) -> tuple[list, list[Organisation]]:
    """Providers meeting the guarantee for this stage now (with their median wait), then
    every other provider of care (not the one the person waits at)."""
    suggested_first = alternatives(right.pathway, right.stage, today)
    suggested = {org.pk for org, _days in suggested_first}
    others = list(
        Organisation.objects.filter(kind__in=queries.CARE_PROVIDER_KINDS)
        .exclude(pk=right.pathway.provider_id)
        .exclude(pk__in=suggested)
        .order_by("name")
    )
    return suggested_first, others


@never_cache
@login_required
def offer_care_elsewhere(request: HttpRequest, right_id: int) -> HttpResponse:
    actor = Actor.for_web(request)
    right, access = _staff_right(actor, right_id, write=request.method == "POST")
    suggested, others = _offer_choices(right, timezone.localdate())
    form = OfferForm(posted(request), suggested=suggested, others=others)
    done = submit(
        request,
        form,
        lambda data: actions.offer_care_elsewhere(
            actor,
            right_id=right.pk,
            provider_id=data["provider"],
            appointment_on=data["appointment_on"],
        ),
        success=lambda offered: (
            _("%(person)s has been offered an appointment at %(provider)s on %(date)s.")
            % {
                "person": access.person.full_name,
                "provider": ", ".join(
                    [offered.offered_provider.name, *offered.offered_provider.address_lines]
                ),
                "date": long_date(offered.offered_appointment_on),
            }
        ),
        redirect_to=lambda offered: _worklist_url(offered, actor),
    )
    return done or _right_step_page(
        request,
        actor,
        (right, access),
        form,
        "guarantees/offer.html",
        look="request for care elsewhere",
    )


@never_cache
@login_required
def record_treated_elsewhere(request: HttpRequest, right_id: int) -> HttpResponse:
    actor = Actor.for_web(request)
    right, access = _staff_right(actor, right_id, write=request.method == "POST")
    form = TreatedElsewhereForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: actions.record_treated_elsewhere(
            actor, right_id=right.pk, treated_on=data["treated_on"]
        ),
        success=_("Treatment at %(provider)s is recorded, and the wait's clock has stopped.")
        % {"provider": right.offered_provider.name},
        redirect_to=_worklist_url(right, actor),
    )
    return done or _right_step_page(
        request,
        actor,
        (right, access),
        form,
        "guarantees/treated_elsewhere.html",
        look="care elsewhere",
    )


def _right_step_page(request, actor: Actor, right_and_access, form, template: str, *, look: str):
    """A staff step on a request for care elsewhere (guarantees/right_step_page.html): the
    request's summary and the step's form, or why it is not shown. Showing it is a look."""
    right, access = right_and_access
    audit_look(actor, access, what=look)
    context = {
        "right": right,
        "status": right_status(right),
        "person": access.person,
        "stage_title": scheme_rules(right.pathway.scheme).stage(right.stage).title,
        "form": form,
        **form_errors(form),
        "worklist_url": _worklist_url(right, actor),
    }
    return render(request, template, context)


# --- Staff: the person's own choices, on their behalf -------------------------------------


def _person_of_wait_acted_for(actor: Actor, pathway_id) -> None:
    """Staff reach these pages only when they may make the person's choices for them (a
    health care relationship): anyone else is "not found", and nothing is audited."""
    person_id = Pathway.objects.filter(pk=pathway_id).values_list("person_id", flat=True).first()
    if person_id is None or not may_act_on_behalf(actor, person_id, category=RecordCategory.HEALTH):
        raise PersonNotFound


@never_cache
@login_required
def ask_on_behalf(request: HttpRequest, pathway_id, stage: str) -> HttpResponse:
    """Staff ask for care elsewhere for a person who asked them to: how the person asked is
    recorded, in the staff member's name, and the person is told."""
    actor = Actor.for_web(request)
    _person_of_wait_acted_for(actor, pathway_id)
    form = OnBehalfForm(posted(request))
    done = submit(
        request,
        form,
        lambda data: actions.ask_for_care_elsewhere(
            actor, pathway_id=pathway_id, stage=stage, on_behalf=data["asked_by"]
        ),
        success=lambda right: (
            _(
                "You asked for care elsewhere for %(person)s. The region must reply by "
                "%(date)s. They have been told that you did this for them."
            )
            % {"person": right.pathway.person.full_name, "date": long_date(right.respond_by)}
        ),
        redirect_to=reverse("guarantees:pathway", kwargs={"pathway_id": pathway_id}),
    )
    if done:
        return done
    pathway, access = queries.pathway_for_staff(
        actor, pathway_id, what="wait: asking for care elsewhere for the person"
    )
    shown = next(
        (
            display
            for display in stage_displays(pathway, timezone.localdate(), can_ask=True)
            if display.code == stage
        ),
        None,
    )
    if shown is None:
        raise PersonNotFound
    context = {
        "pathway": pathway,
        "person": access.person,
        "stage": shown,
        "form": form,
        **form_errors(form),
        "back_url": reverse("guarantees:pathway", kwargs={"pathway_id": pathway.pk}),
    }
    return render(request, "guarantees/ask_on_behalf.html", context)


@never_cache
@login_required
def reply_on_behalf(request: HttpRequest, right_id: int) -> HttpResponse:
    """Staff record a person's answer to an offer of care elsewhere, when the person gave it
    to them: recorded in the staff member's name, and the person is told."""
    actor = Actor.for_web(request)
    pathway_id = Right.objects.filter(pk=right_id).values_list("pathway_id", flat=True).first()
    if pathway_id is None:
        raise PersonNotFound
    _person_of_wait_acted_for(actor, pathway_id)
    form = ReplyOnBehalfForm(posted(request))
    back = reverse("guarantees:pathway", kwargs={"pathway_id": pathway_id})
    done = submit(
        request,
        form,
        lambda data: actions.reply_to_offer(
            actor,
            right_id=right_id,
            accept=data["answer"] == ReplyOnBehalfForm.ACCEPT,
            on_behalf=data["asked_by"],
        ),
        success=lambda right: _recorded_answer(
            right, accepted=form.cleaned_data["answer"] == ReplyOnBehalfForm.ACCEPT
        ),
        redirect_to=back,
    )
    if done:
        return done
    right, access = _staff_right(actor, right_id, write=False)
    audit_look(actor, access, what="offer of care elsewhere: the answer")
    stage = scheme_rules(right.pathway.scheme).stage(right.stage)
    context = {
        "right": right,
        "status": right_status(right),
        "person": access.person,
        "stage_title": stage.title,
        "lapses": "declined_alternative" in stage.lapse_events,
        "form": form,
        **form_errors(form),
        "back_url": back,
    }
    return render(request, "guarantees/reply_on_behalf.html", context)


def _recorded_answer(right: Right, *, accepted: bool) -> str:
    words = (
        _("%(person)s accepted the appointment at %(provider)s.")
        if accepted
        else _("%(person)s declined the appointment at %(provider)s.")
    )
    names = {"person": right.pathway.person.full_name, "provider": right.offered_provider.name}
    return words % names + " " + _("They have been told that you recorded it for them.")


# --- Staff: a pathway ----------------------------------------------------------------------


@dataclass
class EventRow:
    event: PathwayEvent
    label: str
    corrected_by: PathwayEvent | None
    corrects_label: str


def _event_rows(events: list[PathwayEvent]) -> list[EventRow]:
    by_id = {event.pk: event for event in events}
    corrected_by = {event.corrects_id: event for event in events if event.corrects_id}
    rows = []
    for event in sorted(events, key=lambda event: event.sequence):
        corrects = by_id.get(event.corrects_id) if event.corrects_id else None
        rows.append(
            EventRow(
                event=event,
                label=event_label(event.type),
                corrected_by=corrected_by.get(event.pk),
                corrects_label=(
                    f"{event_label(corrects.type)}, {long_date(corrects.occurred_on)}"
                    if corrects
                    else ""
                ),
            )
        )
    return rows


def _correctable(events: list[PathwayEvent]) -> list[PathwayEvent]:
    """Events that stand (neither corrected yet nor themselves a withdrawal), as recorded."""
    return sorted(queries.effective_events(events), key=lambda event: event.sequence)


def _events_to_offer(pathway: Pathway, correctable: list[PathwayEvent]) -> list[str]:
    rules = scheme_rules(pathway.scheme)
    clocks = queries.pathway_clocks(pathway, timezone.localdate())
    return events_to_offer(rules, clocks, correctable)


def _pathway_page(
    request: HttpRequest,
    pathway: Pathway,
    access: Access,
    *,
    record_form: RecordEventForm | None = None,
    withdraw_form: WithdrawEventForm | None = None,
    status: int = 200,
) -> HttpResponse:
    events = list(pathway.events.select_related("recorded_by").order_by("sequence"))
    correctable = _correctable(events)
    types = _events_to_offer(pathway, correctable)
    record_form = record_form or RecordEventForm(event_types=types, correctable=correctable)
    withdraw_form = withdraw_form or WithdrawEventForm(correctable=correctable)
    today = timezone.localdate()
    acts_on_behalf = may_act_on_behalf(
        Actor.for_web(request), pathway.person_id, category=RecordCategory.HEALTH
    )
    context = {
        "pathway": pathway,
        "person": access.person,
        "access": access,
        "acts_on_behalf": acts_on_behalf,
        "stages": stage_displays(pathway, today, can_ask=acts_on_behalf),
        "right_on_breach": pathway.scheme.right_on_breach,
        "event_rows": _event_rows(events),
        "correctable": correctable,
        "record_form": record_form,
        "withdraw_form": withdraw_form,
        **form_errors(record_form, withdraw_form),
        "today": today,
    }
    return render(request, "guarantees/pathway.html", context, status=status)


@never_cache
@login_required
def pathway(request: HttpRequest, pathway_id) -> HttpResponse:
    """A wait for staff: its live clock, its events (corrections shown as such), and forms to
    record what happened and to withdraw an event entered in error."""
    actor = Actor.for_web(request)
    if request.method != "POST":
        pathway, access = queries.pathway_for_staff(actor, pathway_id, what=PATHWAY_PAGE_LOOK)
        return _pathway_page(request, pathway, access)
    # Recording is checked here and audited once, by the action; a refusal shown on the page
    # is a look at the wait, never "event recorded".
    pathway, access = queries.staff_pathway(actor, pathway_id, write=True)
    correctable = _correctable(list(pathway.events.all()))
    form = RecordEventForm(
        request.POST,
        event_types=_events_to_offer(pathway, correctable),
        correctable=correctable,
    )
    done = submit(
        request,
        form,
        lambda data: actions.record_event(
            actor,
            pathway_id=pathway.pk,
            type=data["type"],
            occurred_on=data["occurred_on"],
            note=data["note"],
            corrects_id=data["corrects"],
        ),
        success=lambda event: (
            _("%(event)s on %(date)s is recorded.")
            % {"event": event_label(event.type), "date": long_date(event.occurred_on)}
        ),
        redirect_to=reverse("guarantees:pathway", kwargs={"pathway_id": pathway.pk}),
    )
    if done:
        return done
    audit_look(actor, access, what=PATHWAY_PAGE_LOOK)
    return _pathway_page(request, pathway, access, record_form=form)


@login_required
@require_POST
def withdraw_event(request: HttpRequest, pathway_id) -> HttpResponse:
    actor = Actor.for_web(request)
    pathway, access = queries.staff_pathway(actor, pathway_id, write=True)
    form = WithdrawEventForm(request.POST, correctable=_correctable(list(pathway.events.all())))
    done = submit(
        request,
        form,
        lambda data: actions.record_event(
            actor,
            pathway_id=pathway.pk,
            type=PathwayEvent.ENTERED_IN_ERROR,
            occurred_on=timezone.localdate(),
            note=data["reason"],
            corrects_id=data["corrects"],
        ),
        success=_("The event is marked as entered in error. It no longer counts."),
        redirect_to=reverse("guarantees:pathway", kwargs={"pathway_id": pathway.pk}),
    )
    if done:
        return done
    audit_look(actor, access, what=PATHWAY_PAGE_LOOK)
    return _pathway_page(request, pathway, access, withdraw_form=form)


@never_cache
@login_required
def open_pathway(request: HttpRequest, person_id) -> HttpResponse:
    """Put a person on a provider's waiting list under a guarantee (a referral)."""
    actor = Actor.for_web(request)
    # Only staff whose role opens waits at a care provider (not a council's social worker).
    providers = queries.providers_opening_waits(actor)
    if not providers.exists():
        raise PersonNotFound
    # Opening is checked here and audited once, by the action; the form shown is a look.
    opening = request.method == "POST"
    access = person_access(actor, person_id, category=RecordCategory.HEALTH, write=opening)
    today = timezone.localdate()
    schemes = Scheme.objects.in_effect(today).order_by("title")
    form = OpenPathwayForm(posted(request), schemes=schemes, providers=providers)
    done = submit(
        request,
        form,
        lambda data: actions.open_pathway(
            actor,
            person_id=access.person.pk,
            scheme_code=data["scheme"].code,
            provider_id=data["provider"].pk,
            service=data["service"],
            external_id=data["external_id"].strip(),
        ),
        success=_("The wait is open. Record the referral or first contact to start its clock."),
        redirect_to=lambda opened: reverse("guarantees:pathway", kwargs={"pathway_id": opened.pk}),
    )
    if done:
        return done
    audit_look(actor, access, what="open a wait")
    context = {
        "person": access.person,
        "access": access,
        "form": form,
        **form_errors(form),
        "today": today,
    }
    return render(request, "guarantees/open_pathway.html", context)
