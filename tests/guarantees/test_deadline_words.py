"""One deadline, one date: the staff offer page, My data and My waits say the same deadline
date and that it was missed, never the day after; the worklist says days counted in words."""

import datetime as dt

import pytest

from coproduce.guarantees.models import Right
from tests.guarantees.test_views import ask, logged_in, page

pytestmark = pytest.mark.django_db


def _long(day: dt.date) -> str:
    return day.strftime("%-d %B %Y")


def test_every_page_says_the_missed_deadline_on_the_same_date(patient, breached, clinician):
    right = ask(patient, breached)
    deadline = Right.objects.get(pk=right.pk).breached_on - dt.timedelta(days=1)
    the_day_after = _long(deadline + dt.timedelta(days=1))

    my_waits = page(logged_in(patient.user).get("/waits/"))
    assert _long(deadline) in my_waits

    offer_page = page(logged_in(clinician).get(f"/waits/rights/{right.pk}/offer/"))
    assert f"{_long(deadline)} (missed)" in offer_page
    assert "Deadline missed on" not in offer_page

    my_data = page(logged_in(patient.user).get("/my-data/"))
    assert f"{_long(deadline)} (missed)" in my_data
    assert "Breached on" not in my_data
    assert the_day_after not in my_data.split('id="guarantee_rights"')[1].split("</table>")[0]


def test_the_worklist_says_days_counted_in_words(patient, breached, clinician):
    html = page(logged_in(clinician).get("/waits/worklist/"))
    assert "130 days (the guarantee allows 126)" in html
    assert "130 of 126" not in html
