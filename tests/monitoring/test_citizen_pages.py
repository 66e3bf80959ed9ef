"""The citizen's check-in pages as a person (or their carer) meets them: today's check-in
question by question, a draft that waits for them, an impossible answer refused on its
question with nothing stored, a result in words that says who will call and by when, a carer
reading about the person in the third person, and the last 90 days as a chart whose table
holds the same numbers."""

import html
import re
from datetime import time, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coproduce.monitoring import actions
from coproduce.monitoring.models import Alert, CheckIn, CheckInDraft, Enrolment
from coproduce.people.access import Actor
from coproduce.people.models import AuditEvent, Relationship
from tests.factories import PersonFactory, RelationshipFactory, UserFactory

pytestmark = pytest.mark.django_db

WELL = {
    "weight_kg": "80.2",
    "breathless": "no",
    "ankles_more_swollen": "no",
    "more_pillows": "no",
    "dizzy": "no",
    "remark": "",
}


def visible_text(response) -> str:
    """What a reader sees in the page's main content: no tags, no attribute values, spaces
    as one."""
    page = response.content.decode()
    main = page.split('id="main-content"', 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", main, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def words(text: str) -> str:
    return " ".join(text.split())


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def question_url(enrolment, key: str) -> str:
    return reverse("monitoring:question", kwargs={"enrolment_id": enrolment.pk, "key": key})


def check_url(enrolment) -> str:
    return reverse("monitoring:check-answers", kwargs={"enrolment_id": enrolment.pk})


def answer_all(client, enrolment, answers=WELL) -> None:
    for key, value in answers.items():
        response = client.post(question_url(enrolment, key), {key: value})
        assert response.status_code == 302, (key, visible_text(response))


def test_the_person_checks_in_question_by_question_and_reads_the_result(enrolment, patient):
    client = signed_in(patient.user)

    mine = client.get(reverse("monitoring:mine"))
    assert "Start today's check-in" in visible_text(mine)
    started = client.get(reverse("monitoring:check-in", kwargs={"enrolment_id": enrolment.pk}))
    assert started.url == question_url(enrolment, "weight_kg")

    first = client.get(started.url)
    page = first.content.decode()
    assert "<h1" in page and "What do you weigh this morning?" in visible_text(first)
    assert 'inputmode="decimal"' in page and "govuk-input__suffix" in page
    assert "Question 1 of 6" in visible_text(first)

    visited = []
    for key, value in WELL.items():
        response = client.post(question_url(enrolment, key), {key: value})
        visited.append(response.url)
    assert visited[:-1] == [question_url(enrolment, key) for key in list(WELL)[1:]]
    assert visited[-1] == check_url(enrolment)

    check = visible_text(client.get(check_url(enrolment)))
    assert "Check your answers before sending them" in check
    assert "What do you weigh this morning? 80.2 kg" in check
    assert "How is your breathing today? As usual for me" in check
    assert "Is there anything else you want your care team to know? Not answered" in check

    sent = client.post(check_url(enrolment))
    check_in = CheckIn.objects.get()
    assert sent.url == reverse("monitoring:result", kwargs={"check_in_id": check_in.pk})
    assert check_in.source == CheckIn.Source.WEB
    assert check_in.answers == {
        "weight_kg": 80.2,
        "breathless": "no",
        "ankles_more_swollen": False,
        "more_pillows": False,
        "dizzy": False,
    }
    assert not CheckInDraft.objects.exists()
    result = visible_text(client.get(sent.url))
    assert "Check-in sent" in result
    assert "Your readings are in the normal range for you." in result
    assert "green" not in result.lower()
    assert "You checked in today at" in visible_text(client.get(reverse("monitoring:mine")))


def test_a_draft_waits_for_the_person_to_come_back_the_same_day(enrolment, patient):
    client = signed_in(patient.user)
    client.post(question_url(enrolment, "weight_kg"), {"weight_kg": "81,4"})
    client.post(question_url(enrolment, "breathless"), {"breathless": "more_than_usual"})

    later = signed_in(patient.user)
    assert "Continue today's check-in" in visible_text(later.get(reverse("monitoring:mine")))
    resumed = later.get(reverse("monitoring:check-in", kwargs={"enrolment_id": enrolment.pk}))
    assert resumed.url == question_url(enrolment, "ankles_more_swollen")
    again = later.get(question_url(enrolment, "weight_kg")).content.decode()
    assert 'value="81.4"' in again
    assert (
        'value="more_than_usual" checked'
        in later.get(question_url(enrolment, "breathless")).content.decode()
    )
    # A question further on cannot be reached before the ones in front of it.
    skipped = later.get(question_url(enrolment, "dizzy"))
    assert skipped.url == question_url(enrolment, "ankles_more_swollen")


@pytest.mark.parametrize(
    "typed, message",
    [
        ("700", "Enter your weight between 20 and 350 kg"),
        ("heavy", "Enter your weight as a number"),
        ("80.25", "Enter your weight with no more than 1 decimal place"),
        ("", "Enter your weight"),
    ],
)
def test_an_impossible_answer_is_shown_on_its_question_and_nothing_is_stored(
    enrolment, patient, typed, message
):
    client = signed_in(patient.user)

    response = client.post(question_url(enrolment, "weight_kg"), {"weight_kg": typed})

    assert response.status_code == 200
    page = response.content.decode()
    text = visible_text(response)
    assert f"There is a problem {message}" in text
    assert f'<a href="#weight_kg">{message}</a>' in page
    assert f"Error: {message}" in text  # on the field, after its hidden "Error:"
    assert "govuk-input--error" in page and f'value="{typed}"' in page
    assert response.content.decode().count("<title>Error:") == 1
    draft = CheckInDraft.objects.filter(enrolment=enrolment).first()
    assert draft is None or "weight_kg" not in draft.answers
    assert not CheckIn.objects.exists()


def test_a_red_result_says_who_will_call_and_by_when_and_what_to_do_now(
    enrolment, patient, clinician
):
    client = signed_in(patient.user)
    answer_all(client, enrolment, {**WELL, "breathless": "at_rest"})

    result = client.get(client.post(check_url(enrolment)).url)

    text = visible_text(result)
    alert = Alert.objects.get(kind=Alert.Kind.READING)
    due = timezone.localtime(alert.due_at).strftime("%H:%M")
    assert "Your answers show urgent warning signs." in text
    assert "What to do now" in text and "Call 999 now" in text
    nurse = clinician.get_full_name()
    assert words(f"Your heart failure nurse, {nurse}, will contact you by {due}") in text
    assert "red" not in re.sub(r"\W+", " ", text.lower()).split()


def test_an_answer_refused_when_sent_keeps_the_draft_and_says_why(enrolment, patient):
    client = signed_in(patient.user)
    answer_all(client, enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        window_opens=time(0, 0), window_closes=time(0, 1)
    )

    response = client.post(check_url(enrolment))

    if response.status_code == 302:  # the window moved past: the page sends them home
        assert response.url == reverse("monitoring:mine")
    else:
        assert "Check-ins are taken between 00:00 and 00:01" in visible_text(response)
    assert not CheckIn.objects.exists()
    assert CheckInDraft.objects.get(enrolment=enrolment).answers["weight_kg"] == 80.2


def test_a_carer_who_can_see_reads_about_the_person_and_cannot_check_in(enrolment, patient):
    viewer = PersonFactory(user=UserFactory())
    RelationshipFactory(person=patient, proxy=viewer, scope=Relationship.Scope.VIEW)
    client = signed_in(viewer.user)

    page = client.get(reverse("monitoring:mine-for", kwargs={"person_id": patient.pk}))

    text = visible_text(page)
    name = words(patient.full_name)
    assert f"Check-ins of {name}" in text
    assert "Their care team" in text
    assert f"If the answers of {name} show warning signs, their heart failure nurse" in text
    assert "Start today's check-in" not in text
    assert "Your care team" not in text and "you checked in" not in text.lower()
    assert f"only {name}, or someone who manages their care, can check in" in text
    start = reverse("monitoring:check-in", kwargs={"enrolment_id": enrolment.pk})
    assert client.get(start).status_code == 404
    assert client.post(question_url(enrolment, "weight_kg"), {"weight_kg": "80"}).status_code == 404
    assert AuditEvent.objects.filter(person=patient, what__startswith="check-ins").exists()
    # Their own My check-ins leads to the person's.
    own = client.get(reverse("monitoring:mine")).content.decode()
    assert reverse("monitoring:mine-for", kwargs={"person_id": patient.pk}) in own


def test_a_carer_who_manages_checks_in_for_the_person(enrolment, patient):
    manager = PersonFactory(user=UserFactory())
    RelationshipFactory(person=patient, proxy=manager, scope=Relationship.Scope.MANAGE)
    client = signed_in(manager.user)

    answer_all(client, enrolment)
    result = visible_text(client.get(client.post(check_url(enrolment)).url))

    name = words(patient.full_name)
    assert f"The readings of {name} are in the normal range for them." in result
    check_in = CheckIn.objects.get()
    assert check_in.person == patient
    assert AuditEvent.objects.filter(
        person=patient, action=AuditEvent.Action.WRITE, what__startswith="check-in recorded"
    ).exists()


def test_another_persons_check_ins_are_not_found(enrolment, patient):
    outsider = signed_in(PersonFactory(user=UserFactory()).user)
    check_in = actions.record_check_in(
        Actor(user=patient.user),
        actions.Submission(
            person_id=patient.pk,
            programme_key="heart-failure",
            answers={
                "weight_kg": 80.2,
                "breathless": "no",
                "ankles_more_swollen": False,
                "more_pillows": False,
                "dizzy": False,
            },
        ),
        source="web",
    ).check_in
    by_enrolment = {"enrolment_id": enrolment.pk}
    for url in [
        reverse("monitoring:mine-for", kwargs={"person_id": patient.pk}),
        reverse("monitoring:how-it-works", kwargs=by_enrolment),
        reverse("monitoring:history", kwargs=by_enrolment),
        reverse("monitoring:check-in", kwargs=by_enrolment),
        question_url(enrolment, "weight_kg"),
        check_url(enrolment),
        reverse("monitoring:result", kwargs={"check_in_id": check_in.pk}),
    ]:
        assert outsider.get(url).status_code == 404, url
    assert (
        outsider.post(question_url(enrolment, "weight_kg"), {"weight_kg": "80"}).status_code == 404
    )
    assert CheckInDraft.objects.count() == 0


def test_how_it_works_says_what_when_who_and_how_to_stop(enrolment, patient, clinician):
    text = visible_text(
        signed_in(patient.user).get(
            reverse("monitoring:how-it-works", kwargs={"enrolment_id": enrolment.pk})
        )
    )

    assert "Each morning you weigh yourself" in text  # what the programme is for
    assert "Every day between 00:00 and 23:59." in text
    nurse = words(clinician.get_full_name())
    assert f"If your answers show warning signs, your heart failure nurse, {nurse}, will " in text
    assert "by the end of the working day" in text and "within 1 hour" in text
    assert "How to stop" in text and "talk to the care team" in text


def test_asked_to_measure_again_the_person_checks_in_once_more(enrolment, patient, clinician):
    client = signed_in(patient.user)
    answer_all(client, enrolment, {**WELL, "breathless": "more_than_usual"})
    client.post(check_url(enrolment))
    alert = Alert.objects.get(kind=Alert.Kind.READING)
    actions.ask_to_remeasure(Actor(user=clinician), alert_id=alert.pk)

    mine = client.get(reverse("monitoring:mine"))
    assert "Your care team asked you to measure again" in visible_text(mine)
    again = reverse(
        "monitoring:measure-again", kwargs={"enrolment_id": enrolment.pk, "alert_id": alert.pk}
    )
    started = client.post(again)
    assert client.get(started.url).url == question_url(enrolment, "weight_kg")
    answer_all(client, enrolment)
    result = client.get(client.post(check_url(enrolment)).url)

    repeat = CheckIn.objects.get(remeasure_for=alert)
    assert repeat.colour == "green"
    assert "Thank you for measuring again" in visible_text(result)
    assert "asked you to measure again" not in visible_text(client.get(reverse("monitoring:mine")))


def test_the_table_beside_the_chart_holds_the_charts_numbers(enrolment, patient):
    today = timezone.localdate()
    Enrolment.objects.filter(pk=enrolment.pk).update(starts_on=today - timedelta(days=120))
    weights = {3: 81.0, 4: 80.6, 6: 82.9, 10: 80.1}
    for days_ago, weight in weights.items():
        CheckIn.objects.create(
            enrolment=enrolment,
            person=patient,
            day=today - timedelta(days=days_ago),
            answers={"weight_kg": weight, "breathless": "no"},
            colour="red" if weight > 82 else "green",
            source=CheckIn.Source.WEB,
            submitted_by_label="Test",
        )

    response = signed_in(patient.user).get(
        reverse("monitoring:history", kwargs={"enrolment_id": enrolment.pk})
    )

    page = response.content.decode()
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    charted = dict(re.findall(r'<g data-day="([\d-]+)" data-value="([\d.]+)">', svg))
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr class="govuk-table__row" data-day="([\d-]+)" data-mark="(\w+)">.*?'
        r"<td[^>]*data-value>(.*?)</td>",
        table,
        flags=re.S,
    )
    tabled = {
        day: value.replace(" kg", "") for day, mark, value in rows if mark != "not_heard_from"
    }
    assert charted == tabled
    assert charted == {
        (today - timedelta(days=days)).isoformat(): f"{weight:.1f}"
        for days, weight in weights.items()
    }
    silent_in_chart = set(re.findall(r'data-mark="not_heard_from" data-day="([\d-]+)"', svg))
    silent_in_table = {day for day, mark, _value in rows if mark == "not_heard_from"}
    assert silent_in_chart == silent_in_table
    assert len(silent_in_table) == 90 - len(weights) - 1  # today's window is still open
    text = visible_text(response)
    assert "Urgent warning signs" in text and "No check-in" in text
    assert 'role="img"' in page and "4 readings" in page


def test_the_chart_marks_the_persons_own_dry_weight(enrolment, patient, clinician):
    actions.change_settings(
        Actor(user=clinician),
        enrolment_id=enrolment.pk,
        values={"dry_weight_kg": 78.5},
        why="Measured at clinic",
    )

    page = (
        signed_in(patient.user)
        .get(reverse("monitoring:history", kwargs={"enrolment_id": enrolment.pk}))
        .content.decode()
    )

    assert 'data-threshold="78.5"' in page
    assert "Dry weight 78.5 kg" in html.unescape(page)


def test_the_home_tile_says_todays_check_in_is_open(enrolment, patient):
    text = visible_text(signed_in(patient.user).get(reverse("web:dashboard")))

    assert "My check-ins" in text
    assert "Today's check-in is open until 23:59." in text


def test_my_data_says_what_the_check_ins_and_warnings_were_in_plain_words(enrolment, patient):
    client = signed_in(patient.user)
    answer_all(client, enrolment, {**WELL, "breathless": "at_rest", "remark": "Feeling low"})
    client.post(check_url(enrolment))

    text = visible_text(client.get(reverse("people:my-data")))

    for title in ("Your daily check-ins", "Your check-ins", "Warnings sent to your care team"):
        assert title in text
    assert "Urgent warning signs" in text and "Website" in text
    assert "For the care team to read or follow up" in text
    assert not re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", text), "an internal code is shown"
    assert not {"red", "grey", "heart-failure"} & set(re.findall(r"[\w-]+", text))
