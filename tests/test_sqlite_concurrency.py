"""The embedded database (SQLite in a file, as `coproduce serve` runs it) takes many writers
at once: each waits its turn instead of failing with "database is locked".

The test database is SQLite in memory, where locking is not SQLite's on-disk kind, so the
busy clinic runs in a process of its own with the project's settings and a database file.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the embedded database's own locking"
)

WRITERS = 50

# Fifty staff of one practice, each with their own write token, register a patient through
# the API at the same moment.
BUSY_CLINIC = """
import json, sys, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from coproduce.people.access import Actor
from coproduce.people.actions import create_api_token
from coproduce.people.models import Locality, Organisation, Person, Role, User

writers = int(sys.argv[1])
call_command("migrate", verbosity=0)
region = Locality.objects.create(code="E1", name="Riverside", kind=Locality.Kind.REGION)
practice = Organisation.objects.create(code="P1", name="Riverside Surgery", locality=region)
tokens = []
for n in range(writers):
    user = User.objects.create(username=f"clerk{n}")
    Role.objects.create(user=user, organisation=practice, kind=Role.Kind.ORGANISATION_ADMIN)
    _, raw = create_api_token(
        Actor(user=user), organisation_id=practice.pk, name=f"Desk {n}", scope="write"
    )
    tokens.append(raw)
connections.close_all()

start = threading.Barrier(writers)
answers = [None] * writers

def register(n):
    try:
        start.wait(timeout=60)
        response = Client().post(
            "/api/people",
            {
                "given_name": f"Patient {n}",
                "family_name": "Jones",
                "date_of_birth": "1980-01-01",
                "address_line_1": "1 Mill Lane",
                "postcode": "RV1 2AB",
                "care_category": "health",
                "care_reason": "Registered patient",
            },
            content_type="application/json",
            headers={"authorization": f"Bearer {tokens[n]}"},
        )
        answers[n] = [response.status_code, response.content.decode()[:300]]
    except Exception as error:
        answers[n] = [None, repr(error)]
    finally:
        connections.close_all()

threads = [threading.Thread(target=register, args=(n,)) for n in range(writers)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=240)
journal_mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
print(json.dumps({
    "answers": answers,
    "registered": Person.objects.filter(family_name="Jones").count(),
    "journal_mode": journal_mode,
}))
"""


def test_fifty_staff_registering_patients_at_once_are_all_registered(tmp_path):
    database = tmp_path / "coproduce.sqlite3"
    source = Path(__file__).resolve().parent.parent / "src"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "coproduce.settings",
        "COPRODUCE_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])),
    }
    run = subprocess.run(
        [sys.executable, "-c", BUSY_CLINIC, str(WRITERS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    refused = [answer for answer in outcome["answers"] if answer[0] != 201]
    assert refused == []
    assert outcome["registered"] == WRITERS
    assert outcome["journal_mode"] == "wal"
