"""What the platform writes to a person about their wait (messaging.message_templates):
listed in the manifest (apps.py) and sent by actions.py in the person's language.

Scheme texts (what a stage promises, what a person is owed) come from the scheme's own data,
in the words of its country and service, and are put in as they are."""

from django.utils.translation import gettext_lazy as _

from coproduce.messaging.message_templates import MessageTemplate

BREACH = MessageTemplate(
    "guarantees.breach",
    subject=_("Your wait for ((service)) is longer than the guarantee allows"),
    body=_(
        "((promise))\n\nYour deadline under ((guarantee)) was ((deadline)) at ((provider)), and "
        "it has passed.\n\n((right))\n\nSign in and open My waits to ask for care elsewhere in "
        "one step."
    ),
)

OFFER = MessageTemplate(
    "guarantees.offer",
    subject=_("You can be seen sooner for ((service))"),
    body=_(
        "((provider)) can see you on ((appointment_day)). Please accept or decline by "
        "((reply_by)) in My waits. ((if_you_decline))"
    ),
)
# OFFER's ((if_you_decline)): what declining does under the stage's scheme.
IF_YOU_DECLINE_IT_LAPSES = _("If you decline, the guarantee no longer applies to this wait.")
IF_YOU_DECLINE_YOU_STAY = _("If you decline, you stay on the waiting list where you are.")

# What staff did on the person's behalf (people.message_templates.ACTED_ON_BEHALF's ((done))).
ASKED_FOR_CARE_ELSEWHERE = _("asked for care elsewhere for your wait for ((service))")
ACCEPTED_OFFER = _("accepted the offer of care at ((provider)) on ((day))")
DECLINED_OFFER = _("declined the offer of care at ((provider))")

TEMPLATES = (BREACH, OFFER)
