"""The monitoring section of a person's record page: the programmes they are enrolled in, who
watches, their last check-in and the open alerts, with links to the alert and thresholds
pages for members of their care team.

Staff see the enrolments at the organisations they work for (and those under them) and the
ones whose care team they are on; the person and their proxies see all of them. The section
is in the health category (people.sections): the core leaves it out for a viewer without a
health basis.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from coproduce.people.access import Access, Actor, organisation_and_children
from coproduce.people.sections import RecordView

from .models import CareTeamMember, CheckIn, Enrolment
from .programmes import Colour
from .staff_views import (
    COLOUR_TAGS,
    AlertLine,
    alert_lines,
    last_check_in_words,
    open_alerts_by_enrolment,
)


@dataclass
class EnrolmentLine:
    enrolment: Enrolment
    named_clinician: CareTeamMember | None
    last_check_in: str
    tag: tuple[str, str] | None
    on_team: bool
    alerts: list[AlertLine] = field(default_factory=list)
    thresholds_url: str = ""


def monitoring_section(actor: Actor, view: RecordView, access: Access) -> dict:
    person = view.person
    enrolments = Enrolment.objects.filter(person=person, ended_at__isnull=True).select_related(
        "programme", "organisation"
    )
    user = actor.user if actor.user is not None and actor.user.is_authenticated else None
    on_teams = set(
        CareTeamMember.objects.filter(
            user=user, removed_at__isnull=True, enrolment__person=person
        ).values_list("enrolment_id", flat=True)
        if user is not None
        else []
    )
    if not view.is_person_or_proxy:
        organisations = organisation_and_children(actor.organisation_ids)
        enrolments = enrolments.filter(Q(organisation__in=organisations) | Q(pk__in=on_teams))
    enrolments = list(enrolments.order_by("programme__title"))
    ids = [enrolment.pk for enrolment in enrolments]
    named = {}
    for member in (
        CareTeamMember.objects.filter(enrolment_id__in=ids, removed_at__isnull=True)
        .select_related("user")
        .order_by("enrolment_id", "position")
    ):
        named.setdefault(member.enrolment_id, member)
    latest = {}
    for check_in in CheckIn.objects.filter(enrolment_id__in=ids).order_by("submitted_at"):
        latest[check_in.enrolment_id] = check_in
    alerts = open_alerts_by_enrolment([pk for pk in ids if pk in on_teams])
    now = timezone.now()
    lines = []
    for enrolment in enrolments:
        last = latest.get(enrolment.pk)
        tag = None
        if last is not None:
            text, colour = COLOUR_TAGS[Colour(last.colour)]
            tag = (str(text), colour)
        on_team = enrolment.pk in on_teams
        lines.append(
            EnrolmentLine(
                enrolment=enrolment,
                named_clinician=named.get(enrolment.pk),
                last_check_in=last_check_in_words(
                    enrolment, last.submitted_at if last else None, now
                ),
                tag=tag,
                on_team=on_team,
                alerts=alert_lines(alerts.get(enrolment.pk, []), now) if on_team else [],
                thresholds_url=reverse(
                    "monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk}
                )
                if on_team
                else "",
            )
        )
    return {"enrolments": lines, "for_staff": not view.is_person_or_proxy}
