"""LedgerClient: a municipal system's, the ministry's or an auditor's connection to ledgerd."""
from __future__ import annotations

import datetime
import hashlib
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import grpc

from booo.v1 import (controls_service_pb2, controls_service_pb2_grpc, events_pb2,
                     grants_service_pb2, grants_service_pb2_grpc, ledger_service_pb2,
                     ledger_service_pb2_grpc)

from . import events as ev
from .errors import LedgerError, RollbackError, VerificationError, from_rpc_error
from .keys import SigningKey, VerifierKey
from .proofs import (Checkpoint, encode_leaf, leaf_hash, open_checkpoint, verify_consistency,
                     verify_inclusion)

Event = Union[events_pb2.EventBody, events_pb2.SignedEvent]


class TrustStore:
    """The latest verified checkpoint per log, kept on disk: a checkpoint older than it, or of
    the same size with another root, is a rollback and refused; a newer one is accepted only
    with a consistency proof from it."""

    def __init__(self, directory: Union[str, Path]):
        self.directory = Path(directory)

    def _file(self, origin: str) -> Path:
        return self.directory / (hashlib.sha256(origin.encode()).hexdigest()[:32] + ".json")

    def latest(self, origin: str) -> Optional[Checkpoint]:
        path = self._file(origin)
        if not path.exists():
            return None
        kept = json.loads(path.read_text())
        return Checkpoint(origin=kept["origin"], tree_size=kept["tree_size"],
                          root_hash=bytes.fromhex(kept["root_hash"]), note=kept["note"])

    def keep(self, checkpoint: Checkpoint) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._file(checkpoint.origin)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"origin": checkpoint.origin,
                                         "tree_size": checkpoint.tree_size,
                                         "root_hash": checkpoint.root_hash.hex(),
                                         "note": checkpoint.note}))
        temporary.replace(path)  # atomic: a crash leaves the old or the new, never half


class LedgerClient:
    """One channel to ledgerd. Plaintext (a development server) unless TLS files are given;
    with `client_certificate` and `client_key` it speaks mutual TLS as a registered party."""

    def __init__(self, target: str, *, ca_certificate: Optional[bytes] = None,
                 client_certificate: Optional[bytes] = None, client_key: Optional[bytes] = None,
                 server_name: Optional[str] = None, timeout: float = 30.0,
                 retries: int = 5):
        options: List[Tuple[str, Union[int, str]]] = [
                   ("grpc.max_receive_message_length", 256 << 20),
                   # Reconnect soon after a server restart (gRPC's default waits a second).
                   ("grpc.initial_reconnect_backoff_ms", 100),
                   ("grpc.max_reconnect_backoff_ms", 2000)]
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        if ca_certificate is not None:
            credentials = grpc.ssl_channel_credentials(ca_certificate, client_key,
                                                       client_certificate)
            self.channel = grpc.secure_channel(target, credentials, options)
        else:
            self.channel = grpc.insecure_channel(target, options)
        self.ledger = ledger_service_pb2_grpc.LedgerStub(self.channel)
        self.grants = grants_service_pb2_grpc.GrantsStub(self.channel)
        self.controls = controls_service_pb2_grpc.ControlsStub(self.channel)
        self.timeout = timeout
        self.retries = retries

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "LedgerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: Callable[..., Any], request: Any, *, retry: bool = False) -> Any:
        """One unary call; on UNAVAILABLE or DEADLINE_EXCEEDED the same request again, when it
        is safe (`retry`), after 0.1, 0.2, 0.4 ... s."""
        for attempt in range(self.retries + 1):
            try:
                # A retry waits (within the deadline) for the channel to connect again, instead
                # of failing at once while gRPC backs off between reconnection attempts.
                return method(request, timeout=self.timeout, wait_for_ready=attempt > 0)
            except grpc.RpcError as error:
                refusal = from_rpc_error(error)
                if not (retry and refusal.retryable) or attempt == self.retries:
                    raise refusal from None
                time.sleep(0.1 * (2 ** attempt))
        raise AssertionError("unreachable")

    # ---- appends ----

    @staticmethod
    def _check_receipt(event: events_pb2.SignedEvent, receipt: Any) -> None:
        body = events_pb2.EventBody.FromString(event.body)
        leaf = encode_leaf(receipt.sequence, receipt.recorded_at_micros, body.signer_key_id,
                           event.body, event.signature)
        if leaf_hash(leaf) != receipt.leaf_hash:
            raise VerificationError(f"receipt of {receipt.event_id} at sequence "
                                    f"{receipt.sequence}: its leaf hash is not that of the bytes "
                                    "sent")

    @staticmethod
    def _signed(event: Event, key: Optional[SigningKey]) -> events_pb2.SignedEvent:
        if not isinstance(event, events_pb2.EventBody):
            return event  # signed already
        if key is None:
            raise TypeError("an EventBody needs a SigningKey to be signed with")
        return ev.sign(event, key)

    def append(self, event: Event, key: Optional[SigningKey] = None
               ) -> ledger_service_pb2.AppendResponse:
        """Signs (a body, with `key`) and appends one event; its receipt checked. A retry after
        UNAVAILABLE or DEADLINE_EXCEEDED resends the same bytes: the original receipt comes
        back (`duplicate` set). Refusals raise their LedgerError subclass."""
        signed = self._signed(event, key)
        response = self._call(self.ledger.Append,
                              ledger_service_pb2.AppendRequest(event=signed), retry=True)
        self._check_receipt(signed, response.receipt)
        return response

    def append_batch(self, events: Sequence[Event], key: Optional[SigningKey] = None
                     ) -> List[ledger_service_pb2.AppendResponse]:
        """All of them in one group commit, or none; a refusal names `event_index`."""
        signed = [self._signed(e, key) for e in events]
        response = self._call(self.ledger.AppendBatch,
                              ledger_service_pb2.AppendBatchRequest(events=signed), retry=True)
        if len(response.results) != len(signed):
            raise VerificationError(f"{len(signed)} events sent, {len(response.results)} "
                                    "receipts back")
        for event, result in zip(signed, response.results):
            self._check_receipt(event, result.receipt)
        return list(response.results)

    # ---- checkpoints and proofs ----

    def checkpoint(self, verifier_key: VerifierKey, store: TrustStore,
                   origin: Optional[str] = None) -> Checkpoint:
        """The server's current checkpoint, verified with the pinned key, and proved consistent
        with the latest one `store` keeps (then kept in its place). A rollback raises."""
        answer = self._call(self.ledger.GetCheckpoint, ledger_service_pb2.GetCheckpointRequest(),
                            retry=True)
        head = open_checkpoint(answer.note, verifier_key, origin)
        return self.accept_checkpoint(head, store)

    def accept_checkpoint(self, head: Checkpoint, store: TrustStore) -> Checkpoint:
        kept = store.latest(head.origin)
        if kept is not None:
            if head.tree_size < kept.tree_size:
                raise RollbackError(f"checkpoint: size {head.tree_size} is older than the "
                                    f"{kept.tree_size} kept")
            if head.tree_size == kept.tree_size and head.root_hash != kept.root_hash:
                raise RollbackError(f"checkpoint: size {head.tree_size} with another root than "
                                    "the one kept: the log forked")
            if head.tree_size > kept.tree_size:
                proof = self._call(self.ledger.GetConsistencyProof,
                                   ledger_service_pb2.GetConsistencyProofRequest(
                                       old_size=kept.tree_size, new_size=head.tree_size),
                                   retry=True)
                verify_consistency(kept.tree_size, head.tree_size, kept.root_hash,
                                   head.root_hash, list(proof.hashes))
        store.keep(head)
        return head

    def verify_inclusion(self, receipt: Any, checkpoint: Checkpoint) -> None:
        """The receipt's leaf is in the tree `checkpoint` (verified) commits to."""
        proof = self._call(self.ledger.GetInclusionProof,
                           ledger_service_pb2.GetInclusionProofRequest(
                               sequence=receipt.sequence, tree_size=checkpoint.tree_size),
                           retry=True)
        verify_inclusion(receipt.sequence, checkpoint.tree_size, receipt.leaf_hash,
                         list(proof.hashes), checkpoint.root_hash)

    # ---- reads ----

    def get_event(self, *, sequence: Optional[int] = None, event_id: str = ""
                  ) -> ledger_service_pb2.StoredEvent:
        request = (ledger_service_pb2.GetEventRequest(event_id=event_id) if event_id
                   else ledger_service_pb2.GetEventRequest(sequence=sequence))
        return self._call(self.ledger.GetEvent, request, retry=True)

    def stream_version(self, stream: str) -> int:
        """How many events `stream` holds now."""
        version = 0
        start = 0
        while True:
            page = self._call(self.ledger.ReadEvents, ledger_service_pb2.ReadEventsRequest(
                stream=stream, start=start, max_events=1000), retry=True)
            if page.events:
                version = page.events[-1].stream_version
            if page.end_of_log or not page.events:
                return version
            start = page.next_start

    def subscribe(self, start_sequence: int = 0, *, resume: bool = True,
                  timeout: Optional[float] = None) -> Iterator[ledger_service_pb2.StoredEvent]:
        """Every event from `start_sequence` on, stored then live. With `resume`, a dropped
        connection is followed by a new subscription from the sequence after the last one
        seen: nothing is missed and nothing comes twice. With `timeout` (seconds), the
        iteration ends, without an error, once that much time has passed."""
        next_sequence = start_sequence
        failures = 0
        ends = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if ends is None else ends - time.monotonic()
            if left is not None and left <= 0:
                return
            try:
                for event in self.ledger.Subscribe(
                        ledger_service_pb2.SubscribeRequest(start_sequence=next_sequence),
                        timeout=left):
                    next_sequence = event.sequence + 1
                    failures = 0
                    yield event
                return
            except grpc.RpcError as error:
                refusal = from_rpc_error(error)
                if (ends is not None and error.code() == grpc.StatusCode.DEADLINE_EXCEEDED
                        and time.monotonic() >= ends - 0.01):
                    return  # the caller's time is up, not a failure
                if not (resume and refusal.retryable) or failures >= self.retries:
                    raise refusal from None
                time.sleep(0.1 * (2 ** failures))
                failures += 1

    @staticmethod
    def _known_at(known_on: Optional[ev.Day], tree_size: Optional[int],
                  recorded_at: Union[datetime.datetime, int, None]) -> Any:
        """At most one point: a business date, the first `tree_size` events, or every event
        recorded at or before `recorded_at` (an aware datetime, or microseconds UTC)."""
        given = [p for p in (known_on, tree_size, recorded_at) if p is not None]
        if len(given) > 1:
            raise ValueError("known_on, tree_size and recorded_at: give one at most")
        if known_on is not None:
            return grants_service_pb2.KnownAt(business_date=ev.civil_date(known_on, "known_on"))
        if tree_size is not None:
            return grants_service_pb2.KnownAt(tree_size=tree_size)
        if isinstance(recorded_at, datetime.datetime):
            if recorded_at.tzinfo is None:
                raise ValueError("recorded_at: a datetime needs its time zone (UTC)")
            delta = recorded_at - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
            recorded_at = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        if recorded_at is not None:
            return grants_service_pb2.KnownAt(recorded_at_micros=recorded_at)
        return None

    def grant(self, municipality_code: str, spending_year: int, *,
              known_on: Optional[ev.Day] = None, tree_size: Optional[int] = None,
              recorded_at: Union[datetime.datetime, int, None] = None,
              trace_depth: int = 0) -> grants_service_pb2.GetGrantResponse:
        """A grant as known on a business date (`known_on`), as recorded in the first
        `tree_size` events or by `recorded_at`, or now; `trace_depth` 0 for the whole trace."""
        request = grants_service_pb2.GetGrantRequest(
            municipality_code=municipality_code, spending_year=spending_year,
            trace_depth=trace_depth, known_at=self._known_at(known_on, tree_size, recorded_at))
        return self._call(self.grants.GetGrant, request, retry=True)

    def balances(self, spending_year: int = 0, *, known_on: Optional[ev.Day] = None,
                 tree_size: Optional[int] = None,
                 recorded_at: Union[datetime.datetime, int, None] = None,
                 ) -> grants_service_pb2.ListBalancesResponse:
        """Every municipality's balance for `spending_year` (0: every year), by code then year."""
        request = grants_service_pb2.ListBalancesRequest(
            spending_year=spending_year,
            known_at=self._known_at(known_on, tree_size, recorded_at))
        return self._call(self.grants.ListBalances, request, retry=True)

    def signals(self, *, municipality_code: str = "", spending_year: int = 0, rule: str = "",
                min_severity: ev.Enum = 0, as_of: Optional[ev.Day] = None,
                known_on: Optional[ev.Day] = None, tree_size: Optional[int] = None,
                recorded_at: Union[datetime.datetime, int, None] = None,
                ) -> controls_service_pb2.ListSignalsResponse:
        """The control signals, filtered, each in its municipality-year case. Deadlines are
        judged on `as_of` (default: the business date of `known_on`, else today)."""
        request = controls_service_pb2.ListSignalsRequest(
            municipality_code=municipality_code, spending_year=spending_year, rule=rule,
            min_severity=(controls_service_pb2.Severity.Value(min_severity)
                          if isinstance(min_severity, str) else min_severity),
            known_at=self._known_at(known_on, tree_size, recorded_at))
        if as_of is not None:
            request.as_of.CopyFrom(ev.civil_date(as_of, "as_of"))
        return self._call(self.controls.ListSignals, request, retry=True)
