"""Every worked example in docs/guarantees.md is what the check command answers, exactly.

The page's ```json blocks come in pairs: a check input, then the answer of
`coproduce guarantees check --pretty` for it.
"""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db  # the scheme rules are read from the database first

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guarantees.md"
HEADING_OR_JSON_BLOCK = re.compile(r"^(#{2,3}) ([^\n]+)$|^```json\n(.*?)\n```$", re.M | re.S)


def worked_examples() -> list[pytest.param]:
    heading = ""
    blocks: list[tuple[str, str]] = []
    for match in HEADING_OR_JSON_BLOCK.finditer(PAGE.read_text(encoding="utf-8")):
        if match[2]:
            heading = match[2]
        else:
            blocks.append((heading, match[3]))
    assert blocks and len(blocks) % 2 == 0, "json blocks must come in pairs: input, answer"
    return [
        pytest.param(given, answer, id=f"{title} #{number}")
        for number, ((title, given), (_, answer)) in enumerate(
            zip(blocks[::2], blocks[1::2], strict=True)
        )
    ]


def run_check(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("guarantees", "check", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("given", "answer"), worked_examples())
def test_the_documented_answer_is_the_answer(tmp_path, given, answer):
    path = tmp_path / "example.json"
    path.write_text(given, encoding="utf-8")
    assert run_check(path, "--pretty") == answer + "\n"
    assert json.loads(run_check(path)) == json.loads(answer)
