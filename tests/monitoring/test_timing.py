"""When things are owed (monitoring.timing), for any moment, time zone and clock change:
hypothesis draws them and checks what a person or a clinician would notice: the window is
the part of the person's day their own clock shows, an alert is due at the first working
day's end after it was raised (or within the hour), and what a moment means never depends on
the time zone it is written in."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.monitoring import timing
from coproduce.monitoring.programmes import Colour, ResponseTime
from coproduce.monitoring.timing import AlertStatus

# Zones with clock changes of an hour (both hemispheres), of half an hour (Lord Howe), none.
ZONES = (
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "UTC",
)
RED = ResponseTime(Colour.RED, minutes=60)
AMBER = ResponseTime(Colour.AMBER, same_working_day=True)

FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2035, 12, 31)


def _clock_changes(time_zone: str) -> list[datetime]:
    """Every moment from FIRST_DAY to LAST_DAY at which the zone's clocks go forward or back."""
    tz = ZoneInfo(time_zone)
    changes = []
    start = datetime.combine(FIRST_DAY, time(0), tzinfo=UTC)
    for number in range((LAST_DAY - FIRST_DAY).days):
        low, high = start + timedelta(days=number), start + timedelta(days=number + 1)
        if low.astimezone(tz).utcoffset() == high.astimezone(tz).utcoffset():
            continue
        while high - low > timedelta(minutes=1):
            middle = low + (high - low) / 2
            if middle.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
                low = middle
            else:
                high = middle
        changes.append(high.replace(second=0, microsecond=0))
    return changes


CLOCK_CHANGES = {name: _clock_changes(name) for name in ZONES}
OTHER_ZONES = ("UTC", "Pacific/Chatham", "America/New_York")

zones = st.sampled_from(ZONES)
any_moment = st.datetimes(
    min_value=datetime.combine(FIRST_DAY, time(0)),
    max_value=datetime.combine(LAST_DAY, time(0)),
    timezones=st.just(UTC),
)
within_three_hours = st.one_of(
    st.timedeltas(min_value=timedelta(hours=-3), max_value=timedelta(hours=3)),
    st.timedeltas(min_value=timedelta(minutes=-40), max_value=timedelta(minutes=40)),
)


@st.composite
def zone_and_moment(draw):
    """A person's zone and a moment (in UTC), half the time within three hours of one of
    the zone's clock changes, and the moment as a device or a database might write it: in
    the person's zone (where comparing by the clock and by the moment differ) or another."""
    time_zone = draw(zones)
    if CLOCK_CHANGES[time_zone] and draw(st.booleans()):
        moment = draw(st.sampled_from(CLOCK_CHANGES[time_zone])) + draw(within_three_hours)
    else:
        moment = draw(any_moment)
    written_in = draw(st.sampled_from((time_zone, time_zone, *OTHER_ZONES)))
    return time_zone, moment, in_zone(moment, written_in)


@st.composite
def window_times(draw, time_zone: str, day: date):
    """Opening and closing times (opens <= closes), often around the day's clock change."""
    tz = ZoneInfo(time_zone)
    changes = [c for c in CLOCK_CHANGES[time_zone] if c.astimezone(tz).date() == day]
    if changes and draw(st.booleans()):
        shown = (changes[0] - timedelta(minutes=1)).astimezone(tz).replace(tzinfo=None)
        near = st.timedeltas(min_value=timedelta(hours=-2), max_value=timedelta(hours=2)).map(
            lambda offset: max(
                min(shown + offset, datetime.combine(day, time.max)),
                datetime.combine(day, time.min),
            ).time()
        )
        opens, closes = draw(near), draw(near)
    else:
        opens, closes = draw(st.times()), draw(st.times())
    opens, closes = sorted((opens.replace(microsecond=0), closes.replace(microsecond=0)))
    return opens, closes


def in_zone(moment: datetime, name: str) -> datetime:
    return moment.astimezone(ZoneInfo(name))


def clock_shows(moment: datetime, time_zone: str) -> tuple[date, time]:
    local = moment.astimezone(ZoneInfo(time_zone))
    return local.date(), local.time().replace(tzinfo=None)


# --- the check-in window -------------------------------------------------------------------


@settings(max_examples=300)
@given(st.data(), zone_and_moment())
def test_the_window_lasts_as_long_as_the_clock_says_and_never_closes_before_it_opens(data, drawn):
    time_zone, moment, _written = drawn
    day = moment.astimezone(ZoneInfo(time_zone)).date()
    opens, closes = data.draw(window_times(time_zone, day))
    window = timing.window_on(day, opens, closes, time_zone)
    lasts = window.closes_at.astimezone(UTC) - window.opens_at.astimezone(UTC)
    by_the_clock = datetime.combine(day, closes) - datetime.combine(day, opens)
    assert lasts >= timedelta(0)
    # As long as the clock says, give or take the one clock change of the day.
    assert abs(lasts - by_the_clock) <= timedelta(hours=1)


def test_a_window_that_starts_in_the_hour_the_clock_skips_opens_when_the_clock_jumps():
    """On the night the clocks go forward in London (01:00 becomes 02:00), a window from
    01:30 to 02:15 is open from 02:00 to 02:15 by the person's clock."""
    window = timing.window_on(date(2026, 3, 29), time(1, 30), time(2, 15), "Europe/London")
    assert window.opens_at.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert window.closes_at.astimezone(UTC) == datetime(2026, 3, 29, 1, 15, tzinfo=UTC)


@settings(max_examples=300)
@given(st.data(), zone_and_moment())
def test_a_moment_is_in_the_window_when_the_persons_clock_shows_a_time_inside_it(data, drawn):
    time_zone, moment, written = drawn
    local = moment.astimezone(ZoneInfo(time_zone))
    opens, closes = data.draw(window_times(time_zone, local.date()))
    window = timing.window_on(local.date(), opens, closes, time_zone)
    holds = window.holds(written)
    assert holds == window.holds(moment)  # however the moment is written
    shows = local.time().replace(tzinfo=None)
    if local.fold == 0:
        assert holds == (opens <= shows < closes)
    else:
        # A clock going back shows an hour twice. The window opens the first time the clock
        # shows its opening time and closes the first time it shows its closing time.
        assert not holds or shows < closes


@settings(max_examples=200)
@given(st.data(), zone_and_moment())
def test_the_last_closed_day_is_the_latest_whose_window_closed_by_then(data, drawn):
    time_zone, moment, written = drawn
    shown_day = moment.astimezone(ZoneInfo(time_zone)).date()
    opens, closes = data.draw(window_times(time_zone, shown_day))
    day = timing.last_closed_day(written, opens, closes, time_zone)
    assert timing.window_on(day, opens, closes, time_zone).closes_at <= moment
    following = timing.window_on(day + timedelta(days=1), opens, closes, time_zone)
    assert following.closes_at > moment


@given(zone_and_moment())
def test_the_persons_day_is_the_date_their_clock_shows(drawn):
    time_zone, moment, written = drawn
    assert timing.local_day(written, time_zone) == moment.astimezone(ZoneInfo(time_zone)).date()


# --- due times -----------------------------------------------------------------------------


@given(zone_and_moment())
def test_a_red_alert_is_due_one_hour_later_by_any_clock(drawn):
    time_zone, raised, written = drawn
    due = timing.due_at(written, RED, time_zone=time_zone, country="GB")
    assert due.astimezone(UTC) - raised == timedelta(hours=1)


def _working_day(day: date, public_holidays) -> bool:
    return day.weekday() < 5 and day not in public_holidays


@settings(max_examples=300, deadline=None)  # the first use builds the working-day calendar
@given(zone_and_moment(), st.sampled_from(("GB", "")))
def test_an_amber_alert_is_due_at_the_end_of_the_first_working_day_still_to_end(drawn, country):
    """The end of the working day it was raised on, or of the next working day when it came
    after the end or on a weekend or a public holiday: never a day later than that."""
    time_zone, raised, written = drawn
    due = timing.due_at(written, AMBER, time_zone=time_zone, country=country)
    public_holidays = holidays.country_holidays(country) if country else {}
    tz = ZoneInfo(time_zone)
    day = raised.astimezone(tz).date()
    while not (
        _working_day(day, public_holidays)
        and datetime.combine(day, AMBER.working_day_ends, tzinfo=tz) > raised
    ):
        day += timedelta(days=1)
    assert due.astimezone(UTC) == datetime.combine(day, AMBER.working_day_ends, tzinfo=tz)
    assert due > raised


def test_an_amber_alert_on_christmas_eve_evening_is_due_after_the_bank_holidays():
    # 2026: Christmas is a Friday, Boxing Day a Saturday (its holiday is Monday the 28th).
    raised = datetime(2026, 12, 24, 17, 30, tzinfo=ZoneInfo("Europe/London"))
    due = timing.due_at(raised, AMBER, time_zone="Europe/London", country="GB")
    assert due == datetime(2026, 12, 29, 17, 0, tzinfo=ZoneInfo("Europe/London"))


def test_an_amber_alert_raised_just_before_the_end_of_the_day_is_due_that_evening():
    tz = ZoneInfo("Europe/London")
    just_before = datetime(2026, 12, 3, 16, 59, 59, tzinfo=tz)  # a Thursday
    assert timing.due_at(just_before, AMBER, time_zone="Europe/London", country="GB") == (
        datetime(2026, 12, 3, 17, 0, tzinfo=tz)
    )
    at_the_end = datetime(2026, 12, 3, 17, 0, tzinfo=tz)
    assert timing.due_at(at_the_end, AMBER, time_zone="Europe/London", country="GB") == (
        datetime(2026, 12, 4, 17, 0, tzinfo=tz)
    )


# --- where an alert stands -----------------------------------------------------------------


@given(st.none() | any_moment, any_moment, st.booleans(), any_moment)
def test_an_alert_is_closed_in_hand_overdue_or_open_in_that_order(closed_at, due, handled, now):
    status = timing.alert_status(closed_at=closed_at, due_at=due, handled=handled, now=now)
    if closed_at is not None:
        assert status == AlertStatus.CLOSED
    elif handled:
        assert status == AlertStatus.IN_HAND
    else:
        assert status == (AlertStatus.OVERDUE if now >= due else AlertStatus.OPEN)


@given(zone_and_moment(), st.sampled_from(ZONES))
def test_an_alert_is_overdue_from_its_due_time_by_any_clock(drawn, now_written_in):
    _time_zone, due, due_written = drawn
    for now, expected in (
        (due - timedelta(microseconds=1), AlertStatus.OPEN),
        (due, AlertStatus.OVERDUE),
    ):
        status = timing.alert_status(
            closed_at=None, due_at=due_written, handled=False, now=in_zone(now, now_written_in)
        )
        assert status == expected


# --- a repeat measurement ------------------------------------------------------------------


@given(
    zone_and_moment(),
    st.one_of(
        st.timedeltas(min_value=timedelta(hours=-2), max_value=timedelta(hours=2)),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=30)),
    ),
    st.sampled_from(list(Colour)),
)
def test_only_a_green_repeat_within_30_minutes_of_the_ask_closes_the_alert(drawn, after, colour):
    time_zone, asked, asked_written = drawn
    repeat_written = in_zone(asked + after, time_zone)
    closes = timing.repeat_closes_alert(asked_written, repeat_written, colour)
    assert closes == (colour == Colour.GREEN and timedelta(0) <= after <= timedelta(minutes=30))


def test_a_repeat_at_exactly_30_minutes_closes_it_and_a_moment_later_does_not():
    asked = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    half_hour = timedelta(minutes=30)
    assert timing.repeat_closes_alert(asked, asked + half_hour, Colour.GREEN)
    assert not timing.repeat_closes_alert(
        asked, asked + half_hour + timedelta(microseconds=1), Colour.GREEN
    )
    assert not timing.repeat_closes_alert(None, asked, Colour.GREEN)


def test_a_repeat_across_the_night_the_clocks_go_back_is_timed_by_the_real_minutes():
    """01:50 before the clocks go back, then 01:10 after it (20 minutes later): in time."""
    london = ZoneInfo("Europe/London")
    asked = datetime(2026, 10, 25, 1, 50, tzinfo=london)
    repeat = datetime(2026, 10, 25, 1, 10, fold=1, tzinfo=london)
    assert repeat.astimezone(UTC) - asked.astimezone(UTC) == timedelta(minutes=20)
    assert timing.repeat_closes_alert(asked, repeat, Colour.GREEN)


def test_a_window_closing_in_the_skipped_hour_holds_the_hour_before_however_its_time_is_written():
    """Found by Hypothesis: on the night New York's clocks go forward (02:00 becomes 03:00), a
    window from 00:00 to 02:00 is open at 01:00, also when its closing time carries a fold."""
    for closes in (time(2, 0), time(2, 0, fold=1)):
        window = timing.window_on(date(2020, 3, 8), time(0, 0), closes, "America/New_York")
        assert window.holds(datetime(2020, 3, 8, 6, 0, tzinfo=UTC))  # 01:00 EST
        assert window.closes_at.astimezone(UTC) == datetime(2020, 3, 8, 7, 0, tzinfo=UTC)
