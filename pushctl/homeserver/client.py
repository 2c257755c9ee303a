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
from urllib.parse import quote, urlsplit

import requests

from pushctl.errors import (
    AuthError,
    Hint,
    MatrixError,
    NetworkError,
    ServerError,
    UsageError,
    redact_known,
    register_secret,
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
    json_body,
    new_session,
    unusable_answer,
)
from pushctl.pushers.model import Pusher, delete_body, is_loopback_host, set_body
from pushctl.urls import BadUrl, split_url

log = logging.getLogger("pushctl.http")

# Failures after which the same request may succeed: refused, reset, dropped
# mid-response, timed out.
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


def normalise_homeserver(url: str, allow_insecure_http: bool = False) -> str:
    """A homeserver base URL without trailing slash, refusing unsafe ones."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    try:
        parts = split_url(url)
    except BadUrl as exc:
        raise UsageError(f"homeserver URL {url!r} {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"homeserver URL {url!r} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username:
        raise UsageError("homeserver URL must not contain a query, fragment or user info")
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise UsageError(
            f"refusing plain http to {parts.hostname}: the access token would cross the network "
            "unencrypted; use https://",
            hint=Hint.INSECURE_HOMESERVER,
        )
    return url.rstrip("/")


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
            _check_not_turned_into_get(method, response)
            if response.status_code == RATE_LIMITED:
                wait = self._rate_limit_wait(response, limited)
                if wait is None:
                    return _decode(response)
                log.info("rate limited: retrying in %.2fs", wait)
                self.throttle.defer(wait)
                limited += 1
                continue
            wait = self._retry_wait(response, attempt, idempotent)
            if wait is None or attempt >= self.retry.retries:
                return _decode(response)
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
        retry_after = parse_retry_after(
            response.headers.get("Retry-After"), _json_or_none(response)
        )
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
        result = _expect_object(self.client_request("GET", "/account/whoami"), "whoami")
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
        result = _expect_object(self.client_request("GET", "/devices"), "devices")
        devices = result.get("devices", [])
        if not isinstance(devices, list):
            raise ServerError("homeserver answered GET /devices without a list of devices")
        return [d for d in devices if isinstance(d, dict)]


def user_path(user_id: str) -> str:
    return quote(user_id, safe="")


def parse_pushers(body: Any) -> list[Pusher]:
    """Accept ``{"pushers": [...]}`` (the spec) and a bare array (old drafts)."""
    if isinstance(body, dict) and isinstance(body.get("pushers"), list):
        items = body["pushers"]
    elif isinstance(body, list):
        items = body
    else:
        raise ServerError("homeserver answered GET /pushers without a list of pushers")
    if not all(isinstance(item, dict) for item in items):
        raise ServerError("homeserver answered GET /pushers with entries that are not objects")
    return list(items)


def _decode(response: requests.Response) -> Any:
    """The JSON of a 2xx answer (``{}`` for none); any other answer raises.

    A redirect that was not followed (one without a ``Location``, or one answering
    a write) is no success either: nothing says the request was carried out.
    """
    status = response.status_code
    if 200 <= status < 300:
        if not response.content.strip():
            return {}
        try:
            return json_body(response)
        except ValueError as exc:
            raise ServerError(
                f"homeserver answered HTTP {status} with a body that is not JSON "
                f"({_content_type(response)}: {exc})"
            ) from None
    data = _json_or_none(response)
    if isinstance(data, dict) and isinstance(data.get("errcode"), str):
        raise _matrix_error(status, data)
    if 300 <= status < 400:
        where = _server_text(response.headers.get("Location"))
        raise ServerError(
            f"homeserver answered HTTP {status}, a redirect"
            + (f" to {where!r}" if where else " without a Location")
            + ", which was not followed",
            status=status,
        )
    raise ServerError(
        f"homeserver answered HTTP {status} {_server_text(response.reason)}".rstrip()
        + f" without a Matrix error ({_content_type(response)})",
        status=status,
    )


def _check_not_turned_into_get(method: str, response: requests.Response) -> None:
    """A write answered with 301, 302 or 303 was followed as a GET: it was not carried out."""
    if response.request.method == method or not response.history:
        return
    status = response.history[0].status_code
    raise ServerError(
        f"homeserver answered the {method} with HTTP {status}, a redirect that turns it into "
        "a GET: nothing was written",
        status=status,
    )


def _matrix_error(status: int, data: dict[str, Any]) -> MatrixError:
    errcode = _server_text(data["errcode"])
    text = _server_text(data.get("error", ""))
    if status == 401 or errcode in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        soft = " (soft logout: log in again to refresh it)" if data.get("soft_logout") else ""
        message = f"the homeserver rejected the access token ({errcode}: {text}){soft}"
        return MatrixError(status, errcode, text, message, hint=Hint.TOKEN_REJECTED)
    if status == 403:
        return MatrixError(status, errcode, text, f"not allowed: HTTP 403 {errcode}: {text}")
    return MatrixError(status, errcode, text)


def _server_text(value: object) -> str:
    """Text the server chose, fit for a message: a hostile server may echo the token."""
    return redact_known(str(value)) if value is not None else ""


def _json_or_none(response: requests.Response) -> Any:
    try:
        return json_body(response)
    except ValueError:
        return None


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "no content type").split(";")[0]


def _expect_object(result: Any, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ServerError(f"homeserver answered {what} with something other than a JSON object")
    return result


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
