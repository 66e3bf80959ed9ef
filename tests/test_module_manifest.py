"""A module adds itself to the platform through its manifest alone (coproduce.modules), and
no core file names a module: the sample module under tests/ appears in the navigation, the
homes, the person page, the API, the beat schedule and the demo without a line of the core
changing."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coproduce import modules

SRC = Path(__file__).resolve().parent.parent / "src" / "coproduce"

PROBE = """
import json
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from coproduce import modules, registry
from coproduce.celery import app
from coproduce.people.models import AuditEvent, RecordCategory
from coproduce.web.two_factor import OPEN_VIEWS
from tests import factories

call_command("migrate", verbosity=0)
citizen = factories.PersonFactory(user=factories.UserFactory())
role = factories.RoleFactory()
factories.CareRelationshipFactory(
    person=citizen, organisation=role.organisation, category=RecordCategory.HEALTH
)
as_citizen, as_staff = Client(), Client()
as_citizen.force_login(citizen.user)
as_staff.force_login(role.user)
app.finalize()
print(json.dumps({
    "citizen_home": as_citizen.get("/home/").content.decode(),
    "staff_home": as_staff.get("/home/").content.decode(),
    "person_page": as_staff.get(f"/people/{citizen.pk}/").content.decode(),
    "person_page_audit": list(
        AuditEvent.objects.filter(person=citizen, what__startswith="record")
        .values_list("what", flat=True)
    ),
    "module_page": as_citizen.get("/sample/").status_code,
    "api": sorted(json.loads(as_staff.get("/api/openapi.json").content)["paths"]),
    "beat": sorted(app.conf.beat_schedule),
    "demo": [step.name for step in registry.demo_generators()],
    "staff_navigation": [link.url_name for link in modules.staff_navigation()],
    "open_views": sorted(OPEN_VIEWS | modules.public_views()),
}))
"""


@pytest.fixture(scope="module")
def with_sample_module(tmp_path_factory):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "COPRODUCE_")) and name != "DATABASE_URL"
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.sample_module.settings",
        "COPRODUCE_VAR_DIR": str(tmp_path_factory.mktemp("sample")),
        "PYTHONPATH": os.pathsep.join([str(SRC.parent), str(SRC.parent.parent)]),
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=SRC.parent.parent,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_a_module_appears_in_navigation_and_on_both_homes(with_sample_module):
    assert "Sample for citizens" in with_sample_module["citizen_home"]
    assert "Sample tile" in with_sample_module["citizen_home"]
    assert "Sample staff tile" in with_sample_module["staff_home"]
    assert "sample:page" in with_sample_module["staff_navigation"]


def test_citizen_links_in_the_header_follow_their_order(with_sample_module):
    page = with_sample_module["citizen_home"]
    header = page[page.index('<nav aria-label="Menu"') : page.index("</nav>")]
    # My waits is 10, the sample module 50, and Messages (the core's) after every module's.
    places = [header.index(f">{text}<") for text in ("My waits", "Sample for citizens", "Messages")]
    assert places == sorted(places)


def test_a_module_has_its_pages_its_api_and_a_link_on_the_person_page(with_sample_module):
    assert with_sample_module["module_page"] == 200
    assert "/api/sample/hello" in with_sample_module["api"]
    assert "Sample for this person" in with_sample_module["person_page"]


def test_a_module_has_its_section_on_the_person_page_in_order(with_sample_module):
    html = with_sample_module["person_page"]
    assert "The sample module knows 3 things about" in html
    # In order: after the waits (order 10) and before the core's consents (order 60), with
    # the module's link inside its own section.
    headings = re.findall(r'<h2 class="govuk-heading-l" id="([a-z-]+)">', html)
    assert headings.index("waits") < headings.index("sample") < headings.index("consents")
    section = html.split('id="sample">', 1)[1].split("</section>", 1)[0]
    assert "Sample for this person" in section
    # A section in a category the staff have no basis in is left out altogether.
    assert "Sample education" not in html
    assert "sample-education" not in html
    # The one look is audited, naming the sections shown (and not the one left out).
    (what,) = with_sample_module["person_page_audit"]
    assert "sample notes" in what and "waits" in what
    assert "education" not in what


def test_a_module_is_in_the_beat_schedule_the_demo_and_the_public_pages(with_sample_module):
    assert "sample-every-minute" in with_sample_module["beat"]
    assert with_sample_module["demo"][-1] == "sample"
    assert "sample:page" in with_sample_module["open_views"]


def test_the_installed_modules_are_named_in_one_place_only():
    """Core files (everything in src/coproduce but the modules themselves and migrations)
    never import, route to or name a module's pages: only settings.COPRODUCE_MODULES does."""
    module_names = [manifest.name for manifest in modules.manifests()]
    module_dirs = {SRC / name for name in module_names}
    assert module_names, "no module is installed"
    reference = re.compile(
        r"\b(?:" + "|".join(module_names) + r")(?:\.[a-z_]+\b|:[a-z-]+)", re.IGNORECASE
    )
    found = []
    for path in SRC.rglob("*"):
        if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
            continue
        if any(directory in path.parents for directory in module_dirs):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "COPRODUCE_MODULES = [" in line:
                continue
            if reference.search(line):
                found.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not found, "core files name a module:\n" + "\n".join(found)
