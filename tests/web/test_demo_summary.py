"""`coproduce demo` prints a clean summary: the messages it sends go to a log file, and the
README's sign-in table says who each demo sign-in is."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from coproduce.people.demo import FIXED_SIGN_INS
from coproduce.people.models import Relationship

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def console_messages(settings, tmp_path):
    """The demo's own settings: messages printed to the console, files under var/."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.COPRODUCE_SMS_BACKEND = "coproduce.messaging.backends.ConsoleBackend"
    settings.COPRODUCE_LETTER_BACKEND = "coproduce.messaging.backends.ConsoleBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.VAR_DIR = tmp_path
    return tmp_path


# Messages leave after the demo's transaction commits, as they do outside tests.
@pytest.mark.django_db(transaction=True)
def test_the_demo_prints_its_summary_and_sign_ins_and_logs_the_messages(console_messages, capsys):
    out = StringIO()
    call_command("demo", people=30, seed=1, stdout=out)
    printed = out.getvalue() + capsys.readouterr().out
    log = (console_messages / "demo-messages.log").read_text(encoding="utf-8")
    assert "Welcome to Coproduce" in log and "[sms to" in log
    assert "Subject:" not in printed and "[sms to" not in printed and "Dear " not in printed
    assert "The demo is ready" in printed and "demo-messages.log" in printed
    for username in FIXED_SIGN_INS:
        assert f"  {username} " in printed


def test_the_readme_sign_in_table_matches_the_demo(console_messages):
    out = StringIO()
    call_command("demo", people=30, seed=1, stdout=out)
    table = {
        username: who
        for username, who in re.findall(
            r"^\| `(\w+)` \| `riverside-demo` \| (.+) \|$", README.read_text(), re.MULTILINE
        )
    }
    assert set(table) == set(FIXED_SIGN_INS)
    for line in out.getvalue().splitlines():
        username, _, description = line.strip().partition("  ")
        if username in table:
            # The name the demo prints for each sign-in is the README's.
            assert description.split(",")[0].strip() in table[username], username
    cared_for = Relationship.objects.get(proxy__user__username="carer").person
    assert cared_for.full_name in table["carer"] and "mother" in table["carer"]
