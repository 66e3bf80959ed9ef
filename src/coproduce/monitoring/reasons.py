"""Why an alert was raised, in the words the care team reads on the panel and the alert
(stored with the alert, so they stay as they were when it was raised)."""

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def not_heard_from(silent_since: date) -> str:
    return _("No check-ins from %(day)s: two windows in a row missed.") % {
        "day": date_format(silent_since, "j F Y")
    }
