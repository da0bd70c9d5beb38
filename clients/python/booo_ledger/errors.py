"""Refusals as typed errors: the gRPC code, the field the ledger names and its reason.

Every refusal of the ledger carries one gRPC status code and a message that starts with the
field it is about ("goo_places_declared.places: must be ..."); a batch's refusal starts with the
event's index ("events[3]: ..."). LedgerError keeps the three apart. Whether to retry:

| code | meaning for a caller | retry? |
|---|---|---|
| INVALID_ARGUMENT | the event or request is malformed; `field` says where | no: fix it |
| NOT_FOUND | unknown key, event, municipality or superseded event | no |
| ALREADY_EXISTS | the event id is recorded with other bytes | no: a new event id |
| PERMISSION_DENIED | revoked key, wrong role, another municipality | no |
| UNAUTHENTICATED | the signature does not verify | no |
| ABORTED | the stream moved on (expected_stream_version); `current_version` | rebase, then send anew |
| OUT_OF_RANGE | an amount over the limit, a point past the ledger's head | no |
| FAILED_PRECONDITION | the ledger's state does not allow it (or a mirror: `primary`) | no (or at the primary) |
| RESOURCE_EXHAUSTED | over a size or rate limit ("retry in N ms" for the rate) | after the wait, for the rate |
| UNAVAILABLE, DEADLINE_EXCEEDED | not known to be written | yes, with the same bytes |
| DATA_LOSS | the ledger's stored data fails its check | no: tell the operator |
"""
from __future__ import annotations

import re
from typing import Optional

import grpc

_FIELD = re.compile(r"^[a-z0-9_.\[\]]+$")
_BATCH = re.compile(r"^events\[(\d+)\]: ")
_VERSION = re.compile(r" is at version (\d+), not ")


class VerificationError(Exception):
    """What the ledger answered does not check out: a proof, a signature, a leaf hash."""


class RollbackError(VerificationError):
    """A checkpoint older than, or forking from, the one kept: the log was rolled back."""


class LedgerError(Exception):
    """A refusal of the ledger."""

    def __init__(self, code: grpc.StatusCode, message: str):
        self.code = code
        self.message = message
        batch = _BATCH.match(message)
        self.event_index: Optional[int] = int(batch.group(1)) if batch else None
        reason = message[batch.end():] if batch else message
        head, sep, rest = reason.partition(": ")
        self.field: str = head if sep and _FIELD.match(head) else ""
        self.reason: str = rest if self.field else reason
        super().__init__(f"{code.name}: {message}")

    @property
    def retryable(self) -> bool:
        return self.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class InvalidArgument(LedgerError): pass
class NotFound(LedgerError): pass
class AlreadyExists(LedgerError): pass
class PermissionDenied(LedgerError): pass
class Unauthenticated(LedgerError): pass
class OutOfRange(LedgerError): pass
class FailedPrecondition(LedgerError): pass
class ResourceExhausted(LedgerError): pass
class Unavailable(LedgerError): pass
class DataLoss(LedgerError): pass


class Aborted(LedgerError):
    """The stream is not at the expected version: `current_version` is where it is."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(code, message)
        found = _VERSION.search(message)
        self.current_version: Optional[int] = int(found.group(1)) if found else None


_BY_CODE = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRange,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unavailable,
    grpc.StatusCode.DATA_LOSS: DataLoss,
}


def from_rpc_error(error: grpc.RpcError) -> LedgerError:
    code = error.code()
    return _BY_CODE.get(code, LedgerError)(code, error.details() or "")
