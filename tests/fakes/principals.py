"""A stand-in for keys mode in route tests: `Authorization: Bearer <name>` is the principal <name>."""

from __future__ import annotations

from collections.abc import Mapping

from lambdachat.identity import Principal

from tests.apps import override


class HeaderAuthenticator:
    def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        value = headers.get("Authorization", "")
        return Principal(id=value.removeprefix("Bearer ")) if value.startswith("Bearer ") else None


def install_header_auth() -> None:
    """Apps created after this resolve principals from the header (any auth mode setting)."""
    override(authenticator=HeaderAuthenticator())


def as_(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {name}"}
