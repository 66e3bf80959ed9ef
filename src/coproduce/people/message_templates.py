"""What the platform writes to a person about their record (messaging.message_templates),
registered in apps.py and sent by actions.py in the person's language."""

from django.utils.translation import gettext_lazy as _

from coproduce.messaging.message_templates import MessageTemplate

# ((done)) is a Phrase in the words of the module whose choice it was ("asked for care
# elsewhere for your wait for ..."), rendered in the same language.
ACTED_ON_BEHALF = MessageTemplate(
    "people.acted_on_behalf",
    subject=_("((organisation)) ((done)) on your behalf"),
    body=_(
        "On ((day)), ((staff)) ((done)) on your behalf. They have recorded that you asked "
        "them ((asked)).\n\nIf you did not ask for this, contact ((organisation)) straight "
        "away. Everyone who looks at or changes your record is listed in My data."
    ),
)

GAVE_CONSENT = _("gave ((organisation)) consent to see your ((category)) records")
TOOK_BACK_CONSENT = _("took back the consent for ((organisation)) to see your ((category)) records")

TEMPLATES = (ACTED_ON_BEHALF,)
