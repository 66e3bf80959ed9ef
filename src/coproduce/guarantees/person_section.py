"""The guarantees section of a person's record page: their waits, each stage's state in the
words My waits and the waiting list use ("Waiting: 12 days left", "Deadline missed", "Offer
sent, reply by ..."), with a link to each wait's page.

Staff see the waits at the providers they act for (and their child organisations), the waits
whose pages they may open (queries.staff_pathway); the person and their proxies see all of
them, linked to My waits. The section is in the health category (people.sections): the core
leaves it out for a viewer without a health basis.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce.people.access import Access, Actor
from coproduce.people.sections import RecordView

from .models import Pathway
from .queries import RightStatus, provider_scope, waits_for_person


@dataclass(frozen=True)
class StageLine:
    title: str
    tag_text: str
    tag_colour: str
    words: str


@dataclass(frozen=True)
class WaitLine:
    pathway: Pathway
    url: str
    stages: list[StageLine]


def _words(stage, long_date) -> str:
    """A stage's state in a line: its right first (what is being done about a missed
    deadline), then its clock."""
    right = stage.right
    if stage.right_status == RightStatus.OFFERED:
        return _("Offer sent: %(provider)s on %(day)s, reply by %(reply_by)s") % {
            "provider": right.offered_provider.name,
            "day": long_date(right.offered_appointment_on),
            "reply_by": long_date(right.reply_by),
        }
    if stage.right_status == RightStatus.REQUESTED:
        words = _("Asked for care elsewhere: the region must offer by %(date)s") % {
            "date": long_date(right.respond_by)
        }
        return words + (" " + _("(overdue)") if stage.right_overdue else "")
    if stage.right_status == RightStatus.ACCEPTED:
        return _("Offer accepted: %(provider)s on %(day)s") % {
            "provider": right.offered_provider.name,
            "day": long_date(right.offered_appointment_on),
        }
    if stage.right_status == RightStatus.TREATED:
        return _("Treated at %(provider)s on %(day)s") % {
            "provider": right.offered_provider.name,
            "day": long_date(right.treated_on),
        }
    if stage.right_status == RightStatus.DECLINED:
        return _("Offer of care elsewhere declined: the guarantee no longer applies")
    clock = stage.clock
    if stage.is_open:
        return _("Deadline %(deadline)s: %(countdown)s") % {
            "deadline": long_date(clock.deadline),
            "countdown": stage.countdown,
        }
    if clock.end is not None:
        return _("Ended on %(date)s") % {"date": long_date(clock.end)}
    return stage.explanation or ""


# A right in hand says more than the clock behind it ("Offered: waiting for their answer").
RIGHT_IN_HAND = (
    RightStatus.REQUESTED,
    RightStatus.OFFERED,
    RightStatus.ACCEPTED,
    RightStatus.DECLINED,
    RightStatus.TREATED,
)


def _tag(stage) -> tuple[str, str]:
    if stage.right_status in RIGHT_IN_HAND:
        return str(stage.staff_right_tag[0]), stage.staff_right_tag[1]
    return stage.tag_text, stage.tag_colour


def waits_section(actor: Actor, view: RecordView, access: Access) -> dict:
    from .views import long_date, stage_displays

    today = timezone.localdate()
    person = view.person
    if view.is_person_or_proxy:
        pathways = waits_for_person(person)
        own = actor.own_person
        mine = own is not None and own.pk == person.pk
        url = reverse("guarantees:my-waits") if mine else None
    else:
        pathways = (
            provider_scope(actor)
            .filter(person=person)
            .select_related("scheme", "provider")
            .prefetch_related("events", "rights__offered_provider")
            .order_by("-created_at")
        )
        url = None
    waits = []
    for pathway in pathways:
        if view.is_person_or_proxy:
            link = url or reverse("guarantees:my-waits-for", kwargs={"person_id": person.pk})
            link += f"#wait-{pathway.pk}"
        else:
            link = reverse("guarantees:pathway", kwargs={"pathway_id": pathway.pk})
        stages = [
            StageLine(stage.title, *_tag(stage), _words(stage, long_date))
            for stage in stage_displays(pathway, today)
        ]
        waits.append(WaitLine(pathway=pathway, url=link, stages=stages))
    return {"waits": waits, "for_staff": not view.is_person_or_proxy}
