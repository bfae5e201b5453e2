"""Domain errors. The error middleware turns each into `{"error": {"code", "message"}}`."""

from __future__ import annotations


class GreenroomError(Exception):
    """An error a client caused or can act on; never a bug."""

    status = 400
    code = "bad_request"
    retry_after: int | None = None
    """Seconds after which asking again may succeed (a `Retry-After` header)."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def body(self) -> dict[str, dict[str, str]]:
        """The one error shape every JSON answer has."""
        return {"error": {"code": self.code, "message": self.message}}

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class InvalidInput(GreenroomError):
    status = 422
    code = "invalid_input"


class MalformedRequest(GreenroomError):
    status = 400
    code = "malformed_request"


class PayloadTooLarge(GreenroomError):
    status = 413
    code = "payload_too_large"


class Unauthorized(GreenroomError):
    status = 401
    code = "unauthorized"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class NotFound(GreenroomError):
    status = 404
    code = "not_found"


class Conflict(GreenroomError):
    status = 409
    code = "conflict"


class RetryLater(GreenroomError):
    """A refusal for now: the client may ask again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after: int | None = retry_after


class Busy(RetryLater):
    """The media server is at capacity."""

    status = 503
    code = "busy"


class TooManyAttempts(RetryLater):
    """One check link is storing attempts faster than a candidate can take them."""

    status = 429
    code = "too_many_attempts"


class TooManyOffers(RetryLater):
    """A check link, or a client address, is starting media sessions faster than a candidate
    reloading the page would."""

    status = 429
    code = "too_many_offers"
