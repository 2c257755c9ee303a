"""TLS is always verified; a private CA is trusted only when the user says so."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer

from tests.support.accounts import assert_clean_failure

pytestmark = pytest.mark.inprocess

PUSHERS = "/_matrix/client/v3/pushers"
TOKEN = "tls-test-token-0123456789"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_server(ca: trustme.CA) -> Iterator[HTTPServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    server = HTTPServer(host="localhost", port=0, ssl_context=context)
    server.start()
    server.expect_request(PUSHERS).respond_with_json({"pushers": []})
    yield server
    server.clear()
    server.stop()


def env_for(server: HTTPServer, **extra: str) -> dict[str, str]:
    return {
        "PUSHCTL_HOMESERVER": f"https://localhost:{server.port}",
        "PUSHCTL_ACCESS_TOKEN": TOKEN,
        **extra,
    }


def test_an_untrusted_certificate_is_refused(tls_server: HTTPServer, pushctl) -> None:
    result = pushctl("--retries", "0", "list", env=env_for(tls_server))
    assert_clean_failure(result, 1)
    assert "TLS verification failed" in result.stderr and "--ca-bundle" in result.stderr


def test_ca_bundle_flag_trusts_a_private_ca(
    tls_server: HTTPServer, ca: trustme.CA, pushctl, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    result = pushctl("--ca-bundle", str(bundle), "list", "--json", env=env_for(tls_server))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_requests_ca_bundle_variable_is_honoured(
    tls_server: HTTPServer, ca: trustme.CA, pushctl, tmp_path: Path
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    env = env_for(tls_server, REQUESTS_CA_BUNDLE=str(bundle))
    result = pushctl("list", "--json", env=env)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_ca_bundle_flag_wins_over_the_environment(
    tls_server: HTTPServer, ca: trustme.CA, pushctl, tmp_path: Path, variable: str
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    other = tmp_path / "other.pem"
    trustme.CA().cert_pem.write_to_path(str(other))  # a CA that did not sign the server
    env = env_for(tls_server, **{variable: str(other)})
    result = pushctl("--ca-bundle", str(bundle), "--retries", "0", "list", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_a_missing_ca_bundle_file_is_a_usage_error(
    tls_server: HTTPServer, pushctl, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-ca.pem"
    result = pushctl("--ca-bundle", str(missing), "list", env=env_for(tls_server))
    assert_clean_failure(result, 2)
    assert str(missing) in result.stderr
