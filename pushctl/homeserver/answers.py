"""A homeserver's answers read: JSON of a success, Matrix errors as exceptions.

Text the server chose reaches messages only through :func:`server_text`
(a hostile server may echo the token). requests is needed only for its types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pushctl.errors import Hint, MatrixError, ServerError, redact_known
from pushctl.homeserver.sessions import json_body
from pushctl.pushers.model import Pusher

if TYPE_CHECKING:
    import requests


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


def decode(response: requests.Response) -> Any:
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
    data = json_or_none(response)
    if isinstance(data, dict) and isinstance(data.get("errcode"), str):
        raise matrix_error(status, data)
    if 300 <= status < 400:
        where = server_text(response.headers.get("Location"))
        raise ServerError(
            f"homeserver answered HTTP {status}, a redirect"
            + (f" to {where!r}" if where else " without a Location")
            + ", which was not followed",
            status=status,
        )
    raise ServerError(
        f"homeserver answered HTTP {status} {server_text(response.reason)}".rstrip()
        + f" without a Matrix error ({_content_type(response)})",
        status=status,
    )


def check_not_turned_into_get(method: str, response: requests.Response) -> None:
    """A write answered with 301, 302 or 303 was followed as a GET: it was not carried out."""
    if response.request.method == method or not response.history:
        return
    status = response.history[0].status_code
    raise ServerError(
        f"homeserver answered the {method} with HTTP {status}, a redirect that turns it into "
        "a GET: nothing was written",
        status=status,
    )


def matrix_error(status: int, data: dict[str, Any]) -> MatrixError:
    errcode = server_text(data["errcode"])
    text = server_text(data.get("error", ""))
    if status == 401 or errcode in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
        soft = " (soft logout: log in again to refresh it)" if data.get("soft_logout") else ""
        message = f"the homeserver rejected the access token ({errcode}: {text}){soft}"
        return MatrixError(status, errcode, text, message, hint=Hint.TOKEN_REJECTED)
    if status == 403:
        return MatrixError(status, errcode, text, f"not allowed: HTTP 403 {errcode}: {text}")
    return MatrixError(status, errcode, text)


def server_text(value: object) -> str:
    """Text the server chose, fit for a message: a hostile server may echo the token."""
    return redact_known(str(value)) if value is not None else ""


def json_or_none(response: requests.Response) -> Any:
    try:
        return json_body(response)
    except ValueError:
        return None


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "no content type").split(";")[0]


def expect_object(result: Any, what: str) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ServerError(f"homeserver answered {what} with something other than a JSON object")
    return result
