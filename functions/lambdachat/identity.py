"""Who is calling: the principal every non-public route acts for.

Routes never read auth headers themselves; the app resolves a `Principal` before the view
runs (`lambdachat.web.app`). `LAMBDACHAT_AUTH=none` makes every caller `local`. `keys` mode
(Bearer access keys, stored hashed: `lambdachat.accesskeys`) is another `Authenticator`, chosen
by the composition root (`lambdachat.wiring`) without touching any route.
Note: `x-api-key` is never an access key: in g4f it carries a provider's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from lambdachat.errors import Unauthorized


@dataclass(frozen=True)
class Principal:
    id: str
    authenticated: bool = True
    session: bool = False   # named by a sign-in cookie, not a header: its writes must show our Origin


SIGN_IN_PATH = "/backend-api/v2/signin"   # the page that trades a key for a session cookie
ANONYMOUS = Principal(id="anonymous", authenticated=False)


class Authenticator(Protocol):
    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        """The caller's principal, or None when the request carries no valid credential."""


class OpenAuthenticator:
    """`LAMBDACHAT_AUTH=none`: one trusted operator, the principal `local`."""

    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        return Principal(id="local")


def resolve_principal(authenticator: Authenticator, headers: Mapping[str, str], *, public: bool) -> Principal:
    principal = authenticator.authenticate(headers)
    if principal is not None:
        return principal
    if public:
        return ANONYMOUS
    raise Unauthorized(f"A valid access key is required (Authorization: Bearer <key>), or sign in at {SIGN_IN_PATH}")
