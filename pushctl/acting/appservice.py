"""Application services: acting for the users of a namespace by identity assertion.

An application service (a bridge, a bot platform, a provisioning service) holds
one token, the ``as_token`` of its registration on the homeserver. A request
made with it acts as the service's *sender* user; with
``?user_id=@bob:example.org`` in the query it acts as Bob instead, provided
Bob matches one of the ``users`` namespaces of the registration and exists on
the homeserver ("identity assertion" in the Application Service API). This is
in the spec, so it works on every homeserver, not only Synapse.

The token stays in the ``Authorization`` header; only the asserted user
travels in the URL, and so shows in ``-v`` traces.

Such a token is never sent to ``/logout``. It is not a session but part of
the service's registration, which only the homeserver's administrator can
change: Synapse answers ``/logout`` with 401 and the token keeps working.
Worse, ``/logout/all`` with an asserted user ends every session of that user,
and the homeserver deletes the pushers those sessions created (measured on
Synapse). Pushers set through the service itself belong to no device and
survive all of that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pushctl.errors import AuthError, Hint, MatrixError, PushctlError

if TYPE_CHECKING:
    from pushctl.homeserver.client import Client

#: The query parameter of identity assertion.
USER_ID_PARAM = "user_id"


def asserting(client: Client, user_id: str) -> Client:
    """A client that acts as *user_id* through *client*'s application-service token.

    Before anything else is sent, ``whoami`` with the assertion must answer
    *user_id*. That turns the homeserver's refusal (a user outside the
    namespace, or not registered) into a clear error before any write, and it
    catches a user's token stored as an application service's: homeservers
    ignore ``user_id`` for those, so every request would silently act on the
    token's own account instead of *user_id*'s.
    """
    acting = client.with_token(client.token, {USER_ID_PARAM: user_id})
    try:
        answer = acting.whoami()
    except MatrixError as exc:
        acting.close()
        raise explain(exc, user_id) from None
    actual = answer.get("user_id")
    if actual != user_id:
        acting.close()
        raise AuthError(
            f"the homeserver ignored the assertion of {user_id} and answered as {actual}: "
            "this is not an application service's token; use the service's as_token",
            advice=", or act for the user through the Synapse admin API with a server "
            "admin's token",
            hint=Hint.NOT_APPSERVICE_TOKEN,
        )
    return acting


def explain(exc: MatrixError, user_id: str) -> PushctlError:
    """A refused identity assertion, told in terms of the service's registration."""
    if exc.status != 403:
        return exc
    detail = f"({exc.errcode}: {exc.error})"
    text = exc.error.lower()
    if "masquerade" in text:
        reason = (
            "the user is outside its namespace: no `users` regex of its registration "
            "matches this user ID"
        )
    elif "not registered" in text:
        reason = (
            "the user is in its namespace but has not been registered on the homeserver "
            "(an application service acts only for users that exist; register the user first)"
        )
    else:
        reason = (
            "the homeserver refused the identity assertion; is the user in the namespace of "
            "the service's registration, and registered?"
        )
    return AuthError(f"the application service cannot act for {user_id}: {reason} {detail}")
