"""The staff home's monitoring tile: how many alerts of the clinician's care teams are open
(those the alert queue lists), how many are overdue, and when the soonest is due."""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coproduce.people.access import Actor
from coproduce.web.tiles import Tile

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
