"""Home tiles: "My waits" for a person, "Waiting list" for staff at a provider.

Registered from GuaranteesConfig.ready(). The citizen's tile reads the live clock (a person has
a few waits); the staff tile counts the stored stage records (a provider has thousands), as the
worklist does to choose its rows.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coproduce.people.access import Actor
from coproduce.web.tiles import Tile

from .models import Right, StageRecord
from .queries import in_health_care_of, waits_for_person
from .rules import Status


def my_waits_tile(actor: Actor) -> Tile | None:
    person = actor.own_person
    if person is None:
        return None
    from .queries import pathway_clocks

    today = timezone.localdate()
    pathways = list(waits_for_person(person))
    if not pathways:
        return None
    waiting = missed = 0
    for pathway in pathways:
        clocks = pathway_clocks(pathway, today)
        open_clocks = [clock for clock in clocks if clock.start and clock.end is None]
        if any(clock.status in (Status.RUNNING, Status.BREACHED) for clock in open_clocks):
            waiting += 1
        if any(clock.status == Status.BREACHED for clock in open_clocks):
            missed += 1
    if waiting == 0:
        text = _("You are not waiting for anything now. See your past waits and their clocks.")
    else:
        text = ngettext(
            "You are waiting for %(count)d thing with a guaranteed deadline.",
            "You are waiting for %(count)d things with a guaranteed deadline.",
            waiting,
        ) % {"count": waiting}
    if missed:
        text += " " + ngettext(
            "%(count)d has missed its deadline: you can ask for care elsewhere.",
            "%(count)d have missed their deadline: you can ask for care elsewhere.",
            missed,
        ) % {"count": missed}
    return Tile(
        title=_("My waits"),
        text=text,
        href=reverse("guarantees:my-waits"),
        link_text=_("See your waits and their deadlines"),
    )


def waiting_list_tile(actor: Actor) -> Tile | None:
    ids = actor.organisation_ids
    if not ids:
        return None
    today = timezone.localdate()
    at_providers = Q(provider_id__in=ids) | Q(provider__parent_id__in=ids)
    visible = in_health_care_of(actor, "pathway__person_id")
    open_stages = StageRecord.objects.filter(
        at_providers, visible, end__isnull=True, deadline__isnull=False
    )
    # By deadline, not stored status: a wait passes its deadline without any new event.
    counts = open_stages.aggregate(
        missed=Count("pk", filter=Q(deadline__lt=today)),
        at_risk=Count("pk", filter=Q(deadline__gte=today, at_risk_on__lte=today)),
    )
    missed, at_risk = counts["missed"], counts["at_risk"]
    requests = (
        Right.objects.filter(
            Q(pathway__provider_id__in=ids) | Q(pathway__provider__parent_id__in=ids),
            visible,
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
