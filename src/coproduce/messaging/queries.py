from django.db.models import Q, QuerySet

from coproduce.people.access import Actor, categories_visible
from coproduce.people.models import Person

from .models import Message


def messages_for_person(person: Person) -> QuerySet[Message]:
    return Message.objects.filter(person=person)


def messages_seen_by(actor: Actor, person: Person) -> QuerySet[Message]:
    """The person's messages this actor may see. The person and their proxies see them all;
    staff and tokens see core messages (no category) and those in a category they have a
    basis in, so a community group never reads a message about a hospital wait."""
    categories = categories_visible(actor, person)
    if not categories:
        return Message.objects.none()
    return messages_for_person(person).filter(Q(category__isnull=True) | Q(category__in=categories))
