"""Reproducible installs: every dependency is pinned with hashes in requirements.lock, and the
web process never needs the demo's Faker."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    # PEP 503: case and runs of "-", "_" and "." do not matter in a package's name.
    bare = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", bare).lower()


def _locked() -> dict[str, str]:
    """Package name -> the text of its entry in requirements.lock."""
    entries: dict[str, str] = {}
    current = None
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            current = _name(line)
            entries[current] = line
        elif current and line.strip().startswith("--hash="):
            entries[current] += line
    return entries


def test_every_declared_dependency_is_locked_with_an_exact_version_and_hashes():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    locked = _locked()
    missing = [req for req in declared if _name(req) not in locked]
    assert not missing, f"run `make lock`: requirements.lock lacks {missing}"
    for name, entry in locked.items():
        assert "==" in entry and "--hash=sha256:" in entry, f"{name} is not pinned with hashes"


def test_the_web_process_does_not_import_faker():
    code = (
        "import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'coproduce.settings'; "
        "django.setup(); import coproduce.urls; print('faker' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
