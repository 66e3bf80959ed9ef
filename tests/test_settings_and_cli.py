"""The settings module's embedded defaults and environment overrides, and the `coproduce`
command serving the site as a newcomer would start it."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

COPRODUCE = Path(sys.executable).with_name("coproduce")
READ_SETTINGS = (
    "import json, coproduce.settings as s; print(json.dumps({"
    "'db': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL,"
    "'email': s.EMAIL_BACKEND, 'sms': s.COPRODUCE_SMS_BACKEND,"
    "'cache': s.CACHES['default']['BACKEND']}))"
)


def settings_with(env: dict[str, str], tmp_path) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean |= {"COPRODUCE_VAR_DIR": str(tmp_path), **env}
    result = subprocess.run(
        [sys.executable, "-c", READ_SETTINGS], env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_with_nothing_set_everything_is_embedded(tmp_path):
    found = settings_with({}, tmp_path)
    assert found["db"] == "django.db.backends.sqlite3"
    assert found["name"] == str(tmp_path / "coproduce.sqlite3")
    assert found["eager"] is True
    assert found["email"].endswith("console.EmailBackend")
    assert found["sms"].endswith("ConsoleBackend")
    assert found["cache"].endswith("LocMemCache")


def test_production_settings_come_from_the_environment(tmp_path):
    found = settings_with(
        {
            "DATABASE_URL": "postgres://coproduce:secret@db.internal:5432/coproduce",
            "REDIS_URL": "redis://redis.internal:6379/0",
            "EMAIL_HOST": "smtp.internal",
            "NOTIFY_API_KEY": "key",
        },
        tmp_path,
    )
    assert found["db"] == "django.db.backends.postgresql"
    assert found["eager"] is False
    assert found["broker"] == "redis://redis.internal:6379/0"
    assert found["email"].endswith("smtp.EmailBackend")
    assert found["sms"].endswith("NotifyBackend")
    assert found["cache"].endswith("RedisCache")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import coproduce.settings"],
        env={**env, "COPRODUCE_PRODUCTION": "1", "COPRODUCE_VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_coproduce_serve_answers_on_the_home_page_and_the_api_docs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COPRODUCE_VAR_DIR"] = str(tmp_path)
    subprocess.run([COPRODUCE, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    port = free_port()
    server = subprocess.Popen(
        [COPRODUCE, "serve", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        statuses = {}
        deadline = time.monotonic() + 30
        for path in ("/", "/api/docs", "/api/openapi.json"):
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                        statuses[path] = r.status
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"coproduce serve did not answer {path} within 30 s")
                    time.sleep(0.3)
        assert statuses == {"/": 200, "/api/docs": 200, "/api/openapi.json": 200}
    finally:
        server.terminate()
        server.wait(timeout=10)
