"""Enrolling a person, their thresholds and their section of the record page, as a clinician
uses them: the steps from the person page to the enrolment, a care team member from
elsewhere refused on that field, each threshold change shown with who and why, and the
section shown only to staff with a basis in the person's health record."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.monitoring import actions
from coproduce.monitoring.models import Enrolment, MissedDay, SettingChange
from coproduce.people.models import Organisation, RecordCategory, Role
from tests.factories import ConsentFactory, OrganisationFactory, RoleFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client, person, programme="heart-failure", organisation=None):
    return client.post(
        reverse("monitoring:enrol", kwargs={"person_id": person.pk}),
        {"programme": programme, "organisation": organisation},
    )


def details(member_1, title="Heart failure nurse", **more):
    return {
        "member_1": member_1.pk,
        "member_1_title": title,
        "setting_three_day_gain_kg": "2.0",
        "setting_overnight_gain_kg": "1.0",
        "setting_dry_weight_kg": "",
        "window_opens": "07:00",
        "window_closes": "11:30",
        **more,
    }


def test_a_clinician_enrols_a_person_from_their_record_page(
    patient, hospital, clinician, backup_clinician
):
    client = signed_in(clinician)
    record = client.get(reverse("people:person", kwargs={"person_id": patient.pk}))
    enrol_url = reverse("monitoring:enrol", kwargs={"person_id": patient.pk})
    assert enrol_url in record.content.decode()
    first = client.get(enrol_url).content.decode()
    assert "Heart failure (weight and symptoms)" in first
    assert "Each morning you weigh yourself" in first  # what it asks, under its radio

    assert start(client, patient, organisation=hospital.pk).url.endswith("/details/")
    form = client.get(reverse("monitoring:enrol-details", kwargs={"person_id": patient.pk}))
    assert "Dry weight" in form.content.decode()
    assert "The programme&#x27;s default is 2.0." in form.content.decode()
    sent = client.post(
        reverse("monitoring:enrol-details", kwargs={"person_id": patient.pk}),
        details(
            clinician,
            setting_dry_weight_kg="71.5",
            member_2=backup_clinician.pk,
            member_2_title="GP",
        ),
    )
    assert sent.url.endswith("/check/")
    check = client.get(sent.url).content.decode()
    assert "71.5" in check and "GP" in check and "07:00" in check
    assert not Enrolment.objects.exists()  # nothing happens before the check step's button

    done = client.post(sent.url)

    enrolment = Enrolment.objects.get(person=patient)
    assert done.url == reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk})
    assert enrolment.settings == {"dry_weight_kg": 71.5}
    assert [(m.user, m.job_title) for m in enrolment.team.order_by("position")] == [
        (clinician, "Heart failure nurse"),
        (backup_clinician, "GP"),
    ]
    assert (enrolment.window_opens.hour, enrolment.window_closes.minute) == (7, 30)
    assert "is enrolled in" in client.get(done.url).content.decode()


def test_a_clinician_can_start_check_ins_on_a_later_day_and_no_day_before_it_is_missed(
    patient, hospital, clinician
):
    client = signed_in(clinician)
    start(client, patient, organisation=hospital.pk)
    details_url = reverse("monitoring:enrol-details", kwargs={"person_id": patient.pk})
    today = timezone.localdate()
    offered = client.get(details_url).content.decode()
    # Today is offered, in the three boxes of a GOV.UK date.
    for part, value in (("day", today.day), ("month", today.month), ("year", today.year)):
        assert f'name="starts_on_{part}" type="text" inputmode="numeric" value="{value}"' in offered
    later = today + timedelta(days=5)
    sent = client.post(
        details_url,
        details(
            clinician,
            starts_on_day=str(later.day),
            starts_on_month=str(later.month),
            starts_on_year=str(later.year),
        ),
    )
    check = client.get(sent.url).content.decode()
    assert f"{later.day} {later:%B %Y}" in check

    client.post(sent.url)

    enrolment = Enrolment.objects.get(person=patient)
    assert enrolment.starts_on == later
    actions.record_missed_check_ins(timezone.now() + timedelta(days=1))
    assert not MissedDay.objects.filter(enrolment=enrolment).exists()


@pytest.mark.parametrize(
    "days, message",
    [
        (-1, "The first day of check-ins must be today or later"),
        (91, "The first day of check-ins must be within 90 days"),
    ],
)
def test_a_first_day_in_the_past_or_too_far_ahead_is_refused_on_its_field(
    patient, hospital, clinician, days, message
):
    client = signed_in(clinician)
    start(client, patient, organisation=hospital.pk)
    day = timezone.localdate() + timedelta(days=days)
    page = client.post(
        reverse("monitoring:enrol-details", kwargs={"person_id": patient.pk}),
        details(
            clinician,
            starts_on_day=str(day.day),
            starts_on_month=str(day.month),
            starts_on_year=str(day.year),
        ),
    )

    html = page.content.decode()
    assert page.status_code == 200 and message in html
    assert 'href="#starts_on' in html  # the error summary links to the date
    assert not Enrolment.objects.exists()


def test_the_enrol_form_refuses_a_care_team_member_from_another_organisation(
    patient, hospital, clinician
):
    elsewhere = RoleFactory(organisation=OrganisationFactory(kind=Organisation.Kind.HOSPITAL))
    client = signed_in(clinician)
    start(client, patient, organisation=hospital.pk)

    page = client.post(
        reverse("monitoring:enrol-details", kwargs={"person_id": patient.pk}),
        details(clinician, member_2=elsewhere.user.pk, member_2_title="Consultant"),
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert '<a href="#member_2">Choose someone who works at the organisation</a>' in html
    assert 'id="member_2-error"' in html
    assert not Enrolment.objects.exists()


def test_a_refusal_at_the_check_step_is_shown_on_its_field(patient, hospital, clinician):
    leaving = RoleFactory(organisation=hospital)
    client = signed_in(clinician)
    start(client, patient, organisation=hospital.pk)
    client.post(
        reverse("monitoring:enrol-details", kwargs={"person_id": patient.pk}),
        details(clinician, member_2=leaving.user.pk, member_2_title="GP"),
    )
    leaving.delete()  # their role ended between the two steps

    page = client.post(reverse("monitoring:enrol-check", kwargs={"person_id": patient.pk}))

    assert page.status_code == 200
    assert "Choose someone who works at" in page.content.decode()
    assert not Enrolment.objects.exists()


def test_only_clinicians_with_a_health_basis_can_enrol(patient, hospital):
    admin = RoleFactory(organisation=hospital, kind=Role.Kind.ORGANISATION_ADMIN).user
    stranger = RoleFactory(organisation=OrganisationFactory()).user

    for user in (admin, stranger):
        page = signed_in(user).get(reverse("monitoring:enrol", kwargs={"person_id": patient.pk}))
        assert page.status_code == 404


def test_a_threshold_change_shows_who_and_why_in_its_history(enrolment, clinician):
    client = signed_in(clinician)
    url = reverse(
        "monitoring:change-threshold",
        kwargs={"enrolment_id": enrolment.pk, "key": "dry_weight_kg"},
    )
    assert "Dry weight" in client.get(url).content.decode()

    done = client.post(url, {"value": "68.4", "why": "Weighed at clinic after diuresis"})

    thresholds = reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk})
    assert done.url == thresholds
    change = SettingChange.objects.get(enrolment=enrolment)
    assert (change.key, change.new_value, change.changed_by) == ("dry_weight_kg", 68.4, clinician)
    history = client.get(thresholds).content.decode().split('id="changes"', 1)[1]
    assert "Weighed at clinic after diuresis" in history
    assert "From Not set to 68.4" in history
    assert "O&#x27;Brien" in history  # the clinician's name


def test_an_impossible_threshold_is_refused_on_its_field_and_nothing_changes(enrolment, clinician):
    url = reverse(
        "monitoring:change-threshold",
        kwargs={"enrolment_id": enrolment.pk, "key": "three_day_gain_kg"},
    )

    page = signed_in(clinician).post(url, {"value": "45", "why": "Typo"})

    assert page.status_code == 200
    assert '<a href="#value">Enter a number from 0.1 to 20.0</a>' in page.content.decode()
    assert not SettingChange.objects.exists()


def test_the_thresholds_are_not_found_for_a_colleague_off_the_care_team(enrolment, hospital):
    colleague = signed_in(RoleFactory(organisation=hospital).user)
    url = reverse(
        "monitoring:change-threshold",
        kwargs={"enrolment_id": enrolment.pk, "key": "dry_weight_kg"},
    )

    assert colleague.get(url).status_code == 404
    assert colleague.post(url, {"value": "70.0", "why": "x"}).status_code == 404
    assert not SettingChange.objects.exists()


def test_the_monitoring_section_is_on_the_person_page_only_with_a_health_basis(
    enrolment, patient, clinician
):
    council = OrganisationFactory(kind=Organisation.Kind.COUNCIL)
    social_worker = RoleFactory(organisation=council, kind=Role.Kind.PROFESSIONAL).user
    ConsentFactory(person=patient, organisation=council, category=RecordCategory.SOCIAL_CARE)
    record = reverse("people:person", kwargs={"person_id": patient.pk})

    seen = signed_in(clinician).get(record).content.decode()
    unseen = signed_in(social_worker).get(record)

    assert 'id="monitoring"' in seen and "Heart failure nurse" in seen
    assert reverse("monitoring:thresholds", kwargs={"enrolment_id": enrolment.pk}) in seen
    assert unseen.status_code == 200
    assert 'id="monitoring"' not in unseen.content.decode()
    assert "Heart failure" not in unseen.content.decode()


def test_stopping_monitoring_needs_a_reason_and_takes_them_off_the_panel(
    enrolment, patient, clinician
):
    client = signed_in(clinician)
    url = reverse("monitoring:end", kwargs={"enrolment_id": enrolment.pk})

    refused = client.post(url, {"reason": ""})
    assert '<a href="#reason">Say why monitoring stops</a>' in refused.content.decode()
    done = client.post(url, {"reason": "Moved to the community heart failure team"})

    assert done.url.endswith("#monitoring")
    enrolment.refresh_from_db()
    assert enrolment.ended_at is not None
    assert enrolment.end_reason == "Moved to the community heart failure team"
    panel = client.get(reverse("monitoring:panel")).content.decode()
    assert "panel-table" not in panel  # nobody left to watch
