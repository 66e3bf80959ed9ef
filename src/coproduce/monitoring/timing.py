"""When things are owed, as pure functions of the facts and the clock: a person's day and
check-in window in their own time zone, an alert's due time, and where an alert stands.
Tested with hypothesis (tests/monitoring/test_timing.py)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
        return self.opens_at <= at < self.closes_at


def window_on(day: date, opens: time, closes: time, time_zone: str) -> Window:
    """The day's check-in window as moments (a clock change inside it is counted right)."""
    tz = zone(time_zone)
    return Window(
        day=day,
        opens_at=datetime.combine(day, opens, tzinfo=tz),
        closes_at=datetime.combine(day, closes, tzinfo=tz),
    )


def last_closed_day(at: datetime, opens: time, closes: time, time_zone: str) -> date:
    """The day of the latest check-in window that had closed by `at`."""
    day = local_day(at, time_zone)
    if at < window_on(day, opens, closes, time_zone).closes_at:
        day -= timedelta(days=1)
    return day


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
        return raised_at + timedelta(minutes=response_time.minutes)
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
    return AlertStatus.OVERDUE if now >= due_at else AlertStatus.OPEN


def repeat_closes_alert(asked_at: datetime | None, repeat_at: datetime, colour: Colour) -> bool:
    """A repeat measurement that comes back green within 30 minutes of being asked for."""
    return (
        asked_at is not None
        and colour == Colour.GREEN
        and timedelta(0) <= repeat_at - asked_at <= REMEASURE_WITHIN
    )
