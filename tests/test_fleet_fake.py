"""``pushctl fleet`` on a fake homeserver: what a real Synapse cannot be made to do.

Matrix Authentication Service in front (no admin login as a user), an admin
login endpoint that is switched off, and a write that fails for one user.
"""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.support.accounts import assert_clean_failure, make_pusher

pytestmark = pytest.mark.inprocess

TOKEN = "admin-token-for-fake-fleet"
USERS = ["@alice:localhost", "@bob:localhost"]
OLD = "https://old.pushctl.invalid/_matrix/push/v1/notify"
NEW = "https://new.pushctl.invalid/_matrix/push/v1/notify"
SET = "/_matrix/client/v3/pushers/set"


def env_for(server: HTTPServer) -> dict[str, str]:
    return {"PUSHCTL_HOMESERVER": server.url_for("/").rstrip("/"), "PUSHCTL_ACCESS_TOKEN": TOKEN}


def as_json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def serve_fleet(server: HTTPServer) -> None:
    """Two active users, each with one pusher on the old gateway."""
    server.expect_request("/_matrix/client/v3/account/whoami").respond_with_json(
        {"user_id": "@admin:localhost"}
    )
    server.expect_request("/_synapse/admin/v2/users").respond_with_json(
        {"users": [{"name": user} for user in USERS], "total": len(USERS)}
    )
    for number, user in enumerate(USERS):
        pusher = {**make_pusher(pushkey=f"key-{number}", data={"url": OLD}), "device_id": "D"}
        server.expect_request(f"/_synapse/admin/v1/users/{user}/pushers").respond_with_json(
            {"pushers": [pusher], "total": 1}
        )
        server.expect_request(f"/_synapse/admin/v2/users/{user}").respond_with_json(
            {"name": user, "deactivated": False, "locked": False}
        )


def test_behind_matrix_authentication_service_writes_are_refused_once(
    httpserver: HTTPServer, pushctl
) -> None:
    serve_fleet(httpserver)
    httpserver.expect_request("/_matrix/client/v1/auth_metadata").respond_with_json(
        {"issuer": "https://auth.pushctl.invalid/"}
    )
    listed = pushctl("fleet", "list", "--json", env=env_for(httpserver))
    assert listed.returncode == 0, listed.stderr
    assert [p["user_id"] for p in json.loads(listed.stdout)] == USERS

    result = pushctl("fleet", "move-gateway", "--from", OLD, "--to", NEW, "--yes",
                     env=env_for(httpserver))  # fmt: skip
    assert_clean_failure(result, 4)
    assert "Matrix Authentication Service" in result.stderr
    assert result.stderr.count("pushctl: error") == 1
    assert not [r for r, _ in httpserver.log if r.path.endswith("/login") or r.path == SET]


def test_a_switched_off_admin_login_stops_the_run_with_exit_4(
    httpserver: HTTPServer, pushctl
) -> None:
    serve_fleet(httpserver)
    for user in USERS:
        httpserver.expect_request(f"/_synapse/admin/v1/users/{user}/login").respond_with_response(
            as_json({"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}, 404)
        )
    result = pushctl("fleet", "delete", "--app-id", "org.example.app.ios", "--yes",
                     env=env_for(httpserver))  # fmt: skip
    assert_clean_failure(result, 4)
    assert "refuses to let an admin act as its users" in result.stderr
    assert not [r for r, _ in httpserver.log if r.path == SET]


def test_a_failed_write_names_the_user_and_pusher_and_exits_5(
    httpserver: HTTPServer, pushctl
) -> None:
    serve_fleet(httpserver)
    revoked: list[str] = []
    for user in USERS:
        httpserver.expect_request(f"/_synapse/admin/v1/users/{user}/login").respond_with_json(
            {"access_token": f"acting-{user[1:4]}"}
        )

    def write(request: Request) -> Response:
        if request.headers["Authorization"] == "Bearer acting-bob":
            return as_json({"errcode": "M_UNKNOWN", "error": "refused for bob"}, 400)
        return as_json({})

    def logout(request: Request) -> Response:
        revoked.append(request.headers["Authorization"])
        return as_json({})

    httpserver.expect_request(SET, method="POST").respond_with_handler(write)
    httpserver.expect_request("/_matrix/client/v3/logout").respond_with_handler(logout)
    result = pushctl("fleet", "move-gateway", "--from", OLD, "--to", NEW, "--yes",
                     env=env_for(httpserver))  # fmt: skip
    assert_clean_failure(result, 5)
    assert "@bob:localhost: org.example.app.ios key-1: " in result.stderr
    assert "refused for bob" in result.stderr and "@alice" not in result.stderr
    assert sorted(revoked) == ["Bearer acting-ali", "Bearer acting-bob"]
    bodies = [r.get_json() for r, _ in httpserver.log if r.path == SET]
    assert {b["data"]["url"] for b in bodies} == {NEW}
    assert all(b["append"] is True for b in bodies)
