"""The Python client against a real ledgerd: every helper's happy path, each refusal as its
typed error, a retry after the server dropped, a rollback refused, receipts and proofs."""
from __future__ import annotations

import threading
import time

import pytest

import booo_ledger as bl
from booo_ledger import events as ev
from booo.v1 import events_pb2


def keys(server):
    return (bl.load_signing_key(server.work / "ams.key"),
            bl.load_signing_key(server.work / "ministry.key"),
            bl.load_verifier_key(server.data / "checkpoint.vkey"))


def test_keys_in_keygen_formats(server):
    ams, _, vkey = keys(server)
    assert ams.public_key == bl.load_public_key(server.work / "ams.pub")
    assert ams.key_id.startswith("ed25519:") and len(ams.key_id) == 24
    assert vkey.name == "test"


def test_a_month_as_one_batch_verified_against_a_kept_checkpoint(server, client, tmp_path):
    ams, _, vkey = keys(server)
    store = bl.TrustStore(tmp_path / "trust")
    kept = client.checkpoint(vkey, store, origin="test/python")
    days = [ev.goo_places_declared("GM0363", "AMS-PY-1", "ACCOMMODATION_TYPE_HOTEL",
                                   (f"2023-03-{d:02d}", f"2023-03-{d:02d}"), 40 + d,
                                   "2023-04-05", event_id=f"py-goo-2023-03-{d:02d}")
            for d in range(1, 32)]
    results = client.append_batch(days, ams)
    assert [r.receipt.event_id for r in results] == [d.event_id for d in days]
    assert all(not r.duplicate for r in results)
    assert [r.receipt.stream for r in results] == ["municipality/GM0363"] * 31
    head = client.checkpoint(vkey, store, origin="test/python")  # consistent with `kept`
    assert head.tree_size >= kept.tree_size + 31
    for r in results:
        client.verify_inclusion(r.receipt, head)
    # The same batch again: the original receipts.
    again = client.append_batch(days, ams)
    assert all(r.duplicate for r in again)
    assert [r.receipt.sequence for r in again] == [r.receipt.sequence for r in results]


def test_helpers_append_and_the_grant_reads_them(server, client):
    ams, ministry, _ = keys(server)
    client.append(ev.poo_person_months_declared("GM0363", (2023, 5), 200, 190, "2023-06-10"), ams)
    client.append(ev.living_allowance_paid("GM0363", "RECEPTION_KIND_POO",
                                           "ALLOWANCE_COMPONENT_LIVING_ALLOWANCE",
                                           ("2023-05-01", "2023-05-31"), 1_234_56, "2023-06-10"),
                  ams)
    client.append(ev.transition_cost_requested("GM0363", "AMS-PY-1", "fit-out", 10_000_00,
                                               ("2023-03-01", "2023-12-31"),
                                               "ALLOCATION_METHOD_LUMP_SUM", "2023-02-01"), ams)
    client.append(ev.advance_paid("GM0363", 2023, 500_000_00, "2023-02-01", "PY-1"), ministry)
    client.append(ev.voluntary_repayment_received("GM0363", 2023, 1_000_00, "2023-07-01"), ams)
    grant = client.grant("GM0363", 2023, trace_depth=2)
    assert grant.advances_cents == 500_000_00 and grant.repayments_cents == 1_000_00
    assert grant.computed_grant_cents > 0
    before = client.grant("GM0363", 2023, known_on="2023-01-31", trace_depth=1)
    assert before.advances_cents == 0
    rows = client.balances(2023).rows
    assert any(r.municipality_code == "GM0363" for r in rows)


def test_a_determination_from_a_grant_answer(server, client):
    _, ministry, _ = keys(server)
    answer = client.grant("GM0363", 2023)
    body = ev.determination_from_grant(answer, "2024-06-01", "PY/DET/1",
                                       event_id="py-det-2023")
    receipt = client.append(body, ministry).receipt
    determined = client.grant("GM0363", 2023, trace_depth=1)
    assert determined.determination.event_id == "py-det-2023"
    assert receipt.event_id == "py-det-2023"


def test_refusals_are_typed_with_their_field(server, client):
    ams, ministry, _ = keys(server)
    utr = bl.load_signing_key(server.work / "utr.key")
    with pytest.raises(bl.InvalidArgument) as bad:
        client.append(ev.goo_places_declared("GM0363", "L", "ACCOMMODATION_TYPE_HOTEL",
                                             ("2023-03-02", "2023-03-01"), 5, "2023-04-01"), ams)
    assert bad.value.field.startswith("goo_places_declared.period")
    with pytest.raises(bl.PermissionDenied) as other:
        client.append(ev.goo_places_declared("GM0363", "L", "ACCOMMODATION_TYPE_HOTEL",
                                             ("2023-03-01", "2023-03-01"), 5, "2023-04-01"), utr)
    assert other.value.field == "goo_places_declared.municipality_code"
    with pytest.raises(bl.PermissionDenied):  # a municipality may not pay itself an advance
        client.append(ev.advance_paid("GM0363", 2023, 1, "2023-02-01"), ams)
    client.append(ev.advance_paid("GM0344", 2023, 100, "2023-02-01", event_id="py-dup"), ministry)
    with pytest.raises(bl.AlreadyExists) as exists:
        client.append(ev.advance_paid("GM0344", 2023, 200, "2023-02-01", event_id="py-dup"),
                      ministry)
    assert exists.value.field == "event_id"
    utr_stream = client.stream_version("municipality/GM0344")
    stale = ev.voluntary_repayment_received("GM0344", 2023, 5, "2023-07-01")
    stale.expected_stream_version = utr_stream + 3  # a version the stream has not reached
    with pytest.raises(bl.Aborted) as aborted:
        client.append(stale, utr)
    assert aborted.value.current_version == utr_stream
    signed = ev.sign(ev.voluntary_repayment_received("GM0344", 2023, 5, "2023-07-01"), utr)
    signed.signature = bytes(64)
    with pytest.raises(bl.Unauthenticated):
        client.append(signed)
    stranger = bl.load_signing_key(server.work / "ams.key")
    body = ev.voluntary_repayment_received("GM0363", 2023, 5, "2023-07-01")
    body.signer_key_id = "ed25519:0000000000000000"
    with pytest.raises(bl.NotFound):
        client.append(body, stranger)
    with pytest.raises(bl.OutOfRange):
        client.append(ev.advance_paid("GM0344", 2023, 10**17, "2023-02-01"), ministry)
    with pytest.raises(bl.FailedPrecondition):  # a second genesis
        client.append(events_pb2.EventBody(genesis=events_pb2.LedgerGenesis(
            origin="x", ministry_root_public_key=ministry.public_key,
            checkpoint_public_key=ministry.public_key, checkpoint_key_name="x")), ministry)


def test_a_retry_after_a_dropped_connection_gets_the_original_receipt(server, client):
    ams, _, _ = keys(server)
    signed = ev.sign(ev.goo_places_declared("GM0363", "AMS-PY-R", "ACCOMMODATION_TYPE_SHIP",
                                            ("2023-05-01", "2023-05-31"), 12, "2023-06-01",
                                            event_id="py-retry-1"), ams)
    port = server.port
    server.kill()
    restarter = threading.Timer(0.5, lambda: server.start(port))
    restarter.start()
    first = client.append(signed)  # UNAVAILABLE until ledgerd is back, then appended
    restarter.join()
    again = client.append(signed)
    assert again.duplicate and again.receipt == first.receipt


def test_a_rollback_of_a_pinned_checkpoint_is_refused(server, client, tmp_path):
    ams, _, vkey = keys(server)
    store = bl.TrustStore(tmp_path / "trust")
    older = client.checkpoint(vkey, store)
    client.append(ev.poo_person_months_declared("GM0363", (2023, 8), 10, 10, "2023-09-01"), ams)
    newer = client.checkpoint(vkey, store)
    assert newer.tree_size > older.tree_size
    assert store.latest("test/python").tree_size == newer.tree_size
    with pytest.raises(bl.RollbackError):
        client.accept_checkpoint(older, store)
    assert store.latest("test/python").tree_size == newer.tree_size
    # A note whose text was changed after signing does not open.
    with pytest.raises(bl.VerificationError):
        bl.open_checkpoint(newer.note.replace(str(newer.tree_size), str(newer.tree_size + 1), 1),
                           vkey)


def test_subscribe_resumes_after_the_last_sequence_seen(server, client):
    ams, _, _ = keys(server)
    start = client.get_event(event_id="py-retry-1").sequence
    seen = []
    for event in client.subscribe(start):
        seen.append(event.sequence)
        if len(seen) == 2:
            break
    assert seen == [start, start + 1]


def test_reads_as_recorded_and_signals(server, client):
    import datetime
    ams, _, _ = keys(server)
    before = client.get_event(event_id="py-retry-1")
    at = (datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
          + datetime.timedelta(microseconds=before.recorded_at_micros))
    by_time = client.grant("GM0363", 2023, recorded_at=before.recorded_at_micros, trace_depth=1)
    by_size = client.grant("GM0363", 2023, tree_size=before.sequence + 1, trace_depth=1)
    assert by_time.tree_size == by_size.tree_size == before.sequence + 1
    assert client.grant("GM0363", 2023, recorded_at=at, trace_depth=1).tree_size == by_size.tree_size
    with pytest.raises(ValueError):
        client.grant("GM0363", 2023, known_on="2023-01-01", tree_size=3)
    signals = client.signals(spending_year=2023, known_on="2024-12-31")
    assert all(s.spending_year == 2023 for s in signals.signals)
    assert {c.case_id for c in signals.cases} == {s.case_id for s in signals.signals}
    everything = client.signals(min_severity="SEVERITY_INFO")
    assert len(everything.signals) >= len(signals.signals)


def test_a_batch_is_refused_whole_and_too_large_a_batch_is_resource_exhausted(server, client):
    ams, _, _ = keys(server)

    def goo(first, last, event_id=""):
        return ev.goo_places_declared("GM0363", "AMS-PY-B", "ACCOMMODATION_TYPE_HOTEL",
                                      (first, last), 7, "2023-07-01", event_id=event_id)
    with pytest.raises(bl.InvalidArgument) as bad:
        client.append_batch([goo("2023-06-01", "2023-06-01", "py-batch-never"),
                             goo("2023-06-02", "2023-06-01")], ams)
    assert bad.value.event_index == 1
    assert bad.value.field.startswith("goo_places_declared.period")
    with pytest.raises(bl.NotFound):  # nothing of the refused batch was written
        client.get_event(event_id="py-batch-never")
    with pytest.raises(bl.ResourceExhausted):
        client.append_batch([goo("2023-06-01", "2023-06-01") for _ in range(257)], ams)


def test_no_server_is_unavailable_and_a_missed_deadline_is_retryable(server):
    import socket
    with socket.socket() as probe:  # a port nobody listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with bl.LedgerClient(f"127.0.0.1:{port}", timeout=0.5, retries=1) as nowhere:
        with pytest.raises(bl.Unavailable) as unavailable:
            nowhere.grant("GM0363", 2023)
    assert unavailable.value.retryable
    with bl.LedgerClient(server.address, timeout=0.000_001, retries=0) as hasty:
        with pytest.raises(bl.Unavailable) as late:
            hasty.grant("GM0363", 2023)
    assert late.value.code.name == "DEADLINE_EXCEEDED" and late.value.retryable


def test_every_code_maps_to_its_typed_error():
    import grpc
    from booo_ledger.errors import from_rpc_error

    class Refusal(grpc.RpcError):
        def __init__(self, code, details):
            self._code, self._details = code, details

        def code(self):
            return self._code

        def details(self):
            return self._details

    expected = {"INVALID_ARGUMENT": bl.InvalidArgument, "NOT_FOUND": bl.NotFound,
                "ALREADY_EXISTS": bl.AlreadyExists, "PERMISSION_DENIED": bl.PermissionDenied,
                "UNAUTHENTICATED": bl.Unauthenticated, "ABORTED": bl.Aborted,
                "OUT_OF_RANGE": bl.OutOfRange, "FAILED_PRECONDITION": bl.FailedPrecondition,
                "RESOURCE_EXHAUSTED": bl.ResourceExhausted, "UNAVAILABLE": bl.Unavailable,
                "DEADLINE_EXCEEDED": bl.Unavailable, "DATA_LOSS": bl.DataLoss}
    for name, kind in expected.items():
        error = from_rpc_error(Refusal(getattr(grpc.StatusCode, name),
                                       "events[4]: advance_paid.amount_cents: too large"))
        assert type(error) is kind, name
        assert (error.event_index, error.field, error.reason) == (
            4, "advance_paid.amount_cents", "too large")
    aborted = from_rpc_error(Refusal(grpc.StatusCode.ABORTED,
                                     "expected_stream_version: stream municipality/GM0344 is at "
                                     "version 7, not 9"))
    assert aborted.current_version == 7


def test_a_day_that_is_none_is_refused_naming_its_field_before_anything_is_sent():
    with pytest.raises(ValueError, match=r"^received_date: 2024-02-30 is not a day of the calendar"):
        ev.goo_places_declared("GM0363", "L", "ACCOMMODATION_TYPE_HOTEL",
                               ("2024-02-29", "2024-02-29"), 1, "2024-02-30")
    with pytest.raises(ValueError, match=r"^period.last_day: 2023-02-29"):
        ev.goo_places_declared("GM0363", "L", "ACCOMMODATION_TYPE_HOTEL",
                               ("2023-02-01", "2023-02-29"), 1, "2023-03-01")


def test_a_checkpoint_under_another_key_of_the_same_name_names_both_hashes(server, client, tmp_path):
    import base64
    import hashlib
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    _, _, vkey = keys(server)
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    other_hash = hashlib.sha256(vkey.name.encode() + b"\n\x01" + raw).digest()[:4]
    key_b64 = base64.b64encode(b"\x01" + raw).decode()
    other = bl.parse_verifier_key(f"{vkey.name}+{other_hash.hex()}+{key_b64}")
    with pytest.raises(bl.VerificationError) as wrong:
        client.checkpoint(other, bl.TrustStore(tmp_path / "t"))
    assert str(wrong.value) == (f"checkpoint: no valid signature by test+{other_hash.hex()} "
                                f"(signed by test+{vkey.key_hash.hex()})")
