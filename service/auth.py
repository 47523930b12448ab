"""Bearer tokens mapped to roles; each route names the roles it admits."""
from __future__ import annotations

import hmac

from fastapi import Request

from qunguard.service.errors import APIError

BOT, MODERATOR, ADMIN = "bot", "moderator", "admin"


class Auth:
    def __init__(self, token_roles: dict[str, str], enabled: bool) -> None:
        self.token_roles = token_roles
        self.enabled = enabled

    def role_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        for known, role in self.token_roles.items():
            if hmac.compare_digest(known, token.strip()):  # constant time: no token oracle
                return role
        return None

    def require(self, request: Request, *roles: str) -> str:
        if not self.enabled:
            return ADMIN
        role = self.role_of(request)
        if role is None:
            raise APIError(401, "unauthorized", "missing or unknown bearer token")
        if role not in roles:
            raise APIError(403, "forbidden", f"role {role!r} may not do this; needs one of {', '.join(roles)}")
        return role
