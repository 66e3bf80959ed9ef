"""The one place to send a person a message. Modules (breached guarantees, missed check-ins,
ballots) call send_templated_message with one of their message templates, in the person's
language; send_message, for words already written (a member of staff's own), records the
message and sends it after commit, at most once per key in the sender's namespace.
send_staff_email tells a member of staff, once per key, that work is waiting for them."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coproduce import events
from coproduce.errors import Conflict, invalid_fields
from coproduce.people.access import Access, Actor, access_person, record_audit
from coproduce.people.models import AuditEvent, Channel, Person, RecordCategory, User

from . import message_templates
from .message_templates import MessageTemplate
from .models import PLATFORM_NAMESPACE, Message, StaffMessage

SUBJECT_MAX = 200
BODY_MAX = 5000


def postal_address(person: Person) -> tuple[str, ...]:
    lines = (
        person.full_name,
        person.address_line_1,
        person.address_line_2,
        person.town,
        person.postcode,
    )
    return tuple(line for line in lines if line)


def recipient_for(person: Person, channel: str) -> str:
    if channel == Channel.EMAIL:
        return person.email
    if channel == Channel.SMS:
        return person.phone
    return ", ".join(postal_address(person))


def key_namespace(actor: Actor, access: Access | None) -> str:
    """Whose keys these are: the platform's, the organisation's the sender acts for, or the
    signed-in person's own. Decided by who sends, so a client can never write the platform's
    keys (or another organisation's)."""
    if actor.is_system:
        return PLATFORM_NAMESPACE
    if access is not None and access.organisation is not None:
        return f"organisation:{access.organisation.pk}"
    return f"person:{actor.own_person.pk}"


def _already_sent(namespace: str, key: str, person: Person) -> Message | None:
    existing = Message.objects.filter(namespace=namespace, key=key).first()
    if existing is not None and existing.person_id != person.pk:
        raise Conflict(
            _("That message key is already used for someone else."),
            code="key_in_use",
            fields={"key": [_("Use a new key for each message.")]},
        )
    return existing


@transaction.atomic
def send_message(
    actor: Actor,
    *,
    person_id,
    key: str,
    subject: str,
    body: str,
    reason: str = "",
    channel: str | None = None,
    category: str | None = None,
) -> Message:
    """Record a message for the person and send it once the transaction commits.

    Sending the same key twice (in the sender's namespace: see key_namespace) returns the
    first message and sends nothing more. Staff need access to the person, in the message's
    record `category` when it has one (None: the core record, seen with any basis); the
    platform itself (Actor.system) sends on a module's behalf and says why in `reason`.
    """
    problems: dict[str, list[str]] = {}
    if not key.strip() or len(key) > 200:
        problems["key"] = [_("Give the message a key of 1 to 200 characters.")]
    if not subject.strip() or len(subject) > SUBJECT_MAX:
        problems["subject"] = [
            _("Enter a subject of 1 to %(most)d characters.") % {"most": SUBJECT_MAX}
        ]
    if not body.strip() or len(body) > BODY_MAX:
        problems["body"] = [_("Enter a message of 1 to %(most)d characters.") % {"most": BODY_MAX}]
    if channel is not None and channel not in Channel.values:
        problems["channel"] = [_("Choose email, sms or letter.")]
    if category is not None and category not in RecordCategory.values:
        problems["category"] = [
            _("Choose one of: %(categories)s.") % {"categories": ", ".join(RecordCategory.values)}
        ]
    if actor.is_system and not reason.strip():
        problems["reason"] = [_("Say why the platform is sending this message.")]
    if problems:
        raise invalid_fields(problems)

    what = f"message: {subject.strip()}"
    if actor.is_system:
        access = None
        person = Person.objects.get(pk=person_id)
    else:
        access = access_person(actor, person_id, what=what, category=category, write=True)
        person = access.person
    namespace = key_namespace(actor, access)
    existing = _already_sent(namespace, key, person)
    if existing is not None:
        return existing
    channel = channel or person.preferred_channel
    recipient = recipient_for(person, channel)
    if not recipient:
        raise invalid_fields(
            {
                "channel": [
                    _("%(name)s has no contact details for that channel.")
                    % {"name": person.full_name}
                ]
            }
        )
    try:
        with transaction.atomic():
            message = Message.objects.create(
                namespace=namespace,
                key=key,
                person=person,
                organisation=access.organisation if access is not None else None,
                category=category,
                channel=channel,
                recipient=recipient,
                subject=subject.strip(),
                body=body.strip(),
            )
    except IntegrityError:
        # Another request sent the same key a moment ago: theirs is the one message.
        return _already_sent(namespace, key, person)
    if actor.is_system:
        record_audit(
            actor, person=person, action=AuditEvent.Action.WRITE, what=what, why=reason.strip()
        )
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message.pk))
    events.publish("message.queued", message_id=message.pk, person_id=str(person.pk))
    return message


def send_templated_message(
    actor: Actor,
    *,
    person_id,
    key: str,
    template: MessageTemplate | str,
    personalisation: Mapping[str, Any],
    reason: str = "",
    channel: str | None = None,
    category: str | None = None,
) -> Message:
    """send_message with a module's template (messaging.message_templates), written in the
    person's language (Person.language) with these values. A template and values that do not
    fit are a TemplateMisuse, raised before anything is written; the message records the
    words as sent."""
    if isinstance(template, str):
        template = message_templates.get(template)
    language = (
        Person.objects.filter(pk=person_id).values_list("language", flat=True).first()
        or settings.LANGUAGE_CODE
    )
    rendered = template.render(personalisation, language=language)
    return send_message(
        actor,
        person_id=person_id,
        key=key,
        # A long name in the subject must not stop a message the person is owed.
        subject=_shortened(rendered.subject, SUBJECT_MAX),
        body=rendered.body,
        reason=reason,
        channel=channel,
        category=category,
    )


def _shortened(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\N{HORIZONTAL ELLIPSIS}"


@transaction.atomic
def send_staff_email(
    *,
    user_id,
    key: str,
    template: MessageTemplate | str,
    personalisation: Mapping[str, Any],
) -> StaffMessage | None:
    """Email a member of staff, once per key, after the transaction commits: the platform's
    own notice that something is waiting for them (a module sends it on an event). Written
    in the platform's language, as staff pages are. The words must not say who or what it is
    about (an email is read on any screen); a link to sign in says where to look.

    Someone with no email address, or no longer able to sign in, gets nothing (None): their
    queue still shows the work."""
    if isinstance(template, str):
        template = message_templates.get(template)
    rendered = template.render(personalisation, language=settings.LANGUAGE_CODE)
    existing = StaffMessage.objects.filter(key=key).first()
    if existing is not None:
        return existing
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return None
    try:
        with transaction.atomic():
            message = StaffMessage.objects.create(
                key=key,
                user=user,
                recipient=user.email,
                subject=_shortened(rendered.subject, SUBJECT_MAX),
                body=rendered.body,
            )
    except IntegrityError:
        # Another worker sent the same key a moment ago: theirs is the one message.
        return StaffMessage.objects.get(key=key)
    from .tasks import deliver_staff_message

    transaction.on_commit(lambda: deliver_staff_message.delay(message.pk))
    return message


def _claimed(model, message_id: int) -> bool:
    """Mark a waiting message as being sent. Only one caller can win, so it is sent once."""
    return bool(
        model.objects.filter(pk=message_id, status=Message.Status.PENDING).update(
            status=Message.Status.SENDING
        )
    )


def claim_for_sending(message_id: int) -> Message | None:
    if not _claimed(Message, message_id):
        return None
    return Message.objects.select_related("person").get(pk=message_id)


def claim_staff_message_for_sending(message_id: int) -> StaffMessage | None:
    if not _claimed(StaffMessage, message_id):
        return None
    return StaffMessage.objects.get(pk=message_id)


def record_staff_delivery(message: StaffMessage, *, failure: str = "") -> None:
    if failure:
        message.status = Message.Status.FAILED
        message.failure_reason = failure[:500]
        message.save(update_fields=["status", "failure_reason"])
        return
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "sent_at"])


def record_delivery(message: Message, *, reference: str = "", failure: str = "") -> None:
    if failure:
        message.status = Message.Status.FAILED
        message.failure_reason = failure[:500]
        message.save(update_fields=["status", "failure_reason"])
        events.publish("message.failed", message_id=message.pk, person_id=str(message.person_id))
        return
    message.status = Message.Status.SENT
    message.sent_at = timezone.now()
    message.provider_reference = reference[:200]
    message.save(update_fields=["status", "sent_at", "provider_reference"])
    events.publish("message.sent", message_id=message.pk, person_id=str(message.person_id))
