from django.db.models import QuerySet

from coproduce.people.models import Person

from .models import Message


def messages_for_person(person: Person) -> QuerySet[Message]:
    return Message.objects.filter(person=person)
