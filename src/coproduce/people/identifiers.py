"""NHS numbers: ten digits, the last a Modulus 11 check digit (NHS Data Dictionary)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def nhs_check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid NHS number can end them."""
    weights = range(10, 1, -1)
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, weights, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: str) -> str:
    """Drop the spaces people type ("943 476 5919")."""
    return "".join(value.split())


def spaced_nhs_number(value: str) -> str:
    """As the NHS writes it for people to read, in groups of 3, 3 and 4 ("943 476 5919")."""
    digits = normalise_nhs_number(value or "")
    if len(digits) != 10:
        return value or ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def is_valid_nhs_number(value: str) -> bool:
    digits = normalise_nhs_number(value)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    return nhs_check_digit(digits[:9]) == int(digits[9])


def validate_nhs_number(value: str) -> None:
    if not is_valid_nhs_number(value):
        raise ValidationError(
            _("Enter a valid 10-digit NHS number, like 943 476 5919."), code="invalid_nhs_number"
        )
