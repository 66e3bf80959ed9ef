import logging

from coproduce.celery import app
from coproduce.people.models import Channel

from . import actions
from .backends import Outgoing, deliver, send_email

logger = logging.getLogger(__name__)


@app.task(acks_late=False)
def deliver_message(message_id: int) -> str:
    """Send one message. No automatic retry: a message must never reach a person twice."""
    message = actions.claim_for_sending(message_id)
    if message is None:
        return "already handled"
    outgoing = Outgoing(
        key=message.key,
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        postal_address=actions.postal_address(message.person),
    )
    try:
        reference = deliver(outgoing)
    except Exception as error:
        logger.exception("Message %s could not be sent", message.key)
        actions.record_delivery(message, failure=str(error) or error.__class__.__name__)
        return "failed"
    actions.record_delivery(message, reference=reference)
    return "sent"


@app.task(acks_late=False)
def deliver_staff_message(message_id: int) -> str:
    """Send one email to a member of staff; like deliver_message, never retried."""
    message = actions.claim_staff_message_for_sending(message_id)
    if message is None:
        return "already handled"
    outgoing = Outgoing(
        key=message.key,
        channel=Channel.EMAIL,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
    )
    try:
        send_email(outgoing)
    except Exception as error:
        logger.exception("Email %s to staff could not be sent", message.key)
        actions.record_staff_delivery(message, failure=str(error) or error.__class__.__name__)
        return "failed"
    actions.record_staff_delivery(message)
    return "sent"
