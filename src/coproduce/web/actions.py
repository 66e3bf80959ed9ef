"""The write path of a staff member's own sign-in (the web app's actions): setting up an
authenticator app, its recovery codes, and checking a second-factor code. Nobody else's record
changes, so there is no person's audit trail to write: each change is logged, and django-otp's
throttle counts wrong codes (which is why a refusal is raised after the transaction)."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coproduce.errors import InvalidInput

from .lockout import clock_time

logger = logging.getLogger(__name__)

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10


class CodeRefused(InvalidInput):
    """The code is not right (or not now): said on the page's one field, `code`."""

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"code": [message]})


def _wait_message(locked_until: datetime | None) -> str:
    if locked_until is None or (locked_until - timezone.now()).total_seconds() < 60:
        return _("You have entered a wrong code too many times. Wait a minute, then try again.")
    return _(
        "You have entered a wrong code too many times. Wait until %(time)s, then try again."
    ) % {"time": clock_time(locked_until)}


def _refusal(device, code: str, wrong: str) -> str | None:
    """None if the device accepts the code; otherwise what to tell the person. Wrong codes
    count towards django-otp's throttle (each one doubles the wait before the next try)."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        return _wait_message((details or {}).get("locked_until"))
    if device.verify_token(code):
        return None
    return wrong


def authenticator_to_set_up(user) -> TOTPDevice:
    """The new authenticator app the user is setting up: the same secret until confirmed, so
    reloading the page does not undo a scan."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def confirm_authenticator(*, user, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the user's new authenticator app with a code it shows, and give them new
    recovery codes (replacing any old ones). Raises CodeRefused."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            refusal = _("This set-up has expired. Reload the page and scan the new QR code.")
        else:
            refusal = _refusal(
                device,
                code,
                _(
                    "The code is not right. Enter the code your authenticator app shows now, "
                    "for the account you have just added"
                ),
            )
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            StaticDevice.objects.filter(user=user).delete()
            recovery = StaticDevice.objects.create(user=user, name=RECOVERY_CODES_NAME)
            codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
            StaticToken.objects.bulk_create(
                StaticToken(device=recovery, token=token) for token in codes
            )
    # Outside the transaction, so a wrong code's count towards the throttle is kept.
    if refusal is not None:
        raise CodeRefused(refusal)
    logger.info("Two-factor sign-in set up for user %s, with new recovery codes.", user.pk)
    return device, codes


@dataclass(frozen=True)
class Verified:
    device: TOTPDevice | StaticDevice
    # How many recovery codes are left, when one was used.
    recovery_codes_left: int | None


def is_authenticator_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit()


def verify_second_factor(*, user, code: str) -> Verified:
    """Check a code from the user's authenticator app, or one of their recovery codes (which
    then stops working). Raises CodeRefused."""
    left = None
    with transaction.atomic():
        if is_authenticator_code(code):
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True)
            wrong = _(
                "The code is not right. Enter the code your authenticator app shows now "
                "(each code works only once)"
            )
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
            wrong = _(
                "This recovery code is not right, or it has been used already. Check it, or "
                "enter a different one"
            )
        device = device.order_by("pk").first()
        if device is None:
            refusal = wrong
        else:
            refusal = _refusal(device, code, wrong)
            if refusal is None and isinstance(device, StaticDevice):
                left = device.token_set.count()
    if refusal is not None:
        raise CodeRefused(refusal)
    if left is not None:
        logger.info("Recovery code used by user %s: %s left.", user.pk, left)
    return Verified(device=device, recovery_codes_left=left)
