"""The events people's actions publish (coproduce.events checks every publish against them)."""

from coproduce.events import EventType

PERSON_ID = "the person's id (a UUID, as text)"

EVENTS = (
    EventType(
        "person.registered",
        "An organisation registered a new person, and now cares for them.",
        {"person_id": PERSON_ID, "organisation_id": "the registering organisation's id"},
    ),
    EventType(
        "person.contact_details_changed",
        "A person's email, phone or postal address changed.",
        {"person_id": PERSON_ID},
    ),
    EventType(
        "consent.granted",
        "A person let an organisation see their record in some categories.",
        {"consent_id": "the consent's id", "person_id": PERSON_ID},
    ),
    EventType(
        "consent.revoked",
        "A person withdrew a consent; the organisation loses sight of their record at once.",
        {"consent_id": "the consent's id", "person_id": PERSON_ID},
    ),
    EventType(
        "external_identity.linked",
        "A sign-in account was connected to an account at an OpenID Connect provider.",
        {"user_id": "the sign-in account's id", "issuer": "the provider's issuer URL"},
    ),
)
