"""Monitoring's home tiles: for staff, how many alerts of the clinician's care teams are
open (those the alert queue lists), how many are overdue, and when the soonest is due; for a
person who checks in, today's check-in."""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coproduce.people.access import Access, Actor
from coproduce.web.tiles import Tile

from . import queries
from .staff_views import alert_queue, duration_words


def alerts_tile(actor: Actor) -> Tile | None:
    now = timezone.now()
    counts = alert_queue(actor).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lte=now, handled_at__isnull=True)),
        soonest=Min("due_at", filter=Q(handled_at__isnull=True)),
    )
    if not counts["open"]:
        return None
    sentences = [
        ngettext(
            "%(count)d alert is open for your care teams.",
            "%(count)d alerts are open for your care teams.",
            counts["open"],
        )
        % {"count": counts["open"]}
    ]
    if counts["overdue"]:
        sentences.append(
            ngettext("%(count)d is overdue.", "%(count)d are overdue.", counts["overdue"])
            % {"count": counts["overdue"]}
        )
    elif counts["soonest"] is not None:
        sentences.append(
            _("The next is due in %(time)s.") % {"time": duration_words(counts["soonest"] - now)}
        )
    return Tile(
        title=_("Alerts"),
        text=" ".join(sentences),
        href=reverse("monitoring:alerts"),
        link_text=_("Open the alert queue"),
    )


def check_in_tile(actor: Actor) -> Tile | None:
    """Today's check-in of the person's first programme: open until when, sent, or when it
    opens; nothing for someone who does not check in."""
    from .citizen_views import DayState, Voice, enrolment_today, long_date

    person = actor.own_person
    if person is None:
        return None
    enrolment = queries.current_enrolments(person.pk).first()
    if enrolment is None:
        return None
    today = enrolment_today(
        enrolment, Voice(Access(person=person, basis="self", can_act=True)), timezone.now()
    )
    closes = enrolment.window_closes.strftime("%H:%M")
    opens = enrolment.window_opens.strftime("%H:%M")
    link_text = _("See your check-ins")
    href = reverse("monitoring:mine")
    if today.remeasure is not None:
        text = _("Your care team asked you to measure again.")
        link_text = _("Measure again")
    elif today.state == DayState.OPEN:
        text = _("Today's check-in is open until %(closes)s.") % {"closes": closes}
        link_text = _("Continue today's check-in") if today.draft else _("Start today's check-in")
        href = reverse("monitoring:check-in", kwargs={"enrolment_id": enrolment.pk})
    elif today.state == DayState.DONE:
        text = _("You have checked in today.") + " " + today.result_words
    elif today.state == DayState.NOT_OPEN:
        text = _("Today's check-in opens at %(opens)s.") % {"opens": opens}
    elif today.state == DayState.MISSED:
        text = _("We have not heard from you today. Tomorrow's check-in opens at %(opens)s.") % {
            "opens": opens
        }
    else:
        text = _("Your check-ins start on %(day)s.") % {"day": long_date(enrolment.starts_on)}
    return Tile(title=_("My check-ins"), text=text, href=href, link_text=link_text)
