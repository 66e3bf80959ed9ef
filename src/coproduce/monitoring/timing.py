"""When things are owed, as pure functions of the facts and the clock: a person's day and
check-in window in their own time zone, an alert's due time, and where an alert stands.
Tested with hypothesis (tests/monitoring/test_timing.py)."""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

from coproduce.guarantees.calendars import working_days

from .programmes import Colour, ResponseTime

# A repeat measurement closes an alert by itself only this soon after it was asked for.
REMEASURE_WITHIN = timedelta(minutes=30)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(at: datetime, time_zone: str) -> date:
    return at.astimezone(zone(time_zone)).date()


@dataclass(frozen=True)
class Window:
    day: date
    opens_at: datetime
    closes_at: datetime

    def holds(self, at: datetime) -> bool:
        return instant(self.opens_at) <= instant(at) < instant(self.closes_at)


def instant(moment: datetime) -> datetime:
    """The moment in UTC. Python compares and subtracts two times of the same zone by their
    clock readings, which a clock change makes wrong (01:50, then 01:10 twenty minutes
    later); in UTC they are compared as moments."""
    return moment.astimezone(UTC)


def window_on(day: date, opens: time, closes: time, time_zone: str) -> Window:
    """The day's check-in window as moments (a clock change inside it is counted right)."""
    tz = zone(time_zone)
    return Window(
        day=day, opens_at=clock_reading(day, opens, tz), closes_at=clock_reading(day, closes, tz)
    )


def last_closed_day(at: datetime, opens: time, closes: time, time_zone: str) -> date:
    """The day of the latest check-in window that had closed by `at`."""
    day = local_day(at, time_zone)
    if instant(at) < instant(window_on(day, opens, closes, time_zone).closes_at):
        day -= timedelta(days=1)
    return day


def clock_reading(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The moment the person's clock shows `clock` on `day` (the first time, when the clock
    goes back and shows it twice). A time the clock skips when it goes forward is the moment
    it jumps, so a window from 01:30 to 02:15 on that night in London opens at 02:00 BST and
    never closes before it opens."""
    # A setting's clock time names no fold: which of two readings it means is decided here.
    moment = datetime.combine(day, clock.replace(fold=0), tzinfo=tz)
    if instant(moment).astimezone(tz).replace(tzinfo=None) == moment.replace(tzinfo=None):
        return moment
    # Skipped: read with the offset after the jump it is before the jump, with the offset
    # before it is after; the jump (at a whole second) lies between.
    before = math.floor(moment.replace(fold=1).timestamp())
    after = math.ceil(moment.timestamp())
    offset_after = moment.replace(fold=1).utcoffset()
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, tz)


def response_time_for(colour: Colour, response_times: tuple[ResponseTime, ...]) -> ResponseTime:
    for response_time in response_times:
        if response_time.colour == colour:
            return response_time
    raise LookupError(f"no response time for {colour}")


def due_at(
    raised_at: datetime, response_time: ResponseTime, *, time_zone: str, country: str
) -> datetime:
    """When the care team owes an answer to an alert raised at `raised_at`."""
    if response_time.minutes is not None:
        return instant(raised_at) + timedelta(minutes=response_time.minutes)
    tz = zone(time_zone)
    local = raised_at.astimezone(tz)
    calendar = working_days(country)
    day = local.date()
    if not calendar.is_working_day(day.toordinal()) or local.time() >= (
        response_time.working_day_ends
    ):
        day = date.fromordinal(calendar.add(day.toordinal(), 1))
    return datetime.combine(day, response_time.working_day_ends, tzinfo=tz)


class AlertStatus(StrEnum):
    OPEN = "open"  # waiting for a clinician, not yet due
    OVERDUE = "overdue"  # waiting for a clinician past its due time
    IN_HAND = "in_hand"  # a clinician has it (seen, asked to re-measure, called)
    CLOSED = "closed"


def alert_status(
    *, closed_at: datetime | None, due_at: datetime, handled: bool, now: datetime
) -> AlertStatus:
    """`handled`: a clinician has taken a step on it since it was last raised or passed on."""
    if closed_at is not None:
        return AlertStatus.CLOSED
    if handled:
        return AlertStatus.IN_HAND
    return AlertStatus.OVERDUE if instant(now) >= instant(due_at) else AlertStatus.OPEN


def repeat_closes_alert(asked_at: datetime | None, repeat_at: datetime, colour: Colour) -> bool:
    """A repeat measurement that comes back green within 30 minutes of being asked for."""
    return (
        asked_at is not None
        and colour == Colour.GREEN
        and timedelta(0) <= instant(repeat_at) - instant(asked_at) <= REMEASURE_WITHIN
    )
