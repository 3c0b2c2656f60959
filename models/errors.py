"""The one error a request can fail with: a code, a message, and the request field at fault.

Models raise it (or a thin subclass that fixes its code and field) where they find the problem; the sidecar
catches it once and sends `to_wire()` back. It imports nothing of ours, so models and the wire schema can
both use it without either depending on the other.
"""

from __future__ import annotations


class RequestError(ValueError):
    """A request the sidecar cannot accept. `code` is stable for clients to branch on; `field` names the
    offending request field ("" for the whole message); `message` says what is wrong and the limit."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.request_id: int | str | None = None  # the id to echo, when the request got that far

    def __str__(self) -> str:
        # Explicit so that a subclass that is also a KeyError does not print its message quoted.
        return self.message

    def to_wire(self) -> dict[str, str]:
        """The reply's `error` map."""
        return {"code": self.code, "message": self.message, "field": self.field}
