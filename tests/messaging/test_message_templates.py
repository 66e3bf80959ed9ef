"""What the platform writes to people comes from each module's message templates, rendered in
the person's language: a template and the action sending it cannot drift apart unnoticed, a
translation keeps its source's placeholders, and a person whose language is Welsh reads
their messages in Welsh."""

import datetime as dt
import importlib

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise

from coproduce.guarantees import actions as guarantees
from coproduce.messaging import message_templates
from coproduce.messaging.actions import send_templated_message
from coproduce.messaging.message_templates import MessageTemplate, Phrase, TemplateMisuse
from coproduce.messaging.models import Message, StaffMessage
from coproduce.monitoring import actions as monitoring
from coproduce.people import actions as people
from coproduce.people.access import Actor
from coproduce.people.models import Organisation, Role
from tests.factories import CareRelationshipFactory, OrganisationFactory, RoleFactory

TODAY = timezone.localdate()
GREETING = MessageTemplate(
    "tests.greeting", subject="Hello ((name))", body="See you on ((day)) at ((place))."
)


# --- rendering ------------------------------------------------------------------------------


def test_a_missing_or_unexpected_value_is_a_mistake_named_clearly():
    with pytest.raises(TemplateMisuse, match=r"tests.greeting needs \(\(place\)\)"):
        GREETING.render({"name": "Ann", "day": TODAY}, language="en-gb")
    with pytest.raises(TemplateMisuse, match=r"has no \(\(colour\)\)"):
        GREETING.render(
            {"name": "Ann", "day": TODAY, "place": "Ward 4", "colour": "red"}, language="en-gb"
        )
    with pytest.raises(TemplateMisuse, match=r"needs \(\(provider\)\)"):
        Phrase("declined the offer of care at ((provider))").render()


def test_values_are_put_in_as_plain_text_once_and_dates_in_words():
    rendered = GREETING.render(
        {"name": "((place))", "day": dt.date(2026, 3, 4), "place": "<b>Ward 4</b>"},
        language="en-gb",
    )
    assert rendered.subject == "Hello ((place))"
    assert rendered.body == "See you on 4 March 2026 at <b>Ward 4</b>."


def test_every_template_has_a_module_name_and_is_known_by_it():
    names = [template.name for template in message_templates.all_templates()]
    assert {"guarantees.breach", "guarantees.offer", "people.acted_on_behalf"} <= set(names)
    for name in names:
        assert message_templates.get(name).name == name
    with pytest.raises(TemplateMisuse, match="no message template called nope"):
        message_templates.get("nope")


def _declared_texts() -> list[tuple[str, object]]:
    """Every translatable text of every module's message_templates.py: the templates' subjects
    and bodies and the phrases put into them."""
    texts = []
    for template in message_templates.all_templates():
        texts += [(f"{template.name} subject", template.subject)]
        texts += [(f"{template.name} body", template.body)]
        module = importlib.import_module(
            f"coproduce.{template.name.split('.')[0]}.message_templates"
        )
        texts += [
            (name, value) for name, value in vars(module).items() if isinstance(value, Promise)
        ]
    return texts


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_translation_keeps_the_placeholders_of_its_source(language):
    for what, text in _declared_texts():
        source = message_templates.placeholders_in(message_templates.source_text(text))
        with translation.override(language):
            assert message_templates.placeholders_in(str(text)) == source, what


def test_every_message_text_is_in_welsh():
    for what, text in _declared_texts():
        with translation.override("cy"):
            welsh = str(text)
        assert welsh != message_templates.source_text(text), f"{what} has no Welsh"


# --- sending --------------------------------------------------------------------------------


def welsh_patient(hospital):
    patient = CareRelationshipFactory(organisation=hospital).person
    patient.language = "cy"
    patient.save(update_fields=["language"])
    return patient


def breached_wait(clinician, patient, hospital, referred_days_ago=130):
    pathway = guarantees.open_pathway(
        clinician,
        person_id=patient.pk,
        scheme_code="uk-nhs-rtt",
        provider_id=hospital.pk,
        service="Trauma and orthopaedics",
    )
    guarantees.record_event(
        clinician,
        pathway_id=pathway.pk,
        type="referral",
        occurred_on=TODAY - dt.timedelta(days=referred_days_ago),
    )
    return pathway


@pytest.fixture
def sent_templates(monkeypatch):
    """The name of each template rendered, with the values it was given."""
    rendered = []
    real_render = MessageTemplate.render

    def render(template, personalisation, *, language):
        rendered.append((template.name, frozenset(personalisation)))
        return real_render(template, personalisation, language=language)

    monkeypatch.setattr(MessageTemplate, "render", render)
    return rendered


@pytest.mark.django_db
def test_a_person_whose_language_is_welsh_is_told_of_a_breach_and_an_offer_in_welsh():
    hospital = OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name="Ysbyty Gwynedd")
    elsewhere = OrganisationFactory(kind=Organisation.Kind.HOSPITAL, name="Ysbyty Glan Clwyd")
    clinician = Actor(user=RoleFactory(organisation=hospital).user)
    patient = welsh_patient(hospital)
    pathway = breached_wait(clinician, patient, hospital)

    breach = Message.objects.get(person=patient)
    assert breach.subject == (
        "Mae eich arhosiad am Trauma and orthopaedics yn hirach nag y mae'r warant yn ei ganiatáu"
    )
    deadline = pathway.stage_records.get().deadline
    with translation.override("cy"):
        month = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf",
                 "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr"][deadline.month - 1]  # fmt: skip
    guarantee = pathway.scheme.name_for_person
    assert (
        f"Eich dyddiad terfyn o dan {guarantee} oedd {deadline.day} {month} {deadline.year}"
        in breach.body
    )
    assert "yn Ysbyty Gwynedd" in breach.body

    right = guarantees.ask_for_care_elsewhere(
        clinician, pathway_id=pathway.pk, stage="rtt", on_behalf="phone"
    )
    guarantees.offer_care_elsewhere(
        clinician, right_id=right.pk, provider_id=elsewhere.pk, appointment_on=TODAY
    )
    offer = Message.objects.filter(person=patient, key__startswith="guarantee-offer-").get()
    assert offer.subject == "Gallwch gael eich gweld yn gynt ar gyfer Trauma and orthopaedics"
    assert offer.body.startswith("Gall Ysbyty Glan Clwyd eich gweld ar ")
    assert "If you" not in offer.body and "Os byddwch yn gwrthod" in offer.body


@pytest.mark.django_db
def test_someone_who_keeps_english_reads_english(hospital, clinician, patient):
    breached_wait(Actor(user=clinician), patient, hospital)
    [breach] = Message.objects.filter(person=patient)
    assert breach.subject == (
        "Your wait for Trauma and orthopaedics is longer than the guarantee allows"
    )


@pytest.mark.django_db
def test_staff_acting_on_a_welsh_persons_behalf_tell_them_in_welsh(clinician):
    hospital = Role.objects.get(user=clinician).organisation
    hospital.name = "Ysbyty Gwynedd"
    hospital.save(update_fields=["name"])
    patient = welsh_patient(hospital)
    actor = Actor(user=clinician)
    pathway = breached_wait(actor, patient, hospital)
    guarantees.ask_for_care_elsewhere(actor, pathway_id=pathway.pk, stage="rtt", on_behalf="phone")
    told = Message.objects.get(person=patient, key__startswith="on-behalf-")
    assert told.subject == (
        "Mae Ysbyty Gwynedd wedi gofyn am ofal mewn man arall ar gyfer eich arhosiad am "
        "Trauma and orthopaedics ar eich rhan"
    )
    assert "wedi gofyn iddyn nhw dros y ffôn" in told.body


@pytest.mark.django_db
def test_every_template_is_sent_by_an_action_with_exactly_its_placeholders(
    hospital, clinician, sent_templates, django_capture_on_commit_callbacks
):
    """Each sending action is run once; rendering refuses missing or unexpected values, so
    a template that gains a placeholder its action does not fill fails here, and so does a
    template no action sends any more."""
    elsewhere = OrganisationFactory(kind=Organisation.Kind.HOSPITAL)
    actor = Actor(user=clinician)
    patient = CareRelationshipFactory(organisation=hospital).person
    pathway = breached_wait(actor, patient, hospital)  # guarantees.breach
    right = guarantees.ask_for_care_elsewhere(  # people.acted_on_behalf
        actor, pathway_id=pathway.pk, stage="rtt", on_behalf="phone"
    )
    guarantees.offer_care_elsewhere(  # guarantees.offer
        actor, right_id=right.pk, provider_id=elsewhere.pk, appointment_on=TODAY
    )
    guarantees.reply_to_offer(actor, right_id=right.pk, accept=True, on_behalf="letter")
    consent = people.grant_consent(
        actor,
        person_id=patient.pk,
        organisation_id=elsewhere.pk,
        category="health",
        on_behalf="in_person",
    )
    people.revoke_consent(actor, consent_id=consent.pk, on_behalf="email")
    _monitor(actor, patient, hospital, django_capture_on_commit_callbacks)

    sent = {name for name, _values in sent_templates}
    assert sent == {template.name for template in message_templates.all_templates()}
    for name, values in sent_templates:
        assert values == message_templates.get(name).placeholders, name
    assert Message.objects.filter(person=patient).count() + StaffMessage.objects.count() == len(
        sent_templates
    )


def _monitor(actor, patient, hospital, on_commit):
    """Monitoring's messages: enrolled (monitoring.enrolled), a missed day
    (monitoring.missed_check_in), a red check-in (monitoring.alert_waiting) passed on to
    the GP (monitoring.alert_passed_on). Its messages are sent on events, after commit."""
    actor.user.email = "nurse@example.org"
    actor.user.save(update_fields=["email"])
    gp = RoleFactory(organisation=hospital, user__email="gp@example.org").user
    local_noon = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    with on_commit(execute=True):
        monitoring.enrol(
            actor,
            person_id=patient.pk,
            programme_key="heart-failure",
            organisation_id=hospital.pk,
            team=[
                monitoring.TeamMember(actor.user.pk, "Nurse"),
                monitoring.TeamMember(gp.pk, "GP"),
            ],
            window_opens=dt.time(0),
            window_closes=dt.time(23, 59, 59),
            starts_on=TODAY - dt.timedelta(days=1),
        )
    with on_commit(execute=True):
        monitoring.record_missed_check_ins(local_noon)
    with on_commit(execute=True):
        outcome = monitoring.record_check_in(
            actor,
            monitoring.Submission(
                person_id=patient.pk,
                programme_key="heart-failure",
                answers={
                    "weight_kg": 80.0,
                    "breathless": "at_rest",
                    "ankles_more_swollen": False,
                    "more_pillows": False,
                    "dizzy": False,
                },
            ),
            source="web",
        )
    with on_commit(execute=True):
        monitoring.escalate_alert(actor, alert_id=outcome.alert.pk, note="On leave.")


@pytest.mark.django_db
def test_a_template_that_does_not_fit_sends_nothing(hospital):
    patient = CareRelationshipFactory(organisation=hospital).person
    with pytest.raises(TemplateMisuse):
        send_templated_message(
            Actor.system(),
            person_id=patient.pk,
            key="k",
            template=GREETING,
            personalisation={"name": "Ann"},
            reason="A test.",
        )
    assert not Message.objects.exists()
