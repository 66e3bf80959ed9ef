"""Synthetic identities for the demo: names, streets, postcodes, phone numbers and NHS numbers
that look real but can never belong to, or reach, a real person.

Faker is too slow to call once per person for a million people, so it is called a few
thousand times (seeded) to fill pools, and a seeded random.Random combines the pools. Both are
deterministic, so the same seed gives the same people (with the same Faker version).
"""

import random
import re
from dataclasses import dataclass

from .identifiers import nhs_check_digit

# Faker's en_GB street suffixes are mostly American ("Canyon", "Expressway"), so streets are
# Faker surnames with these British endings instead.
STREET_ENDINGS = (
    "Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Gardens", "Grove",
    "Terrace", "Place", "Court", "Hill", "Mews", "Walk", "Rise", "View", "Row", "Green",
)  # fmt: skip
# Letters a postcode's inward part never uses (Royal Mail rules).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# "RV" is not a real postcode area, so no demo letter address is anyone's home.
POSTCODE_AREA = "RV"
# Ofcom keeps 07700 900000 to 07700 900999 for drama: no text can reach a real phone.
PHONE_PREFIX = "07700 900"
# Reserved for examples (RFC 2606): no email can reach a real inbox.
EMAIL_DOMAIN = "example.org"

FAKER_DRAWS = 2000


class DemoNeedsFaker(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "The demo needs Faker: install Coproduce with its demo extra (pip install "
            "'coproduce[demo]'), as `make demo` does."
        )


@dataclass(frozen=True)
class NamePools:
    female_given_names: tuple[str, ...]
    male_given_names: tuple[str, ...]
    family_names: tuple[str, ...]
    street_names: tuple[str, ...]


def name_pools(seed: int) -> NamePools:
    """Distinct names drawn from Faker's en_GB locale, in the order Faker gave them."""
    # Imported here: Faker is only for the demo (the `demo` extra), never a web process.
    try:
        from faker import Faker
    except ImportError:
        raise DemoNeedsFaker from None
    fake = Faker("en_GB")
    fake.seed_instance(seed)

    def distinct(draw) -> tuple[str, ...]:
        return tuple(dict.fromkeys(draw() for _ in range(FAKER_DRAWS)))

    female = distinct(fake.first_name_female)
    male = distinct(fake.first_name_male)
    family = distinct(fake.last_name)
    endings = random.Random(f"{seed}:street-endings")
    streets = tuple(dict.fromkeys(f"{name} {endings.choice(STREET_ENDINGS)}" for name in family))
    return NamePools(female, male, family, streets)


class NhsNumberSequence:
    """Distinct, valid NHS numbers in a seeded order, without remembering the ones given out.

    Numbers come first from 999 000 0000-999 999 9999, the block NHS England keeps for test
    data and never issues; once its ~909,000 valid numbers are used, from 998, 997 and so on,
    blocks outside every issued range (England issues numbers beginning 3, 4, 6 and 7).
    Within a block, x -> (multiplier * x + offset) mod 10**6 visits every six-digit ending
    once, because the multiplier shares no factor with 10**6.
    """

    BLOCK_SIZE = 10**6

    def __init__(self, rng: random.Random) -> None:
        self.multiplier = rng.randrange(1, self.BLOCK_SIZE, 2)
        while self.multiplier % 5 == 0:
            self.multiplier = rng.randrange(1, self.BLOCK_SIZE, 2)
        self.offset = rng.randrange(self.BLOCK_SIZE)
        self.block = 999
        self.position = 0

    def __next__(self) -> str:
        while True:
            if self.position == self.BLOCK_SIZE:
                if self.block == 900:
                    raise StopIteration
                self.block -= 1
                self.position = 0
            ending = (self.multiplier * self.position + self.offset) % self.BLOCK_SIZE
            self.position += 1
            first_nine = f"{self.block}{ending:06d}"
            check = nhs_check_digit(first_nine)
            if check is not None:
                return f"{first_nine}{check}"

    def __iter__(self) -> "NhsNumberSequence":
        return self


def postcode(district_number: int, rng: random.Random) -> str:
    """A postcode in the demo's made-up area, like "RV3 7QT"."""
    letters = rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
    return f"{POSTCODE_AREA}{district_number} {rng.randrange(10)}{letters}"


def phone_number(rng: random.Random) -> str:
    return f"{PHONE_PREFIX}{rng.randrange(1000):03d}"


def account_name(given_name: str, family_name: str) -> str:
    """A name as letters and a dot, for usernames and email addresses: Mary O'Connor is
    mary.oconnor."""
    return ".".join(re.sub(r"[^a-z]", "", name.lower()) for name in (given_name, family_name))


def email_address(given_name: str, family_name: str, rng: random.Random) -> str:
    return f"{account_name(given_name, family_name)}{rng.randrange(1, 100)}@{EMAIL_DOMAIN}"
