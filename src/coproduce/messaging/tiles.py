"""The citizen home's "Messages" tile: how many messages we have sent the person and the
latest one, linked to the Messages page. Registered from MessagingConfig.ready()."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coproduce.people.access import Actor
from coproduce.web.tiles import Tile

from .queries import messages_seen_by


def messages_tile(actor: Actor) -> Tile | None:
    person = actor.own_person
    if person is None:
        return None
    shown = messages_seen_by(actor, person)
    latest = shown.first()
    if latest is None:
        text = _("We have not sent you any messages.")
    else:
        count = shown.count()
        text = ngettext(
            "We have sent you %(count)d message.",
            "We have sent you %(count)d messages.",
            count,
        ) % {"count": count}
        text += " " + _("The latest, on %(date)s: “%(subject)s”.") % {
            "date": date_format(timezone.localtime(latest.created_at), "j F Y"),
            "subject": latest.subject,
        }
    return Tile(
        title=_("Messages"),
        text=text,
        href=reverse("messaging:messages"),
        link_text=_("Read your messages"),
    )
