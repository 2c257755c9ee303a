"""The HTTP sessions pushctl opens, and what a request that got no answer ran into.

Every session (homeserver, discovery, push gateway) says who is calling with
the same User-Agent, and bounds its answers: each request ends by a deadline
derived from its timeout, and each answer is refused past a size. ``requests``
is imported only when a session is made.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from pushctl import __version__
from pushctl.homeserver.bounds import ANSWER_LIMIT

if TYPE_CHECKING:
    import requests

USER_AGENT = f"pushctl/{__version__}"
TLS_FAILED = "TLS verification failed"
#: no TLS session at all: most often https:// to a port that speaks plain HTTP
TLS_HANDSHAKE_FAILED = (
    "TLS handshake failed (the port does not speak TLS, or not a version in common)"
)
TIMED_OUT = "timed out"


def new_session(verify: bool | str = True, limit: int = ANSWER_LIMIT) -> requests.Session:
    """A session with pushctl's User-Agent and bounded answers.

    *verify* is True or a CA bundle file; a CA bundle file given here wins over
    ``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``. Each request ends by its
    deadline (:func:`deadline_seconds`), and an answer larger than *limit*
    bytes is refused (:mod:`pushctl.homeserver.transport`).
    """
    from pushctl.homeserver.transport import BoundedSession

    session = BoundedSession(limit, verify if isinstance(verify, str) else None)
    session.headers["User-Agent"] = USER_AGENT
    session.verify = verify
    return session


def no_credentials(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """The ``auth`` of every request to a host other than the homeserver (push gateways).

    Strips any ``Authorization`` header; given as ``auth``, it also keeps
    requests from adding ~/.netrc credentials for the host. The one place that
    does: the homeserver's token never reaches another host.
    """
    request.headers.pop("Authorization", None)
    return request


def json_body(response: requests.Response) -> Any:
    """The answer's JSON, as RFC 8259 has it; ValueError saying why when it is not.

    Read from the bytes as UTF-8 whatever the Content-Type claims (requests would
    decode ``text/plain`` as Latin-1, and replace invalid bytes). Refused: invalid
    UTF-8, ``NaN`` and ``Infinity`` (which no JSON reader downstream accepts), numbers
    too large for a float, text with a lone surrogate (which no output can encode),
    nesting too deep to read.
    """
    import json

    content = response.content
    try:
        # strict: json.loads(bytes) would let UTF-8-encoded surrogates through
        text = content.decode(json.detect_encoding(content))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:  # [[[[…]]]] a hundred thousand deep
        raise ValueError("nested too deeply") from None
    if re.search(_SURROGATE_ESCAPE, content) and _has_lone_surrogate(value):
        raise ValueError("text with a lone surrogate, which is not Unicode")
    return value


# patterns are compiled at first use (re's cache), not at import: every run pays for those
# A lone surrogate can only come from a \uD800-\uDFFF escape: strict UTF-8 has none.
_SURROGATE_ESCAPE = rb"\\u[dD][89a-fA-F]"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name}, which is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("a number too large for a float")
    return number


def _has_lone_surrogate(value: Any) -> bool:
    """True when a string (or key) anywhere in *value* holds a lone surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if re.search(_LONE_SURROGATE, item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


_LONE_SURROGATE = "[\ud800-\udfff]"


def failure_reason(exc: Exception) -> str:
    """Why a request got no answer, in a few words: ``timed out``, ``connection refused``..."""
    import requests

    from pushctl.homeserver.transport import AnswerTooLarge

    text = repr(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return TLS_FAILED if _certificate_refused(exc) else TLS_HANDSHAKE_FAILED
    if isinstance(exc, requests.Timeout):
        return TIMED_OUT
    if isinstance(exc, AnswerTooLarge):
        return str(exc)
    if "refused" in text.lower():
        return "connection refused"
    if "NameResolution" in text or "Name or service not known" in text:
        return "host name not found"
    return "connection failed or dropped"


def _certificate_refused(exc: BaseException) -> bool:
    """True when the TLS failure is the certificate's, not the handshake's."""
    import ssl

    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, ssl.SSLCertVerificationError):
            return True
        pending += [
            item.__cause__,
            item.__context__,
            *(a for a in item.args if isinstance(a, BaseException)),
        ]
        reason = getattr(item, "reason", None)
        if isinstance(reason, BaseException):
            pending.append(reason)
    return "CERTIFICATE_VERIFY_FAILED" in repr(exc)


def unusable_answer(exc: Exception) -> str:
    """What went wrong with an answer that came but could not be used, in a few words."""
    import requests

    from pushctl.homeserver.transport import AnswerTooLarge

    if isinstance(exc, AnswerTooLarge):
        return f"sent an {exc}"
    if isinstance(exc, requests.TooManyRedirects):
        return "redirected too many times"
    unfollowable = (
        requests.exceptions.InvalidSchema,
        requests.exceptions.InvalidURL,
        requests.exceptions.MissingSchema,
    )
    if isinstance(exc, unfollowable):
        return "redirected to a URL that cannot be followed"
    return f"sent an answer that cannot be read ({type(exc).__name__})"
