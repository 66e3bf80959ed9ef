"""Which record category each part of a person's record is in, and so who sees it
(docs/security.md, "Seeing a person"). Every page and API answer about a person asks here.

- Identity and contact details are the core record: any basis shows them.
- The NHS number is health information, and so are waits, rights and offers (the module of
  waiting-time guarantees reads those only with a health basis, by the rule here).
- A message is in the category it was sent in (messaging.queries.messages_seen_by).
- Consents: staff and tokens see only those given to their own organisations, never which
  other organisations the person trusts (people.queries.consents_seen_by).
- The audit trail and the personal-data download are for the person and their proxies only
  (people.access.access_as_citizen).

The person and their current proxies see every part. A part someone may not see is left out
altogether, so nobody learns that it exists.
"""

from dataclasses import dataclass

from .access import Actor, categories_visible, is_person_or_proxy
from .models import Person, RecordCategory

ANY_BASIS = "any basis"
PERSON_AND_PROXIES = "the person and their proxies"

# Every field of Person, with the category it is in (tests/people/test_record_categories.py
# fails when a field is added without one).
PERSON_FIELDS: dict[str, str] = {
    "id": ANY_BASIS,
    "given_name": ANY_BASIS,
    "family_name": ANY_BASIS,
    "date_of_birth": ANY_BASIS,
    "email": ANY_BASIS,
    "phone": ANY_BASIS,
    "address_line_1": ANY_BASIS,
    "address_line_2": ANY_BASIS,
    "town": ANY_BASIS,
    "postcode": ANY_BASIS,
    "locality": ANY_BASIS,
    "preferred_channel": ANY_BASIS,
    "language": ANY_BASIS,
    "nhs_number": RecordCategory.HEALTH,
    "user": PERSON_AND_PROXIES,
    "created_at": PERSON_AND_PROXIES,
    "updated_at": PERSON_AND_PROXIES,
}


@dataclass(frozen=True)
class RecordView:
    """What of one person's record one actor may see, once they have a basis to see it."""

    person: Person
    categories: frozenset[str]
    is_person_or_proxy: bool
    organisation_ids: frozenset[int]

    def shows(self, part: str) -> bool:
        """Whether a part in this category (a RecordCategory, ANY_BASIS or
        PERSON_AND_PROXIES) is shown."""
        if self.is_person_or_proxy or part == ANY_BASIS:
            return True
        return part != PERSON_AND_PROXIES and part in self.categories

    def shows_field(self, name: str) -> bool:
        return self.shows(PERSON_FIELDS[name])


def record_view(actor: Actor, person: Person) -> RecordView:
    """What the actor may see of a person they have a basis to see (people.access)."""
    return RecordView(
        person=person,
        categories=categories_visible(actor, person),
        is_person_or_proxy=is_person_or_proxy(actor, person.pk),
        organisation_ids=actor.organisation_ids,
    )
