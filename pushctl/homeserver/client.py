"""The homeserver client: one HTTP session, the bearer token, retries, errors.

The token only ever travels in the ``Authorization`` header, never in a URL,
and is stripped by requests when a redirect leaves the original host.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from pushctl.errors import (
    AuthError,
    Hint,
    MatrixError,
    NetworkError,
    ServerError,
    register_secret,
)
from pushctl.homeserver.answers import (
    check_not_turned_into_get,
    decode,
    expect_object,
    json_or_none,
    parse_pushers,
)
from pushctl.homeserver.bounds import DEFAULT_TIMEOUT, HOMESERVER_ANSWER_LIMIT
from pushctl.homeserver.retry import (
    RATE_LIMITED,
    RETRYABLE_STATUSES,
    RetryPolicy,
    Throttle,
    parse_retry_after,
)
from pushctl.homeserver.sessions import (
    TLS_FAILED,
    failure_reason,
    new_session,
    unusable_answer,
)
from pushctl.pushers.model import Pusher, delete_body, set_body

log = logging.getLogger("pushctl.http")

# Failures after which the same request may succeed: refused, reset, dropped
# mid-response, timed out.
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class _BearerAuth(requests.auth.AuthBase):
    # An auth object (rather than a default header) also stops requests from
    # replacing the token with ~/.netrc credentials.
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@dataclass
class Client:
    homeserver: str
    token: str | None = None
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    throttle: Throttle = field(default_factory=Throttle)
    verify: bool | str = True
    #: extra query parameters on every authenticated request (identity assertion)
    assert_params: Mapping[str, str] = field(default_factory=dict)
    prefix: str = "v3"
    #: where each request takes its token from, when it can change during a run
    #: (a short-lived acting token that is renewed); shared by clones
    token_source: Callable[[], str] | None = None
    session: requests.Session = field(init=False, repr=False)

    def __post_init__(self) -> None:
        register_secret(self.token)
        self.session = new_session(self.verify, HOMESERVER_ANSWER_LIMIT)

    def clone(self) -> Client:
        """A client with its own HTTP session, sharing throttle and settings."""
        return Client(
            self.homeserver,
            self.token,
            self.timeout,
            self.retry,
            self.throttle,
            self.verify,
            self.assert_params,
            self.prefix,
            self.token_source,
        )

    def with_token(
        self, token: str | None, assert_params: Mapping[str, str] | None = None
    ) -> Client:
        other = self.clone()
        other.token = token
        other.token_source = None
        register_secret(token)
        other.assert_params = dict(assert_params or {})
        return other

    def close(self) -> None:
        self.session.close()

    # -- requests --------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        auth: bool = True,
        idempotent: bool = True,
    ) -> Any:
        """Send one request, retrying as the policy says, and return the JSON body."""
        if auth and not (self.token or self.token_source):
            raise AuthError("no access token", hint=Hint.NO_TOKEN)
        query = {**(self.assert_params if auth else {}), **(params or {})}
        attempt = 0  # failures retried so far; waiting out a 429 is not one
        limited = 0
        unanswered = False  # an attempt may have reached the server and got no answer
        while True:
            self.throttle.wait()
            try:
                response = self._send(method, path, body, query, auth)
            except _TRANSIENT as exc:
                unanswered = unanswered or _maybe_received(exc)
                if attempt >= self.retry.retries or not (idempotent or _never_sent(exc)):
                    raise _network_error(self.homeserver, exc, unanswered) from None
                pause = self.retry.backoff(attempt)
                log.info("retrying in %.2fs after %s", pause, type(exc).__name__)
                time.sleep(pause)
                attempt += 1
                continue
            except requests.RequestException as exc:  # a redirect to nowhere, a garbled body
                where = urlsplit(self.homeserver).netloc
                raise ServerError(f"the homeserver at {where} {unusable_answer(exc)}") from None
            check_not_turned_into_get(method, response)
            if response.status_code == RATE_LIMITED:
                wait = self._rate_limit_wait(response, limited)
                if wait is None:
                    return decode(response)
                log.info("rate limited: retrying in %.2fs", wait)
                self.throttle.defer(wait)
                limited += 1
                continue
            wait = self._retry_wait(response, attempt, idempotent)
            if wait is None or attempt >= self.retry.retries:
                return decode(response)
            log.info("retrying in %.2fs after HTTP %s", wait, response.status_code)
            time.sleep(wait)
            attempt += 1

    def _send(
        self, method: str, path: str, body: Any, query: Mapping[str, str], auth: bool
    ) -> requests.Response:
        url = self.homeserver + path
        started = time.monotonic()
        shown = url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        try:
            response = self.session.request(
                method,
                url,
                json=body,
                params=query or None,
                auth=self._auth() if auth else None,
                timeout=self.timeout,
            )
        except _TRANSIENT as exc:
            log.info(
                "%s %s failed after %.0f ms: %s", method, shown, _ms(started), type(exc).__name__
            )
            raise
        log.info("%s %s -> %s in %.0f ms", method, shown, response.status_code, _ms(started))
        return response

    def _auth(self) -> _BearerAuth | None:
        token = self.token_source() if self.token_source is not None else self.token
        return _BearerAuth(token) if token else None

    def _rate_limit_wait(self, response: requests.Response, limited: int) -> float | None:
        """How long the server asks us to wait; None once the run's budget is spent."""
        if self.throttle.held >= self.retry.rate_limit_budget:
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"), json_or_none(response))
        return self.retry.rate_limit_wait(retry_after, min(limited, 8))

    def _retry_wait(
        self, response: requests.Response, attempt: int, idempotent: bool
    ) -> float | None:
        """Seconds to wait before trying again, or None when the answer is final."""
        if response.status_code in RETRYABLE_STATUSES and idempotent:
            return self.retry.backoff(attempt)
        return None

    def client_request(self, method: str, endpoint: str, **kwargs: Any) -> Any:
        """A request under ``/_matrix/client/<prefix>``, falling back to r0 for old servers."""
        try:
            return self.request(method, f"/_matrix/client/{self.prefix}{endpoint}", **kwargs)
        except (MatrixError, ServerError) as exc:
            if not (self.prefix == "v3" and _unknown_endpoint(exc) and self._only_r0()):
                raise
            self.prefix = "r0"
            return self.request(method, f"/_matrix/client/r0{endpoint}", **kwargs)

    def _only_r0(self) -> bool:
        try:
            versions = self.versions().get("versions", [])
        except (MatrixError, ServerError, NetworkError):
            return False
        return not any(v.startswith("v1.") for v in versions) and any(
            v.startswith("r0.") for v in versions
        )

    # -- endpoints -------------------------------------------------------------

    def versions(self) -> dict[str, Any]:
        result = self.request("GET", "/_matrix/client/versions", auth=False)
        return result if isinstance(result, dict) else {}

    def whoami(self) -> dict[str, Any]:
        """``user_id`` (a non-empty string) and ``device_id`` (a string or None), and the rest."""
        result = expect_object(self.client_request("GET", "/account/whoami"), "whoami")
        user_id, device_id = result.get("user_id"), result.get("device_id")
        if not isinstance(user_id, str) or not user_id:
            raise ServerError("homeserver answered whoami without a user ID")
        if device_id is not None and not isinstance(device_id, str):
            raise ServerError("homeserver answered whoami with a device ID that is not a string")
        return result

    def get_pushers(self) -> list[Pusher]:
        return parse_pushers(self.client_request("GET", "/pushers"))

    def set_pusher(self, pusher: Mapping[str, Any], append: bool = True) -> None:
        self.client_request("POST", "/pushers/set", body=set_body(pusher, append))

    def delete_pusher(self, app_id: str, pushkey: str) -> None:
        self.client_request("POST", "/pushers/set", body=delete_body(app_id, pushkey))

    def logout(self) -> None:
        self.client_request("POST", "/logout", body={})

    def devices(self) -> list[dict[str, Any]]:
        result = expect_object(self.client_request("GET", "/devices"), "devices")
        devices = result.get("devices", [])
        if not isinstance(devices, list):
            raise ServerError("homeserver answered GET /devices without a list of devices")
        return [d for d in devices if isinstance(d, dict)]


def _unknown_endpoint(exc: MatrixError | ServerError) -> bool:
    if isinstance(exc, MatrixError):
        return exc.status in (400, 404) and exc.errcode == "M_UNRECOGNIZED"
    return exc.status == 404


def _never_sent(exc: Exception) -> bool:
    """True when the request cannot have reached the server (safe to retry anything)."""
    text = repr(exc)
    return isinstance(exc, requests.ConnectTimeout) or "NewConnectionError" in text


def _maybe_received(exc: Exception) -> bool:
    """True when the request may have reached the server: its answer, not the request, was lost."""
    text = repr(exc)
    refused_early = isinstance(exc, requests.exceptions.SSLError) or "NameResolution" in text
    return not (_never_sent(exc) or refused_early)


def _network_error(homeserver: str, exc: Exception, unanswered: bool = False) -> NetworkError:
    """*unanswered*: a request was sent and no answer came, so a write may have been applied."""
    reason = failure_reason(exc)
    return NetworkError(
        f"cannot reach the homeserver at {urlsplit(homeserver).netloc}: {reason}",
        hint=Hint.PRIVATE_CA if reason == TLS_FAILED else None,
        unanswered=unanswered,
    )


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
