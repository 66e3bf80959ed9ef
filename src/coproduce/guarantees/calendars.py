"""Working days: weekdays that are not public holidays in a country.

A working-day limit is counted thousands of times a second (the `check` command, statistics),
so each country's calendar is worked out once, lazily, for a wide range of years, as two
arrays over date ordinals: how many working days there are up to and including each day, and
the ordinal of every working day. Counting and stepping are then a subtraction and an index.

Weekends are Saturday and Sunday everywhere here. Some countries' holiday lists can include
Sundays (`holidays.NO(include_sundays=True)`); it makes no difference, because a Sunday is
already not a working day. The calendar asks for the default list, which leaves them out.
"""

from datetime import date
from functools import cache

import holidays

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


class OutsideCalendar(ValueError):
    def __init__(self, ordinal: int) -> None:
        day = date.fromordinal(ordinal)
        super().__init__(
            f"{day.isoformat()} is outside the working-day calendar "
            f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
        )


class WorkingDays:
    """The working days of one country. Every method takes and returns date ordinals."""

    def __init__(self, country: str) -> None:
        self.country = country
        self.first_ordinal = FIRST_DAY.toordinal()
        self.last_ordinal = LAST_DAY.toordinal()
        public_holidays = (
            holidays.country_holidays(country, years=range(FIRST_DAY.year, LAST_DAY.year + 1))
            if country
            else {}
        )
        # worked_through[i]: working days from FIRST_DAY up to and including FIRST_DAY + i.
        self.worked_through: list[int] = []
        self.working_day_ordinals: list[int] = []
        worked = 0
        for ordinal in range(self.first_ordinal, self.last_ordinal + 1):
            day = date.fromordinal(ordinal)
            if day.weekday() < 5 and day not in public_holidays:
                worked += 1
                self.working_day_ordinals.append(ordinal)
            self.worked_through.append(worked)

    def _index(self, ordinal: int) -> int:
        if not self.first_ordinal <= ordinal <= self.last_ordinal:
            raise OutsideCalendar(ordinal)
        return ordinal - self.first_ordinal

    def is_working_day(self, ordinal: int) -> bool:
        index = self._index(ordinal)
        return self.worked_through[index] != (self.worked_through[index - 1] if index else 0)

    def count(self, after: int, through: int) -> int:
        """Working days after `after` up to and including `through` (0 if through <= after)."""
        if through <= after:
            return 0
        return self.worked_through[self._index(through)] - self.worked_through[self._index(after)]

    def add(self, start: int, days: int) -> int:
        """The `days`-th working day after `start` (`start` itself when days is 0)."""
        if days <= 0:
            return start
        position = self.worked_through[self._index(start)] + days - 1
        if position >= len(self.working_day_ordinals):
            raise OutsideCalendar(self.last_ordinal + 1)
        return self.working_day_ordinals[position]


@cache
def working_days(country: str) -> WorkingDays:
    """The calendar of `country` (ISO 3166 code; "" for weekends only), built on first use."""
    return WorkingDays(country)
