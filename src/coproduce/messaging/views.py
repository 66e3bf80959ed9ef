"""Messages pages: every message we have sent a person, each readable in full, for the person
and for the people they act for (a proxy reads "Messages we have sent Margaret Morgan").

Views are thin: the citizen access rule (citizen_access) decides whose messages these are and
each look by a proxy is audited; messages_seen_by decides which messages are shown.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from coproduce.listing import RecordShown, page_for_site
from coproduce.people.access import (
    Access,
    Actor,
    PersonNotFound,
    audit_look,
    citizen_access,
)
from coproduce.people.queries import people_acted_for
from coproduce.web.pagination import page_links

from .models import Message
from .queries import messages_seen_by

MESSAGES_PAGE_SIZE = 20


def messages_url(access: Access) -> str:
    if access.is_self:
        return reverse("messaging:messages")
    return reverse("messaging:messages-for", kwargs={"person_id": access.person.pk})


@never_cache
@login_required
def message_list(request: HttpRequest, person_id=None) -> HttpResponse:
    """The person's messages, newest first, a page at a time."""
    actor = Actor.for_web(request)
    access = citizen_access(actor, person_id)
    page = page_for_site(
        request,
        actor,
        messages_seen_by(actor, access.person),
        RecordShown(access=access, what="messages (Messages page)"),
        per_page=MESSAGES_PAGE_SIZE,
    )
    context = {
        "access": access,
        "person": access.person,
        "page": page,
        "page_links": page_links(request, page, label=_("Pages of messages")),
        "acting_for": list(people_acted_for(access.person)) if access.is_self else [],
    }
    return render(request, "messaging/message_list.html", context)


@never_cache
@login_required
def message(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message in full. A message to someone else is "not found", as is one the person's
    proxy may not see; a proxy's look is on the person's audit trail."""
    actor = Actor.for_web(request)
    person_id = Message.objects.filter(pk=message_id).values_list("person_id", flat=True).first()
    if person_id is None:
        raise PersonNotFound
    access = citizen_access(actor, person_id)
    shown = (
        messages_seen_by(actor, access.person)
        .select_related("organisation")
        .filter(pk=message_id)
        .first()
    )
    if shown is None:
        raise PersonNotFound
    audit_look(actor, access, what="a message (Messages page)")
    context = {
        "access": access,
        "person": access.person,
        "message": shown,
        "back_url": messages_url(access),
    }
    return render(request, "messaging/message.html", context)
