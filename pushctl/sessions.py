"""The HTTP sessions pushctl opens, and what a request that got no answer ran into.

Every session (homeserver, discovery, push gateway) says who is calling with
the same User-Agent. ``requests`` is imported only when a session is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pushctl import __version__

if TYPE_CHECKING:
    import requests

USER_AGENT = f"pushctl/{__version__}"
TLS_FAILED = "TLS verification failed"


def new_session(verify: bool | str = True) -> requests.Session:
    """A session with pushctl's User-Agent; *verify* is True or a CA bundle file.

    A CA bundle file given here wins over ``REQUESTS_CA_BUNDLE`` and
    ``CURL_CA_BUNDLE``: requests would otherwise let those override it.
    """
    import requests

    session = _pinned_session(verify) if isinstance(verify, str) else requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.verify = verify
    return session


def _pinned_session(bundle: str) -> requests.Session:
    import requests

    class PinnedSession(requests.Session):
        def merge_environment_settings(
            self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
        ) -> Any:
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            settings["verify"] = bundle
            return settings

    return PinnedSession()


def json_body(response: requests.Response) -> Any:
    """The answer's JSON; ValueError when it is not JSON, or nested too deeply to read."""
    try:
        return response.json()
    except RecursionError:  # [[[[…]]]] a hundred thousand deep
        raise ValueError("the JSON answer is nested too deeply") from None


def failure_reason(exc: Exception) -> str:
    """Why a request got no answer, in a few words: ``timed out``, ``connection refused``..."""
    import requests

    text = repr(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return TLS_FAILED
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if "refused" in text.lower():
        return "connection refused"
    if "NameResolution" in text or "Name or service not known" in text:
        return "host name not found"
    return "connection failed or dropped"
