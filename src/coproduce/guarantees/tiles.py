"""Home tiles: "My waits" for a person, "Waiting list" for staff at a provider.

Registered from GuaranteesConfig.ready(). The citizen's tile reads the live clock (a person has
a few waits); the staff tile counts the stored stage records (a provider has thousands), as the
worklist does to choose its rows.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coproduce.people.access import Actor, organisation_and_children, people_in_organisations_care
from coproduce.people.models import RecordCategory
from coproduce.web.tiles import Tile

from .models import Right, StageRecord
from .queries import RightStatus, waits_for_person
from .rules import Status


def _long_date(day) -> str:
    return date_format(day, "j F Y") if day else ""


def my_waits_tile(actor: Actor) -> Tile | None:
    """What the person's waits need now, newest state first: an offer to answer, a missed
    deadline to ask about, a request the region must answer, an accepted appointment. A stage
    treated elsewhere, or whose offer was declined, is over and is not counted as current."""
    person = actor.own_person
    if person is None:
        return None
    from .queries import pathway_clocks, right_status, rights_for_pathway

    today = timezone.localdate()
    pathways = list(waits_for_person(person))
    if not pathways:
        return None
    waiting = 0
    offers, missed, requested, accepted = [], 0, [], []
    for pathway in pathways:
        rights = rights_for_pathway(pathway)
        current = False
        for clock in pathway_clocks(pathway, today):
            if not clock.start or clock.end is not None:
                continue
            if clock.status not in (Status.RUNNING, Status.BREACHED):
                continue
            right = rights.get((clock.stage, clock.start))
            status = right_status(right) if right is not None else RightStatus.OWED
            if status in (RightStatus.TREATED, RightStatus.DECLINED):
                continue
            current = True
            if status == RightStatus.OFFERED:
                offers.append(right)
            elif status == RightStatus.ACCEPTED:
                accepted.append(right)
            elif status == RightStatus.REQUESTED:
                requested.append(right)
            elif clock.status == Status.BREACHED:
                missed += 1
        waiting += current
    if waiting == 0:
        text = _("You are not waiting for anything now. See your past waits and their clocks.")
    else:
        text = ngettext(
            "You are waiting for %(count)d thing with a guaranteed deadline.",
            "You are waiting for %(count)d things with a guaranteed deadline.",
            waiting,
        ) % {"count": waiting}
    sentences = [text]
    for right in offers:
        sentences.append(
            _("%(provider)s has offered you an appointment on %(day)s: answer by %(reply_by)s.")
            % {
                "provider": right.offered_provider.name,
                "day": _long_date(right.offered_appointment_on),
                "reply_by": _long_date(right.reply_by),
            }
        )
    if missed:
        sentences.append(
            ngettext(
                "%(count)d has missed its deadline: you can ask for care elsewhere.",
                "%(count)d have missed their deadline: you can ask for care elsewhere.",
                missed,
            )
            % {"count": missed}
        )
    for right in requested:
        sentences.append(
            _("You asked for care elsewhere: the region must offer it by %(date)s.")
            % {"date": _long_date(right.respond_by)}
        )
    for right in accepted:
        sentences.append(
            _("You accepted an appointment at %(provider)s on %(day)s.")
            % {
                "provider": right.offered_provider.name,
                "day": _long_date(right.offered_appointment_on),
            }
        )
    return Tile(
        title=_("My waits"),
        text=" ".join(sentences),
        href=reverse("guarantees:my-waits"),
        link_text=_("Answer the offer") if offers else _("See your waits and their deadlines"),
    )


def waiting_list_tile(actor: Actor) -> Tile | None:
    ids = actor.organisation_ids
    if not ids:
        return None
    today = timezone.localdate()
    providers = organisation_and_children(ids)
    visible = people_in_organisations_care(actor, RecordCategory.HEALTH)
    open_stages = StageRecord.objects.filter(
        provider__in=providers,
        pathway__person__in=visible,
        end__isnull=True,
        deadline__isnull=False,
    )
    # By deadline, not stored status: a wait passes its deadline without any new event.
    counts = open_stages.aggregate(
        missed=Count("pk", filter=Q(deadline__lt=today)),
        at_risk=Count("pk", filter=Q(deadline__gte=today, at_risk_on__lte=today)),
    )
    missed, at_risk = counts["missed"], counts["at_risk"]
    requests = (
        Right.objects.filter(
            pathway__provider__in=providers,
            pathway__person__in=visible,
            requested_at__isnull=False,
            offered_at__isnull=True,
        )
        .values("pk")
        .count()
    )
    if not (missed or at_risk or requests):
        return None
    parts = [
        ngettext(
            "%(count)d request for care elsewhere waiting for an offer",
            "%(count)d requests for care elsewhere waiting for an offer",
            requests,
        )
        % {"count": requests},
        ngettext("%(count)d wait past its deadline", "%(count)d waits past their deadline", missed)
        % {"count": missed},
        ngettext("%(count)d wait at risk", "%(count)d waits at risk", at_risk) % {"count": at_risk},
    ]
    return Tile(
        title=_("Waiting list"),
        text=_("At your organisations: %(parts)s.") % {"parts": "; ".join(parts)},
        href=reverse("guarantees:worklist"),
        link_text=_("Open the waiting list"),
    )
