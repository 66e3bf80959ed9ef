"""A programme as a FHIR R4 Questionnaire: every built-in one exports valid under
fhir.resources.R4B and imports as the same programme; a Questionnaire we cannot score says
where and why."""

import copy
import dataclasses
import json
from datetime import time
from decimal import Decimal

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.monitoring.programmes import (
    BUILT_IN,
    COPD_CAT,
    HEART_FAILURE,
    NEWS2,
    Colour,
    ResponseTime,
    Schedule,
)
from coproduce.monitoring.standards.fhir_questionnaire import (
    QuestionnaireError,
    programme_from_questionnaire,
    questionnaire_from_programme,
)

BASE = "https://coproduce.example"


def export(programme, base_url=BASE) -> dict:
    return questionnaire_from_programme(programme, base_url=base_url)


def item(questionnaire: dict, link_id: str) -> dict:
    return next(each for each in questionnaire["item"] if each["linkId"] == link_id)


@pytest.mark.parametrize("programme", BUILT_IN.values(), ids=list(BUILT_IN))
def test_each_built_in_programme_exports_valid_r4b_and_imports_as_itself(programme):
    exported = export(programme)
    Questionnaire.model_validate(exported)
    imported = programme_from_questionnaire(exported)
    assert imported == programme
    # Equality alone would take 30 for Decimal("30.0") and 1 for True: the repr tells them apart.
    assert repr(imported) == repr(programme)


@pytest.mark.parametrize("programme", BUILT_IN.values(), ids=list(BUILT_IN))
def test_export_import_export_gives_the_same_json(programme):
    text = json.dumps(export(programme))
    again = json.dumps(export(programme_from_questionnaire(text.encode())))
    assert again == text


def test_the_questionnaire_is_found_at_its_url_and_names_its_version():
    exported = export(COPD_CAT, base_url=BASE + "/")
    assert exported["url"] == f"{BASE}/fhir/Questionnaire/copd-cat"
    assert (exported["version"], exported["status"], exported["name"]) == ("1", "active", "CopdCat")


def test_scored_answers_carry_their_score_as_ordinal_value():
    consciousness = item(export(NEWS2), "consciousness")
    confused = consciousness["answerOption"][1]
    assert confused["valueCoding"] == {
        "system": f"{BASE}/fhir/CodeSystem/news2-consciousness",
        "code": "C",
        "display": "Newly confused or muddled",
    }
    assert confused["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 3}
    ]
    # An unscored answer carries no score.
    breathless = item(export(HEART_FAILURE), "breathless")
    assert all("extension" not in option for option in breathless["answerOption"])


def test_a_measurement_carries_its_range_places_and_unit():
    temperature = item(export(NEWS2), "temperature")
    assert temperature["type"] == "decimal" and temperature["required"] is True
    assert temperature["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueDecimal": 30.0},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueDecimal": 44.0},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces", "valueInteger": 1},
        {
            "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
            "valueCoding": {"system": "http://unitsofmeasure.org", "code": "Cel", "display": "°C"},
        },
    ]


def test_the_hint_is_a_display_item_under_its_question():
    remark = item(export(NEWS2), "remark")
    assert (remark["type"], remark["required"], remark["maxLength"]) == ("text", False, 1000)
    assert remark["item"] == [
        {"linkId": "remark-hint", "text": NEWS2.question("remark").hint, "type": "display"}
    ]


def test_what_fhir_has_no_element_for_is_in_our_extensions():
    extensions = export(HEART_FAILURE)["extension"]
    urls = [
        extension["url"].removeprefix(f"{BASE}/fhir/StructureDefinition/")
        for extension in extensions
    ]
    assert (
        urls
        == ["monitoring-scoring", "monitoring-schedule"]
        + ["monitoring-response-time"] * 3
        + ["monitoring-setting"] * 3
    )
    dry_weight = extensions[-1]["extension"]
    assert {"url": "key", "valueCode": "dry_weight_kg"} in dry_weight
    assert not any(part["url"] == "default" for part in dry_weight)  # no default: none is known


def test_item_weight_is_taken_as_the_score_on_the_option_or_its_coding():
    exported = export(NEWS2)
    options = item(exported, "consciousness")["answerOption"]
    options[1]["extension"] = [
        {"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 2}
    ]
    del options[2]["extension"]
    options[2]["valueCoding"]["extension"] = [
        {"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 1.0}
    ]
    scores = [
        option.score
        for option in programme_from_questionnaire(exported).question("consciousness").options
    ]
    assert scores == [0, 2, 1, 3, 3]


def test_a_programme_exported_from_another_site_imports_here():
    imported = programme_from_questionnaire(export(NEWS2, base_url="https://other.example/region"))
    assert imported == NEWS2


def test_edited_thresholds_schedule_and_response_times_survive_the_round_trip():
    programme = dataclasses.replace(
        HEART_FAILURE,
        settings=tuple(
            dataclasses.replace(setting, default=Decimal("78.4"))
            if setting.key == "dry_weight_kg"
            else setting
            for setting in HEART_FAILURE.settings
        ),
        schedule=Schedule(every_days=2, window_opens=time(7, 30), window_closes=time(10, 15)),
        response_times=(
            ResponseTime(Colour.RED, minutes=30),
            ResponseTime(Colour.AMBER, minutes=240),
        ),
        version="2026-12",
    )
    assert repr(programme_from_questionnaire(export(programme))) == repr(programme)


@settings(max_examples=30, deadline=None)
@given(
    baseline=st.integers(0, 40),
    gain=st.decimals("0.1", "20.0", places=1),
    opens=st.times(max_value=time(11, 59)).map(
        lambda moment: time(moment.hour, moment.minute, moment.second)
    ),
    minutes=st.integers(1, 24 * 60),
    version=st.from_regex(r"[0-9][0-9.]{0,8}", fullmatch=True),
)
def test_any_thresholds_survive_the_round_trip(baseline, gain, opens, minutes, version):
    def edited(programme):
        return dataclasses.replace(
            programme,
            settings=tuple(
                dataclasses.replace(
                    setting, default=baseline if setting.key == "cat_baseline" else gain
                )
                if setting.key in ("cat_baseline", "three_day_gain_kg")
                else setting
                for setting in programme.settings
            ),
            schedule=Schedule(window_opens=opens, window_closes=time(12, 0)),
            response_times=(
                ResponseTime(Colour.RED, minutes=minutes),
                *programme.response_times[1:],
            ),
            version=version,
        )

    for programme in (edited(COPD_CAT), edited(HEART_FAILURE)):
        exported = export(programme)
        assert repr(programme_from_questionnaire(json.dumps(exported))) == repr(programme)


def test_a_questionnaire_from_another_tool_imports_when_it_names_a_scoring_rule_set():
    foreign = {
        "resourceType": "Questionnaire",
        "url": "https://forms.example/Questionnaire/hf-daily",
        "status": "draft",
        "title": "Heart failure daily",
        "extension": [
            {
                "url": "https://forms.example/fhir/StructureDefinition/monitoring-scoring",
                "valueCode": "heart-failure",
            }
        ],
        "item": [
            {"linkId": "weight_kg", "text": "Weight", "type": "decimal", "required": True},
            {
                "linkId": "breathless",
                "text": "Breathing",
                "type": "choice",
                "required": True,
                "answerOption": [
                    {
                        "valueCoding": {
                            "system": "https://forms.example/cs",
                            "code": code,
                            "display": code,
                        }
                    }
                    for code in ("no", "more_than_usual", "at_rest")
                ],
            },
            *(
                {"linkId": key, "text": key, "type": "boolean", "required": True}
                for key in ("ankles_more_swollen", "more_pillows", "dizzy")
            ),
            {"linkId": "notes", "text": "Anything else?", "type": "string"},
        ],
    }
    imported = programme_from_questionnaire(foreign)
    assert (imported.key, imported.title, imported.version) == (
        "hf-daily",
        "Heart failure daily",
        "1",
    )
    assert imported.settings == HEART_FAILURE.settings  # the rule set's own thresholds
    assert imported.schedule == Schedule() and imported.question("notes").kind == "text"
    Questionnaire.model_validate(export(imported))


def without_scoring(questionnaire: dict) -> dict:
    questionnaire["extension"] = [
        extension
        for extension in questionnaire["extension"]
        if not extension["url"].endswith("scoring")
    ]
    return questionnaire


def set_item(link_id, **changes):
    def change(questionnaire):
        item(questionnaire, link_id).update(changes)
        return questionnaire

    return change


def delete_item(link_id):
    def change(questionnaire):
        questionnaire["item"] = [
            each for each in questionnaire["item"] if each["linkId"] != link_id
        ]
        return questionnaire

    return change


def set_score(value):
    def change(questionnaire):
        item(questionnaire, "consciousness")["answerOption"][1]["extension"][0] = {
            "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue",
            **value,
        }
        return questionnaire

    return change


def set_setting_part(part):
    def change(questionnaire):
        questionnaire["extension"][5]["extension"].append(part)
        return questionnaire

    return change


def reverse_window(questionnaire):
    questionnaire["extension"][1]["extension"][1]["valueTime"] = "13:00:00"
    return questionnaire


BAD_QUESTIONNAIRES = [
    (
        "not a Questionnaire",
        lambda q: {**q, "resourceType": "Patient"},
        "resourceType",
        "not a Questionnaire",
    ),
    ("invalid under R4B", set_item("spo2", required="maybe"), "item[1].required", "boolean"),
    ("no linkId", lambda q: q["item"][2].pop("linkId") and q, "item[2].linkId", "required"),
    (
        "a linkId used twice",
        set_item("pulse", linkId="spo2"),
        "item[4].linkId",
        "already used at item[1]",
    ),
    (
        "a linkId that cannot be a key",
        set_item("pulse", linkId="heart rate"),
        "item[4].linkId",
        "key",
    ),
    ("no scoring rule set", without_scoring, "extension", "Say which rule set"),
    (
        "an unknown scoring rule set",
        lambda q: q["extension"][0].update(valueCode="qrisk") or q,
        "extension[0].valueCode",
        "no scoring rule set 'qrisk'",
    ),
    (
        "an item type we cannot take",
        set_item("spo2", type="quantity"),
        "item[1].type",
        "'quantity'",
    ),
    ("a group", set_item("remark", type="group"), "item[7].type", "'group'"),
    (
        "a score that is not a number",
        set_score({"valueString": "three"}),
        "item[5].answerOption[1].extension[0]",
        "as a number",
    ),
    (
        "a score that is not whole",
        set_score({"valueDecimal": 2.5}),
        "item[5].answerOption[1].extension[0]",
        "2.5",
    ),
    (
        "an answer that is not a coding",
        lambda q: (
            item(q, "consciousness")["answerOption"].__setitem__(0, {"valueString": "A"}) or q
        ),
        "item[5].answerOption[0]",
        "valueCoding",
    ),
    (
        "a choice with no answers",
        lambda q: item(q, "consciousness").pop("answerOption") and q,
        "item[5].answerOption",
        "answers",
    ),
    (
        "a conditional question",
        set_item(
            "spo2",
            enableWhen=[{"question": "resp_rate", "operator": "exists", "answerBoolean": True}],
        ),
        "item[1].enableWhen",
        "only after",
    ),
    ("a repeating question", set_item("spo2", repeats=True), "item[1].repeats", "one answer"),
    (
        "a modifier extension",
        set_item("spo2", modifierExtension=[{"url": "https://x.example/m", "valueBoolean": True}]),
        "item[1].modifierExtension",
        "Modifier extensions",
    ),
    ("a question the rules read is missing", delete_item("systolic"), "item", "'systolic'"),
    (
        "the rules' answer made optional",
        set_item("pulse", required=False),
        "item[4].required",
        "'pulse'",
    ),
    (
        "a question the rules read as yes or no",
        set_item("on_oxygen", type="integer"),
        "item[2].type",
        "boolean",
    ),
    (
        "an unknown part of a setting",
        set_setting_part({"url": "colour", "valueCode": "red"}),
        "extension[5].extension[9].url",
        "no part 'colour'",
    ),
    (
        "a setting part of the wrong type",
        set_setting_part({"url": "decimals", "valueString": "1"}),
        "extension[5].extension[9]",
        "valueInteger",
    ),
    (
        "a window that closes before it opens",
        reverse_window,
        "extension[1]",
        "open before it closes",
    ),
    ("no url", lambda q: q.pop("url") and q, "url", "key"),
    ("a key that is not a slug", lambda q: {**q, "url": q["url"] + ".v2"}, "url", "'news2.v2'"),
    ("a key too long", lambda q: {**q, "url": q["url"] + "x" * 46}, "url", "50 at most"),
    ("no title", lambda q: q.pop("title") and q, "title", "title"),
]


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [case[1:] for case in BAD_QUESTIONNAIRES],
    ids=[case[0] for case in BAD_QUESTIONNAIRES],
)
def test_a_questionnaire_we_cannot_take_is_refused_naming_where(change, path, words):
    bad = change(copy.deepcopy(export(NEWS2)))
    with pytest.raises(QuestionnaireError) as refused:
        programme_from_questionnaire(bad)
    assert refused.value.path == path
    assert words.lower() in refused.value.message.lower()
    assert str(refused.value).startswith(f"{path}: ")


def test_a_file_that_is_not_json_is_refused():
    with pytest.raises(QuestionnaireError, match="not JSON"):
        programme_from_questionnaire(b"{'resourceType': ")


def test_a_setting_given_twice_is_refused():
    questionnaire = export(COPD_CAT)
    questionnaire["extension"].append(questionnaire["extension"][5])
    with pytest.raises(QuestionnaireError) as refused:
        programme_from_questionnaire(questionnaire)
    assert refused.value.path == f"extension[{len(questionnaire['extension']) - 1}]"
    assert "'cat_baseline' is given twice" in refused.value.message
