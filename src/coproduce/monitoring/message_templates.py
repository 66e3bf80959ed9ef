"""What monitoring writes (messaging.message_templates): to the person, how their daily
check-in works and a reminder when one is missed, in their language; to a clinician, that an
alert is waiting for them. Listed in the manifest (apps.py), sent by notifications.py.

A programme's title and description are its own data, put in as they are. The emails to
clinicians never say who an alert is about or what it says: they are read on any screen,
so they say what kind of alert waits, by when, and where to sign in."""

from django.utils.translation import gettext_lazy as _

from coproduce.messaging.message_templates import MessageTemplate

ENROLLED = MessageTemplate(
    "monitoring.enrolled",
    subject=_("How your daily check-in works"),
    body=_(
        "((organisation)) has started checking on your health each day: ((programme)).\n\n"
        "((description))\n\n"
        "How it works: each day between ((opens)) and ((closes)), sign in at ((link)) and "
        "answer a few short questions. It takes a few minutes. Your first check-in is on "
        "((first_day)).\n\n"
        "Who will contact you: your ((contact)) at ((organisation)) sees your answers. If they "
        "show a serious warning sign, they will contact you ((red_within)). If they show "
        "another warning sign, they will contact you ((amber_within)). If we do not hear from "
        "you two days in a row, they will contact you to check you are all right.\n\n"
        "This is not an emergency service. If you feel very unwell, call 999, or call NHS 111 "
        "for advice."
    ),
)

MISSED_CHECK_IN = MessageTemplate(
    "monitoring.missed_check_in",
    subject=_("We have not had your check-in for ((day))"),
    body=_(
        "We have not had your check-in for ((programme)) on ((day)).\n\n"
        "You can next check in on ((next_day)) between ((opens)) and ((closes)): sign in at "
        "((link)).\n\n"
        "If you feel unwell, do not wait for your next check-in. Contact your ((contact)) at "
        "((organisation)), or call NHS 111. In an emergency, call 999."
    ),
)

ALERT_WAITING = MessageTemplate(
    "monitoring.alert_waiting",
    subject=_("((alert)) is waiting for you, due by ((due))"),
    body=_(
        "((alert)) is waiting for you in your monitoring queue, due by ((due)).\n\n"
        "Sign in to see it: ((link))\n\n"
        "This email does not say who it is about, to keep their details private."
    ),
)

ALERT_PASSED_ON = MessageTemplate(
    "monitoring.alert_passed_on",
    subject=_("((alert)) has been passed to you, due by ((due))"),
    body=_(
        "((alert)) has been passed to you from someone else on the care team. It is due by "
        "((due)).\n\n"
        "Sign in to see it: ((link))\n\n"
        "This email does not say who it is about, to keep their details private."
    ),
)

# ENROLLED's ((red_within)) and ((amber_within)): how fast the care team answers.
WITHIN_MINUTES = _("within ((minutes)) minutes")
BY_END_OF_WORKING_DAY = _(
    "by ((time)) the same working day, or the next working day if your answers come later, at "
    "a weekend or on a bank holiday"
)
# ((contact)) when the care team has no one on it any more.
CARE_TEAM = _("care team")

# ALERT_WAITING's and ALERT_PASSED_ON's ((alert)) and ((due)).
RED_ALERT = _("A red alert")
AMBER_ALERT = _("An amber alert")
REMARK_ALERT = _("A patient's own words")
NOT_HEARD_FROM_ALERT = _("A patient not heard from for two days")
DUE_AT = _("((time)) on ((day))")

TEMPLATES = (ENROLLED, MISSED_CHECK_IN, ALERT_WAITING, ALERT_PASSED_ON)
