"""What every demo generator is given: `coproduce demo` builds one DemoContext and passes it
to each generator in coproduce.registry.demo_generators(), in order.

The people generator (order 0) fills in the region's places, organisations and fixed
sign-ins; later generators (guarantees, monitoring, ...) read them here to add their own data
for the same people, so the whole demo tells one story.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

from .models import Locality, Organisation, User


@dataclass(frozen=True)
class DemoSignIn:
    """A fixed demo account, printed in the table at the end of `coproduce demo`."""

    user: User
    description: str


@dataclass
class DemoContext:
    seed: int
    # How many people the region should hold, the fixed sign-ins' people included.
    people: int
    # Rows are dated relative to this moment, so ages, waits and consents stay current.
    now: datetime
    today: date
    stdout: TextIO
    # Makes a tqdm progress bar: progress(total=..., desc=..., unit=...).
    progress: Callable[..., Any]
    localities: dict[str, Locality] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    sign_ins: dict[str, DemoSignIn] = field(default_factory=dict)

    def random_for(self, stream: str) -> random.Random:
        """A random generator seeded from the demo seed and a stream name.

        Each generator draws from its own stream, so adding a module to the demo, or drawing
        more numbers in one, leaves every other module's data unchanged.
        """
        return random.Random(f"{self.seed}:{stream}")

    def organisations_of_kind(self, kind: str) -> list[Organisation]:
        return [org for org in self.organisations.values() if org.kind == kind]

    def add_sign_in(self, user: User, description: str) -> None:
        self.sign_ins[user.get_username()] = DemoSignIn(user=user, description=description)
