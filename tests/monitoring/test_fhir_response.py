"""A check-in as a FHIR R4 QuestionnaireResponse, alone or in a Bundle from a device gateway:
what we export is valid R4B and reads back as the same answers; what we cannot take is
refused naming where; and the hand-checked reader (fast, for Bundles of thousands) never
takes a response the R4B models would refuse."""

import copy
from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.monitoring.programmes import BUILT_IN, COPD_CAT, HEART_FAILURE, NEWS2
from coproduce.monitoring.standards.fhir_questionnaire import questionnaire_url
from coproduce.monitoring.standards.fhir_response import (
    ResponseError,
    answers_from_response,
    bundle_entries,
    questionnaire_response,
)

BASE = "https://coproduce.example"
AUTHORED = datetime(2026, 12, 3, 8, 15, tzinfo=timezone(timedelta(hours=1)))
ANSWERS = {
    "news2": {
        "resp_rate": 18,
        "spo2": 95,
        "on_oxygen": False,
        "systolic": 121,
        "pulse": 88,
        "consciousness": "C",
        "temperature": 37.8,
        "remark": "Feeling muddled since last night",
    },
    "copd-cat": {**{f"cat_{number}": str(number % 6) for number in range(1, 9)}, "spo2": 93},
    "heart-failure": {
        "weight_kg": 82.4,
        "breathless": "more_than_usual",
        "ankles_more_swollen": True,
        "more_pillows": False,
        "dizzy": False,
    },
}


def response(programme=NEWS2, answers=None, **changes) -> dict:
    exported = questionnaire_response(
        programme,
        response_id="c0ffee-1",
        questionnaire_url=questionnaire_url(BASE, programme.key),
        subject_reference="Patient/7f3a",
        authored=AUTHORED,
        answers=ANSWERS[programme.key] if answers is None else answers,
    )
    return {**exported, **changes}


@pytest.mark.parametrize("programme", BUILT_IN.values(), ids=list(BUILT_IN))
def test_an_exported_check_in_is_valid_r4b_and_reads_back_as_the_same_answers(programme):
    exported = response(programme)
    QuestionnaireResponse.model_validate(exported)
    read = answers_from_response(programme, exported)
    assert read.answers == ANSWERS[programme.key]
    assert (read.subject_reference, read.authored) == ("Patient/7f3a", AUTHORED)
    assert read.questionnaire == f"{BASE}/fhir/Questionnaire/{programme.key}"


def test_answers_come_in_their_fhir_types_and_read_as_json_types():
    exported = response(HEART_FAILURE, answers={**ANSWERS["heart-failure"], "weight_kg": 82})
    by_key = {item["linkId"]: item["answer"][0] for item in exported["item"]}
    assert by_key["weight_kg"] == {"valueDecimal": 82.0}
    assert by_key["dizzy"] == {"valueBoolean": False}
    assert by_key["breathless"] == {
        "valueCoding": {
            "system": f"{BASE}/fhir/CodeSystem/heart-failure-breathless",
            "code": "more_than_usual",
            "display": "More breathless than usual",
        }
    }
    # A gateway may send a whole number of kilograms: it reads as a float all the same.
    by_key["weight_kg"]["valueDecimal"] = 83
    read = answers_from_response(HEART_FAILURE, exported).answers
    assert read["weight_kg"] == 83.0 and type(read["weight_kg"]) is float
    assert read["breathless"] == "more_than_usual" and read["dizzy"] is False


def test_questions_left_unanswered_are_left_out():
    exported = response(COPD_CAT)
    assert "on_oxygen" not in {item["linkId"] for item in exported["item"]}
    exported["item"].append({"linkId": "remark", "text": "Anything else?"})
    assert "remark" not in answers_from_response(COPD_CAT, exported).answers


def test_each_answer_says_where_it_was_so_a_refused_value_can_be_pointed_at():
    read = answers_from_response(NEWS2, response())
    assert read.answer_paths["temperature"] == "item[6].answer[0]"


def test_a_response_with_other_r4b_elements_is_taken_once_r4b_has_checked_them():
    gateway = {
        "meta": {"lastUpdated": "2026-12-03T08:16:00Z"},
        "identifier": {"value": "gw-42"},
        "author": {"reference": "Device/kit-9", "display": "Home kit"},
        "extension": [{"url": "https://gateway.example/battery", "valueInteger": 80}],
    }
    exported = response(**gateway)
    exported["subject"]["display"] = "Ann Smith"
    assert answers_from_response(NEWS2, exported).answers == ANSWERS["news2"]
    for extra, path in [
        ({"meta": {"lastUpdated": "yesterday"}}, "meta.lastUpdated"),
        ({"author": {"reference": "Device/kit-9", "bogus": 1}}, "author.bogus"),
        ({"extension": [{"valueInteger": 80}]}, "extension[0].url"),
        ({"subject": {"reference": "Patient/7f3a", "display": 7}}, "subject.display"),
    ]:
        with pytest.raises(ResponseError) as refused:
            answers_from_response(NEWS2, response(**extra))
        assert refused.value.path == path


def answer(position, value):
    def change(resource):
        resource["item"][position]["answer"] = [value]
        return resource

    return change


def item_change(position, **changes):
    def change(resource):
        resource["item"][position].update(changes)
        return resource

    return change


def coding_system(system):
    def change(resource):
        resource["item"][5]["answer"][0]["valueCoding"]["system"] = system
        return resource

    return change


BAD_RESPONSES = [
    (
        "not a response",
        lambda r: {**r, "resourceType": "Observation"},
        "resourceType",
        "Observation",
    ),
    ("not an object", lambda r: [r], "", "JSON object"),
    ("in progress", lambda r: {**r, "status": "in-progress"}, "status", "'in-progress'"),
    (
        "no questionnaire",
        lambda r: {k: v for k, v in r.items() if k != "questionnaire"},
        "questionnaire",
        "which Questionnaire",
    ),
    (
        "another programme's questionnaire",
        lambda r: {**r, "questionnaire": f"{BASE}/fhir/Questionnaire/copd-cat"},
        "questionnaire",
        "news2",
    ),
    (
        "another version",
        lambda r: {**r, "questionnaire": r["questionnaire"] + "|7"},
        "questionnaire",
        "version 7",
    ),
    (
        "a time without its zone",
        lambda r: {**r, "authored": "2026-12-03T08:15:00"},
        "authored",
        "time zone",
    ),
    (
        "a day that does not exist",
        lambda r: {**r, "authored": "2026-02-30T08:15:00Z"},
        "authored",
        "exists",
    ),
    ("a bad id", lambda r: {**r, "id": "no spaces"}, "id", "letters"),
    ("an element that is not R4B", lambda r: {**r, "answers": []}, "answers", "not an element"),
    (
        "a modifier extension",
        lambda r: {**r, "modifierExtension": []},
        "modifierExtension",
        "Modifier",
    ),
    ("an unknown linkId", item_change(2, linkId="on_air"), "item[2].linkId", "'on_air'"),
    (
        "two answers to one item",
        lambda r: r["item"][0]["answer"].append({"valueInteger": 19}) or r,
        "item[0].answer[1]",
        "one answer",
    ),
    (
        "one question answered twice",
        lambda r: r["item"].append(copy.deepcopy(r["item"][1])) or r,
        "item[8]",
        "first at item[1].answer[0]",
    ),
    (
        "two values in one answer",
        answer(0, {"valueInteger": 18, "valueDecimal": 18.0}),
        "item[0].answer[0]",
        "one value",
    ),
    (
        "a string for a number",
        answer(1, {"valueInteger": "95"}),
        "item[1].answer[0].valueInteger",
        "whole number",
    ),
    (
        "true for a number",
        answer(1, {"valueInteger": True}),
        "item[1].answer[0].valueInteger",
        "whole number",
    ),
    (
        "a number too big for FHIR",
        answer(1, {"valueInteger": 2**31}),
        "item[1].answer[0].valueInteger",
        "whole number",
    ),
    (
        "a decimal for a whole number",
        answer(1, {"valueDecimal": 95.0}),
        "item[1].answer[0]",
        "takes a valueInteger",
    ),
    (
        "a value type we cannot take",
        answer(6, {"valueQuantity": {"value": 37.8}}),
        "item[6].answer[0].valueQuantity",
        "cannot be taken",
    ),
    (
        "a coding from an unknown system",
        coding_system("http://snomed.info/sct"),
        "item[5].answer[0].valueCoding.system",
        "news2-consciousness",
    ),
    (
        "a coding with no code",
        lambda r: r["item"][5]["answer"][0]["valueCoding"].pop("code") and r,
        "item[5].answer[0].valueCoding",
        "coding",
    ),
    ("an empty answer list", item_change(0, answer=[]), "item[0].answer", "leave the answer out"),
    ("nested items", item_change(0, item=[]), "item[0].item", "nested"),
    (
        "an item with no linkId",
        lambda r: r["item"][3].pop("linkId") and r,
        "item[3].linkId",
        "linkId",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [case[1:] for case in BAD_RESPONSES],
    ids=[case[0] for case in BAD_RESPONSES],
)
def test_a_response_we_cannot_take_is_refused_naming_where(change, path, words):
    bad = change(copy.deepcopy(response()))
    with pytest.raises(ResponseError) as refused:
        answers_from_response(NEWS2, bad)
    assert refused.value.path == path
    assert words.lower() in refused.value.message.lower()


def request():
    return {"method": "POST", "url": "QuestionnaireResponse"}


def bundle(*resources, bundle_type="batch") -> dict:
    entries = [
        {"fullUrl": f"urn:uuid:0000000{index}-0000-4000-8000-000000000000", "resource": resource}
        | ({} if bundle_type == "collection" else {"request": request()})
        for index, resource in enumerate(resources)
    ]
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def read_bundle(data: dict, programmes: list) -> list:
    """What the API does with a Bundle: each response read once, for its programme, its
    errors pointed at from its entry."""
    read = []
    for index, (programme, resource) in enumerate(
        zip(programmes, bundle_entries(data), strict=True)
    ):
        try:
            read.append(answers_from_response(programme, resource))
        except ResponseError as error:
            raise error.inside(f"entry[{index}].resource") from None
    return read


@pytest.mark.parametrize("bundle_type", ["batch", "transaction", "collection"])
def test_a_bundle_of_three_check_ins_gives_each_response(bundle_type):
    resources = [response(NEWS2), response(COPD_CAT), response(HEART_FAILURE)]
    gateway = bundle(*resources, bundle_type=bundle_type)
    Bundle.model_validate(gateway)
    assert bundle_entries(gateway) == resources
    read = read_bundle(gateway, [NEWS2, COPD_CAT, HEART_FAILURE])
    assert [each.answers for each in read] == list(ANSWERS.values())


def test_a_bad_entry_in_a_bundle_names_its_index():
    bad = response()
    bad["item"][2]["answer"] = [{"valueBoolean": "no"}]
    with pytest.raises(ResponseError) as refused:
        read_bundle(bundle(response(), response(), bad), [NEWS2] * 3)
    assert (
        str(refused.value)
        == "entry[2].resource.item[2].answer[0].valueBoolean: Give true or false."
    )


def test_a_response_to_another_programme_in_a_bundle_names_its_index():
    with pytest.raises(ResponseError) as refused:
        read_bundle(bundle(response(), response(COPD_CAT)), [NEWS2, NEWS2])
    assert refused.value.path == "entry[1].resource.questionnaire"


BAD_BUNDLES = [
    ("not a bundle", lambda b: {**b, "resourceType": "QuestionnaireResponse"}, "resourceType"),
    ("a searchset", lambda b: {**b, "type": "searchset"}, "type"),
    ("no entries", lambda b: {**b, "entry": []}, "entry"),
    (
        "a batch entry with no request",
        lambda b: b["entry"][1].pop("request") and b,
        "entry[1].request",
    ),
    (
        "a request to change another resource",
        lambda b: b["entry"][0]["request"].update(url="Patient") or b,
        "entry[0].request",
    ),
    ("something else in an entry", lambda b: b["entry"][2].update(search={}) or b, "entry[2]"),
    ("a bad timestamp", lambda b: {**b, "timestamp": "today"}, "timestamp"),
    (
        "an entry that is not a check-in",
        lambda b: b["entry"][1].update(resource={"resourceType": "Patient"}) or b,
        "entry[1].resource.resourceType",
    ),
    (
        "a subject that is not a reference",
        lambda b: b["entry"][2]["resource"].update(subject="Patient/1") or b,
        "entry[2].resource.subject",
    ),
]


@pytest.mark.parametrize(
    ("change", "path"), [case[1:] for case in BAD_BUNDLES], ids=[case[0] for case in BAD_BUNDLES]
)
def test_a_bundle_we_cannot_take_is_refused_naming_where(change, path):
    with pytest.raises(ResponseError) as refused:
        bundle_entries(change(bundle(response(), response(), response())))
    assert refused.value.path == path


def test_exporting_a_check_in_refuses_what_is_not_an_answer():
    with pytest.raises(ValueError, match="no question"):
        response(answers={"heart_rate": 80})
    with pytest.raises(ValueError, match="timezone-aware"):
        questionnaire_response(
            NEWS2,
            response_id="1",
            questionnaire_url=questionnaire_url(BASE, "news2"),
            subject_reference="Patient/1",
            authored=datetime(2026, 12, 3, 8, 15),
            answers={},
        )


# The hand-checked reader against the R4B models: responses near the shape we take, each
# changed in one to three places, with values of every JSON type and the edge cases of FHIR's
# own types (integer bounds, non-finite numbers, blank strings, codes with odd spacing,
# dates and offsets that do not exist, elements we do not read).
SAMPLE = response()
SLOTS = [
    ("id",),
    ("status",),
    ("questionnaire",),
    ("authored",),
    ("subject",),
    ("subject", "reference"),
    ("subject", "display"),
    ("meta",),
    ("meta", "versionId"),
    ("identifier",),
    ("extension",),
    ("author",),
    ("basedOn",),
    ("language",),
    ("bogus",),
    ("item",),
    ("item", 0),
    ("item", 0, "linkId"),
    ("item", 0, "text"),
    ("item", 0, "definition"),
    ("item", 0, "answer"),
    ("item", 0, "answer", 0),
    ("item", 0, "answer", 0, "valueInteger"),
    ("item", 0, "answer", 0, "valueDecimal"),
    ("item", 2, "answer", 0, "valueBoolean"),
    ("item", 5, "answer", 0, "valueCoding"),
    ("item", 5, "answer", 0, "valueCoding", "system"),
    ("item", 5, "answer", 0, "valueCoding", "code"),
    ("item", 5, "answer", 0, "valueCoding", "display"),
    ("item", 5, "answer", 0, "valueCoding", "version"),
    ("item", 6, "answer", 0, "valueDecimal"),
    ("item", 7, "answer", 0, "valueString"),
    ("item", 7, "answer", 0, "valueDate"),
]
DELETE = object()
EDGE_VALUE_LIST = [
    "",
    " ",
    "\u00a0",
    "\x1c",
    "a  b",
    "a b",
    " a",
    "A",
    "completed",
    "amended",
    "in-progress",
    "2026-12-03",
    "2026-12-03T08:15:00Z",
    "2026-12-03T08:15:00.1234567Z",
    "2026-12-03T24:00:00Z",
    "2026-12-03T08:15:60Z",
    "2026-12-03T08:15:00+14:00",
    "2026-12-03T08:15:00+14:30",
    "0000-01-01T00:00:00Z",
    "٢٠٢٦-12-03T08:15:00Z",
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**70,
    0.1,
    -0.0,
    1e300,
    5e-324,
    float("inf"),
    float("nan"),
    True,
    None,
    [],
    {},
    [{}],
    [{"valueInteger": 1}],
    {"reference": "Patient/1"},
    {"valueInteger": 1},
    {"system": "s", "code": "c"},
    {"lastUpdated": "2026-12-03T08:15:00Z"},
    {"value": "gw-42", "system": "urn:ietf:rfc:3986"},
    {"value": "gw-42", "period": {"start": "yesterday"}},
    {"reference": "Practitioner/1", "display": " "},
    [{"url": "https://gateway.example/battery", "valueInteger": 80}],
    [{"url": "https://gateway.example/battery"}],
    [{"reference": "CarePlan/1"}, {"reference": 7}],
    "en-GB",
    DELETE,
]
EDGE_VALUES = st.sampled_from(EDGE_VALUE_LIST)
ANY_VALUE = st.one_of(
    EDGE_VALUES,
    st.integers(),
    st.floats(),
    st.text(max_size=6),
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.from_regex(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2}|Z)",
        fullmatch=True,
    ),
)


def mutate(resource: dict, slot: tuple, value) -> dict:
    parent = resource
    for step in slot[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return resource
    last = slot[-1]
    if isinstance(parent, dict):
        if value is DELETE:
            parent.pop(last, None)
        else:
            parent[last] = value
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        if value is DELETE:
            del parent[last]
        else:
            parent[last] = value
    return resource


def r4b_accepts(resource) -> bool:
    try:
        QuestionnaireResponse.model_validate(resource)
    except (pydantic.ValidationError, TypeError, ValueError):
        return False
    return True


def test_every_single_change_the_fast_reader_takes_is_valid_r4b():
    taken = 0
    for slot in SLOTS:
        for value in EDGE_VALUE_LIST:
            resource = mutate(copy.deepcopy(SAMPLE), slot, value)
            try:
                answers_from_response(NEWS2, resource)
            except ResponseError:
                continue
            taken += 1
            assert r4b_accepts(resource), (slot, value)
    assert taken > len(SLOTS)  # most slots take some of the values


@settings(max_examples=150, deadline=None)
@given(changes=st.lists(st.tuples(st.sampled_from(SLOTS), ANY_VALUE), min_size=1, max_size=3))
def test_whatever_the_fast_reader_takes_is_valid_r4b(changes):
    resource = copy.deepcopy(SAMPLE)
    for slot, value in changes:
        resource = mutate(resource, slot, value)
    try:
        answers_from_response(NEWS2, resource)
    except ResponseError:
        return
    assert r4b_accepts(resource), resource


def test_the_fast_reader_takes_what_we_export_and_what_r4b_also_takes():
    # The property above is not vacuous: the responses it starts from are taken.
    for programme in BUILT_IN.values():
        assert answers_from_response(programme, response(programme)).answers
        assert r4b_accepts(response(programme))


def test_the_authored_time_is_read_with_its_offset():
    read = answers_from_response(NEWS2, response(authored="2026-12-03T07:15:00Z"))
    assert read.authored == AUTHORED and read.authored.tzinfo is not None
    assert read.authored.astimezone(UTC).hour == 7
