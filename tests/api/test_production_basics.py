"""Production basics (issue 15, part 7): the demo verifier only where the deployment says it is local,
``Secure`` session cookies outside local, security headers and a request id on every response (and
on every log line of the request), and a database outage answered 503, never 401."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from xinyong.api.app import create_app
from xinyong.api.security import POLICY
from xinyong.domain.identity.actors import Actor, Role
from xinyong.logging import configure_logging, get_logger
from xinyong.services.identity import accounts as auth
from xinyong.services.platform.bootstrap import Platform
from xinyong.settings import Settings, UnsafeDeployment

PASSWORD = "a long password"  # noqa: S105 - a test password
SETUP = Actor.system("production-test")


def production_of(platform: Platform, **changes: object) -> Platform:
    """The test platform as a production deployment (its database, its clock)."""
    settings = platform.settings.model_copy(update={"env": "production", **changes})
    return Platform(settings=settings, engine=platform.engine, clock=platform.clock)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def cookie_header(response, name: str) -> str:  # type: ignore[no-untyped-def]
    found = [value for value in response.headers.get_list("set-cookie") if value.startswith(name + "=")]
    assert found, f"no {name} cookie set"
    return found[0]


# --------------------------------------------------------------------------------------------------
# XINYONG_ENV and the demo verifier
# --------------------------------------------------------------------------------------------------

def test_xinyong_env_unset_means_production(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("XINYONG_ENV", raising=False)
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.env == "production" and not settings.local
    monkeypatch.setenv("XINYONG_ENV", "local")
    assert Settings(_env_file=None, data_dir=tmp_path).local  # type: ignore[call-arg]
    monkeypatch.setenv("XINYONG_ENV", "staging")
    with pytest.raises(ValueError, match="env"):
        Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]


def test_the_demo_verifier_refuses_to_start_in_production(platform) -> None:  # type: ignore[no-untyped-def]
    assert platform.settings.real_name_verifier == "demo"
    with pytest.raises(UnsafeDeployment) as refused:
        production_of(platform)
    exc = refused.value
    assert (exc.field, exc.reason) == ("XINYONG_REAL_NAME_VERIFIER", "demo_verifier_outside_local")
    for message in (exc.message_zh, exc.message_en):
        assert "XINYONG_REAL_NAME_VERIFIER=demo" in message and "XINYONG_ENV=local" in message
        assert "production" in message
    assert "本地" in exc.message_zh and "local use only" in exc.message_en
    with pytest.raises(UnsafeDeployment):
        Platform.from_settings(platform.settings.model_copy(update={"env": "production"}))
    # Another verifier runs in production; the demo one runs locally.
    assert production_of(platform, real_name_verifier="national-id-service").settings.env == "production"


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    xinyong = Path(sys.executable).with_name("xinyong")
    return subprocess.run([str(xinyong), *args], env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("command", ["init", "serve"])
def test_the_cli_refuses_to_start_with_the_demo_verifier_in_production(settings, command) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XINYONG_DATA_DIR": str(settings.data_dir), "XINYONG_DATABASE_URL": settings.database_url,
           "XINYONG_PORT": str(port), "XINYONG_LOG_LEVEL": "ERROR"}
    env.pop("XINYONG_ENV")                                  # unset: production
    args = [command] + (["--no-migrate"] if command == "serve" else [])
    refused = _cli(args, env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    assert "XINYONG_REAL_NAME_VERIFIER" in refused.stderr and "XINYONG_ENV=local" in refused.stderr
    assert "本地" in refused.stderr and "local use only" in refused.stderr
    if command == "init":
        assert _cli(args, {**env, "XINYONG_ENV": "local"}).returncode == 0
        assert _cli(args, {**env, "XINYONG_REAL_NAME_VERIFIER": "national-id-service"}).returncode == 0


# --------------------------------------------------------------------------------------------------
# Secure cookies outside local
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["production", "local"])
def test_session_cookies_are_secure_outside_local(platform, env) -> None:  # type: ignore[no-untyped-def]
    deployed = production_of(platform, real_name_verifier="national-id-service") if env == "production" \
        else platform
    with deployed.unit_of_work(SETUP) as uow:
        auth.create_user(uow, username="li", role=Role.public, password=PASSWORD)
    secure = env == "production"
    with TestClient(create_app(deployed), base_url="https://testserver") as client:
        page = client.get("/login")
        assert ("; secure" in cookie_header(page, "xy_csrf").lower()) is secure
        signed = client.post("/login", data={"username": "li", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
                             follow_redirects=False)
        assert signed.status_code == 303, signed.text
        portal = cookie_header(signed, "xy_session").lower()
        assert "httponly" in portal and ("; secure" in portal) is secure
        me = client.get("/me")
        assert me.status_code == 200 and "li" in me.text
        out = client.post("/logout", data={"csrf_token": csrf_of(me.text)}, follow_redirects=False)
        assert ("; secure" in cookie_header(out, "xy_session").lower()) is secure
        api = client.post("/api/v1/auth/session", json={"username": "li", "password": PASSWORD})
        assert api.status_code == 200, api.text
        assert ("; secure" in cookie_header(api, "xy_session").lower()) is secure


# --------------------------------------------------------------------------------------------------
# Security headers
# --------------------------------------------------------------------------------------------------

def _assert_secured(response) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert len(headers.get_list("content-security-policy")) == 1


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/login"), ("GET", "/catalog"), ("GET", "/public/organisations"), ("GET", "/check"),
    ("GET", "/static/site.css"), ("GET", "/healthz"), ("GET", "/openapi.json"), ("GET", "/api/v1/auth/me"),
    ("GET", "/api/v1/identifiers/check?identifier=1"), ("GET", "/no-such-page"), ("POST", "/api/v1/auth/session"),
    ("POST", "/login"), ("GET", "/api/v1/records/1/explain"),
])
def test_every_response_carries_the_security_headers(client, method, path) -> None:  # type: ignore[no-untyped-def]
    response = client.request(method, path)
    _assert_secured(response)
    assert response.headers["content-security-policy"] == POLICY
    assert "default-src 'self'" in POLICY and "unsafe" not in POLICY


def test_portal_pages_hold_nothing_inline_the_policy_would_block(client) -> None:  # type: ignore[no-untyped-def]
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)
    for path in ("/", "/login", "/catalog", "/public/organisations", "/public/double-publicity", "/check?identifier=1"):
        page = client.get(path)
        assert page.status_code == 200 and not inline.search(page.text), path


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_api_documentation_pages_allow_their_assets_and_exactly_their_inline_scripts(client, path) -> None:  # type: ignore[no-untyped-def]
    page = client.get(path)
    assert page.status_code == 200
    _assert_secured(page)
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    wanted = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}
    assert {s for s in scripts if s.startswith("'sha256-")} == wanted
    assert not any(s.startswith("http") for part in policy.values() for s in part.split())   # no other host
    assert "cdn.jsdelivr.net" not in page.text and "fonts.googleapis.com" not in page.text
    for asset in re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', page.text):   # served here, offline
        assert client.get(asset).status_code == 200, asset
    if path != "/docs/oauth2-redirect":
        assert re.search(r'src="/docs-assets/(swagger-ui-bundle|redoc\.standalone)\.js"', page.text)
    assert policy["frame-ancestors"] == "'none'"


def test_an_unhandled_error_is_answered_with_the_headers_too(platform) -> None:  # type: ignore[no-untyped-def]
    app = create_app(platform)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    _assert_secured(response)
    assert response.headers["x-request-id"] == "trace-500"


# --------------------------------------------------------------------------------------------------
# The request id
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent", "kept"), [
    (None, False), ("3f2a9c1e-5b7d-4e0f-9a8b-1c2d3e4f5a6b", True), ("req.42:edge=eu/1+a@b", True),
    ("x" * 128, True), ("x" * 129, False), ("has space", False), ("-leading-dash", False), ("", False),
    ("id\twith\ttab", False), ("中文", False),
])
def test_a_sane_request_id_is_kept_anything_else_replaced(client, sent, kept) -> None:  # type: ignore[no-untyped-def]
    headers = {"X-Request-ID": sent.encode("utf-8")} if sent is not None else {}
    response = client.get("/healthz", headers=headers)
    rid = response.headers["x-request-id"]
    if kept:
        assert rid == sent
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert client.get("/healthz").headers["x-request-id"] != client.get("/healthz").headers["x-request-id"]


@pytest.fixture
def json_log():  # type: ignore[no-untyped-def]
    """Log as a deployment does (JSON lines); the lines logged so far, parsed."""
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    configure_logging("json", "INFO")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]

    yield lines
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)


def test_every_line_logged_while_handling_a_request_carries_its_id(platform, json_log) -> None:  # type: ignore[no-untyped-def]
    app = create_app(platform)

    @app.get("/log-async")
    async def log_async() -> dict:
        get_logger("test").info("from the event loop")
        logging.getLogger("test.stdlib").warning("from the standard library")
        return {}

    @app.get("/log-thread")
    def log_thread() -> dict:                     # a sync endpoint runs in a worker thread
        get_logger("test").info("from a worker thread")
        return {}

    with TestClient(app) as client:
        ids = [client.get(path, headers=headers).headers["x-request-id"]
               for path, headers in (("/log-async", {"X-Request-ID": "edge-1"}), ("/log-thread", {}))]
    by_event = {line["event"]: line for line in json_log()}
    assert ids[0] == "edge-1"
    assert by_event["from the event loop"]["request_id"] == "edge-1"
    assert by_event["from the standard library"]["request_id"] == "edge-1"
    assert by_event["from a worker thread"]["request_id"] == ids[1]
    get_logger("test").info("after the request")
    assert "request_id" not in {line["event"]: line for line in json_log()}["after the request"]


# --------------------------------------------------------------------------------------------------
# A database outage is a 503, never a 401
# --------------------------------------------------------------------------------------------------

@pytest.fixture
def down(settings, clock):  # type: ignore[no-untyped-def]
    """A platform whose database does not answer (nothing listens on port 1)."""
    url = "postgresql+psycopg://nobody@127.0.0.1:1/x?connect_timeout=1"
    with TestClient(create_app(Platform.from_settings(settings.model_copy(update={"database_url": url}),
                                                      clock=clock))) as client:
        yield client


def _assert_unavailable(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text
    detail = response.json()["detail"]
    assert (detail["field"], detail["reason"]) == (None, "database_unavailable")
    assert "数据库" in detail["message_zh"] and "database" in detail["message_en"]
    _assert_secured(response)


@pytest.mark.parametrize("credentials", [
    {"headers": {"Authorization": "Bearer xyu_" + "a" * 40}},             # a user's token
    {"headers": {"Authorization": "Bearer xyp_" + "a" * 40}},             # a providing unit's token
    {"cookies": {"xy_session": "s" * 43}},                                # the portal session
])
def test_a_database_outage_while_finding_the_caller_is_a_503(down, credentials, json_log) -> None:  # type: ignore[no-untyped-def]
    for name, value in credentials.get("cookies", {}).items():
        down.cookies.set(name, value)
    response = down.get("/api/v1/auth/me", headers={**credentials.get("headers", {}), "X-Request-ID": "outage"})
    _assert_unavailable(response)
    logged = [line for line in json_log() if line["event"] == "database unavailable"]
    assert logged and logged[-1]["request_id"] == "outage" and logged[-1]["level"] == "error"


def test_a_database_error_looking_up_a_unit_token_is_not_a_401(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from xinyong.services.identity import units
    # The user-token lookup finds nothing (the database answers); the unit-token lookup then fails.
    def fails(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT unit_credentials", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(units, "authenticate", fails)
    response = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer xyp_" + "b" * 40})
    _assert_unavailable(response)
    # A token the database does not know is still a 401.
    monkeypatch.undo()
    refused = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer xyp_" + "b" * 40})
    assert refused.status_code == 401 and refused.json()["detail"]["reason"] == "token_invalid"


@pytest.mark.parametrize(("lang", "text"), [("zh", "数据库暂时无法访问"), ("en", "The database cannot be reached")])
def test_a_database_outage_on_a_portal_page_is_a_503_page_in_the_visitors_language(down, lang, text) -> None:  # type: ignore[no-untyped-def]
    down.cookies.set("xy_session", "s" * 43)
    page = down.get(f"/me?lang={lang}")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert text in page.text and 'id="unavailable"' in page.text
    _assert_secured(page)
