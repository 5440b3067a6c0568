"""Sign-in sessions of the OneEntry sandbox: token pairs bound to a device fingerprint."""

from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any


class AuthError(Exception):
    """A token or header the real service would refuse; carries the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_device_metadata(raw: str | None) -> str:
    """The fingerprint from an `x-device-metadata` header, or the 400 the service answers."""
    if raw is None:
        raise AuthError(400, "Missing x-device-metadata header")
    try:
        data = json.loads(raw)
    except ValueError:
        raise AuthError(400, "Invalid x-device-metadata format") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("fingerprint"), str)
        or not isinstance(data.get("deviceInfo"), dict)
    ):
        raise AuthError(400, "Invalid x-device-metadata format")
    fingerprint: str = data["fingerprint"]
    return fingerprint


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class _Session:
    id: int
    user: str
    fingerprint: str
    refresh_token: str
    access_token: str
    access_expires_at: float  # time.monotonic() deadline
    revoked: bool = False


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str

    def __repr__(self) -> str:  # tokens are secrets
        return "TokenPair(access_token=***, refresh_token=***)"


class TokenStore:
    """Issues, rotates and checks tokens; one live session per (user, fingerprint)."""

    def __init__(self) -> None:
        # OneEntry binds a refresh token to the signing-in device. The JS SDK 1.0.149 on Node.js
        # sends a different fingerprint from each of its modules, so its automatic refresh only
        # works when this binding is switched off.
        self.bind_to_device = True
        self._sessions: list[_Session] = []
        self._by_access: dict[str, _Session] = {}
        self._by_refresh: dict[str, _Session] = {}
        self._spent_refresh: set[str] = set()

    def __repr__(self) -> str:
        return f"TokenStore(sessions={len(self._sessions)})"

    def sign_in(self, user: str, fingerprint: str, ttl: float) -> TokenPair:
        for old in self._sessions:
            if old.user == user and old.fingerprint == fingerprint and not old.revoked:
                self._revoke(old)
        session = _Session(
            id=len(self._sessions) + 1,
            user=user,
            fingerprint=fingerprint,
            refresh_token="",
            access_token="",
            access_expires_at=0.0,
        )
        self._sessions.append(session)
        return self._issue(session, ttl)

    def refresh(self, refresh_token: str, fingerprint: str, ttl: float) -> TokenPair:
        session = self._by_refresh.get(refresh_token)
        if session is None or session.revoked:
            if refresh_token in self._spent_refresh:
                raise AuthError(400, "Refresh token has already been used")
            raise AuthError(400, "Invalid refresh token")
        if self.bind_to_device and session.fingerprint != fingerprint:
            raise AuthError(400, "Refresh token was issued to another device")
        return self._issue(session, ttl)

    def logout(self, refresh_token: str, fingerprint: str) -> None:
        session = self._by_refresh.get(refresh_token)
        if session is None or session.revoked:
            raise AuthError(400, "Invalid refresh token")
        if self.bind_to_device and session.fingerprint != fingerprint:
            raise AuthError(400, "Invalid refresh token")
        self._revoke(session)

    def logout_all(self, user: str) -> None:
        for session in self._sessions:
            if session.user == user and not session.revoked:
                self._revoke(session)

    def user_for(self, authorization: str | None) -> str:
        """The user an `Authorization: Bearer` header stands for, or AuthError(401)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(401, "Unauthorized")
        session = self._by_access.get(token.strip())
        if session is None or session.revoked:
            raise AuthError(401, "Unauthorized")
        if time.monotonic() >= session.access_expires_at:
            raise AuthError(401, "Access token expired")
        return session.user

    def expire_access_tokens(self) -> None:
        for session in self._sessions:
            session.access_expires_at = 0.0

    def _issue(self, session: _Session, ttl: float) -> TokenPair:
        # The previous pair of this session dies: refresh tokens are single-use, and an access
        # token is only valid while it is its session's newest one.
        self._by_access.pop(session.access_token, None)
        if session.refresh_token:
            self._by_refresh.pop(session.refresh_token, None)
            self._spent_refresh.add(session.refresh_token)
        session.access_token = self._access_token(session, ttl)
        session.refresh_token = f"{int(time.time() * 1000)}-{uuid.uuid4()}"
        session.access_expires_at = time.monotonic() + ttl
        self._by_access[session.access_token] = session
        self._by_refresh[session.refresh_token] = session
        return TokenPair(session.access_token, session.refresh_token)

    def _revoke(self, session: _Session) -> None:
        session.revoked = True
        self._by_access.pop(session.access_token, None)
        self._by_refresh.pop(session.refresh_token, None)
        self._spent_refresh.add(session.refresh_token)

    @staticmethod
    def _access_token(session: _Session, ttl: float) -> str:
        """A JWT-shaped token (header.payload.signature); clients must treat it as opaque."""
        now = int(time.time())
        header: dict[str, Any] = {"alg": "HS256", "typ": "JWT"}
        payload: dict[str, Any] = {
            "sub": session.user,
            "sid": session.id,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + max(int(ttl), 1),
        }
        parts = [json.dumps(header).encode(), json.dumps(payload).encode(), secrets.token_bytes(32)]
        return ".".join(_b64url(part) for part in parts)
