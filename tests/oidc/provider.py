"""Start the loopback OpenID Connect provider (provider.mjs) for a test run, and sign in at
it as a person would, through its login and consent pages."""

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "coproduce"
CLIENT_SECRET = "coproduce-test-secret"
JWT_CLIENT_ID = "coproduce-jwt"
STARTUP_SECONDS = 30


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    # The private half of client "coproduce-jwt"'s key (the provider holds the public half).
    private_key_file: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _client_key(directory: Path) -> tuple[Path, dict]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = directory / "client-private-key.pem"
    path.write_bytes(pem)
    public = RSAKey.import_key(pem).as_dict(private=False)
    return path, {"keys": [{**public, "use": "sig", "alg": "RS256"}]}


@contextmanager
def running_provider(redirect_uris: list[str], directory: Path) -> Iterator[RunningProvider]:
    """Run provider.mjs with node until the block ends; its log is kept in `directory`."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("The OpenID Connect tests need node (and npm ci) to run a provider.")
    port = _free_port()
    key_file, client_jwks = _client_key(directory)
    env = {
        **os.environ,
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_CLIENT_JWKS": json.dumps(client_jwks),
    }
    issuer = f"http://127.0.0.1:{port}"
    log_path = directory / "provider.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, str(SCRIPT), str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_ready(issuer, process, log_path)
            yield RunningProvider(issuer=issuer, private_key_file=key_file)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(issuer: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The OIDC provider stopped:\n{log_path.read_text()}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"The OIDC provider did not start:\n{log_path.read_text()}")


class _FirstForm(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action") or ""
            self._inside = True
        elif tag == "input" and self._inside and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def sign_in_at_provider(authorize_url: str, login: str, *, back_to: str) -> str:
    """Follow the provider's pages from `authorize_url`, signing in as `login` and agreeing
    to share; return the address it sends the browser back to (starting with `back_to`)."""
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _step in range(12):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(back_to):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
            continue
        form = _FirstForm()
        form.feed(response.text)
        if form.action is None:
            raise AssertionError(f"The provider showed no form:\n{response.text[:2000]}")
        if "login" in form.fields:
            form.fields.update(login=login, password="any password will do")
        response = browser.post(
            urljoin(response.url, form.action),
            data=form.fields,
            allow_redirects=False,
            timeout=10,
        )
    raise AssertionError("The provider never sent the browser back.")
