"""
Errors raised by the OneEntry client. Every failure of a call surfaces as one of these:

* OneEntryError - the base; catch it to handle any OneEntry failure.
  + OneEntryUnavailable - the service could not give an answer: a network error, a timeout,
    a 5xx, a 429 or an error body that is not OneEntry's JSON (e.g. a proxy's HTML page).
    Usually worth retrying later. `.maybe_applied` is True when a request with side effects
    (anything but GET) may have been processed although no answer came back - a read
    timeout or a 5xx on a POST - so callers must look before they retry it.
    + OneEntryBadResponse - a 2xx answer whose body is not the expected JSON shape.
  + OneEntryRejected - OneEntry refused the request (a 4xx other than 401 and 404): invalid
    form data, an unknown product, a payment account the storage does not allow, a route
    closed to the app token. Retrying the same request will fail again.
    + OneEntryNotFound - 404: unknown id, marker or path.
  + OneEntryAuthError - the shared guest user cannot be signed in (wrong credentials, unknown
    auth provider, app token refused at sign-in), or a route still answers 401 right after
    a fresh sign-in.

Every error has `.status` (the HTTP status, or None when no response came back),
`.message` (the server's message, array messages joined with "; ", or a short description)
and `.method`/`.path` of the call (the path below /api/content, without query or headers).
Messages never contain the app token, the guest password or a user token.
"""

from __future__ import annotations


class OneEntryError(Exception):
    """Base of all OneEntry client errors."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        self.message = message
        self.status = status
        self.method = method
        self.path = path
        super().__init__(message)

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        status = f"HTTP {self.status}" if self.status is not None else ""
        context = ", ".join(part for part in (where, status) if part)
        return f"{self.message} ({context})" if context else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"


class OneEntryUnavailable(OneEntryError):
    """No usable answer: network error, timeout, 5xx, 429 or a non-JSON error body."""

    def __init__(
        self,
        message: str,
        *,
        maybe_applied: bool,
        status: int | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message, status=status, method=method, path=path)
        self.maybe_applied = maybe_applied


class OneEntryBadResponse(OneEntryUnavailable):
    """A 2xx answer whose body is not the JSON shape the call expects."""


class OneEntryRejected(OneEntryError):
    """OneEntry refused the request (4xx other than 401/404)."""


class OneEntryNotFound(OneEntryError):
    """404: the product, form, storage, order or path does not exist."""


class OneEntryAuthError(OneEntryError):
    """The guest user cannot be signed in, or stays unauthorized after signing in."""
