"""Building events: one helper per payload, the derivable fields filled in, signed once.

Every helper returns an EventBody with its payload set and nothing else; `sign` fills what
follows from the payload and the key (the stream, the signer's key id; an event id and the
client time when the caller gave no event id), serializes the body once and signs exactly
those bytes. With an event id of the caller's, the bytes depend on the input alone, so a
retry signs the same bytes and the ledger answers with the original receipt.
"""
from __future__ import annotations

import datetime
import os
import time
from typing import Any, List, Optional, Tuple, Union

from booo.v1 import events_pb2, grants_service_pb2, types_pb2

from .keys import SigningKey

Day = Union[datetime.date, str]  # a date, or "YYYY-MM-DD"
Enum = Union[int, str]           # the enum's number, or its name ("ACCOMMODATION_TYPE_HOTEL")

# Payloads that live in a municipality's stream; the others name their stream below.
_STREAMS = {"genesis": "keys", "key_registered": "keys", "key_revoked": "keys",
            "checkpoint_key_rotated": "keys", "rule_amended": "rules", "budget_line_set": "budget"}


def civil_date(day: Day, field: str = "date") -> types_pb2.CivilDate:
    """A day of the calendar; a string that is none ("2024-02-30") is a ValueError naming
    `field`, before anything is sent."""
    if isinstance(day, str):
        try:
            day = datetime.date.fromisoformat(day)
        except ValueError:
            raise ValueError(f"{field}: {day} is not a day of the calendar (YYYY-MM-DD)") from None
    return types_pb2.CivilDate(year=day.year, month=day.month, day=day.day)


def date_range(first: Day, last: Day) -> types_pb2.DateRange:
    """Both days included."""
    return types_pb2.DateRange(first_day=civil_date(first, "period.first_day"),
                               last_day=civil_date(last, "period.last_day"))


def _enum(enum_type: Any, value: Enum) -> int:
    return enum_type.Value(value) if isinstance(value, str) else int(value)


def stream_for(body: events_pb2.EventBody) -> str:
    payload = body.WhichOneof("payload")
    if payload is None:
        raise ValueError("the event has no payload")
    if payload in _STREAMS:
        return _STREAMS[payload]
    return "municipality/" + getattr(body, payload).municipality_code


def sign(body: events_pb2.EventBody, key: SigningKey) -> events_pb2.SignedEvent:
    """Fills the derivable fields, serializes once and signs those bytes."""
    body = events_pb2.EventBody.FromString(body.SerializeToString())  # the caller's stays as it is
    if not body.event_id:
        body.event_id = "evt-" + os.urandom(12).hex()
        if body.client_time_micros == 0:
            body.client_time_micros = time.time_ns() // 1000
    if not body.signer_key_id:
        body.signer_key_id = key.key_id
    if not body.stream:
        body.stream = stream_for(body)
    data = body.SerializeToString()
    return events_pb2.SignedEvent(body=data, signature=key.sign(data))


def goo_places_declared(municipality_code: str, location_id: str, accommodation_type: Enum,
                        period: Tuple[Day, Day], places: int, received_date: Day, *,
                        event_id: str = "") -> events_pb2.EventBody:
    """Realised places on each day of `period` (both days included) at one GOO location."""
    return events_pb2.EventBody(event_id=event_id, goo_places_declared=events_pb2.GooPlacesDeclared(
        municipality_code=municipality_code, location_id=location_id,
        accommodation_type=_enum(types_pb2.AccommodationType, accommodation_type),
        period=date_range(*period), places=places, received_date=civil_date(received_date, "received_date")))


def poo_person_months_declared(municipality_code: str, month: Tuple[int, int],
                               registered_persons: int, persons_with_provision: int,
                               received_date: Day, *, event_id: str = "") -> events_pb2.EventBody:
    """Registered persons in private reception in `month` (year, month)."""
    return events_pb2.EventBody(
        event_id=event_id, poo_person_months_declared=events_pb2.PooPersonMonthsDeclared(
            municipality_code=municipality_code,
            month=types_pb2.YearMonth(year=month[0], month=month[1]),
            registered_persons=registered_persons, persons_with_provision=persons_with_provision,
            received_date=civil_date(received_date, "received_date")))


def living_allowance_paid(municipality_code: str, reception_kind: Enum, component: Enum,
                          period: Tuple[Day, Day], amount_cents: int, received_date: Day, *,
                          event_id: str = "") -> events_pb2.EventBody:
    return events_pb2.EventBody(
        event_id=event_id, living_allowance_paid=events_pb2.LivingAllowancePaid(
            municipality_code=municipality_code,
            reception_kind=_enum(types_pb2.ReceptionKind, reception_kind),
            component=_enum(types_pb2.AllowanceComponent, component), period=date_range(*period),
            amount_cents=amount_cents, received_date=civil_date(received_date, "received_date")))


def advance_paid(municipality_code: str, spending_year: int, amount_cents: int,
                 payment_date: Day, payment_reference: str = "", *,
                 event_id: str = "") -> events_pb2.EventBody:
    """The ministry's payment of an advance (a ministry key signs it)."""
    return events_pb2.EventBody(event_id=event_id, advance_paid=events_pb2.AdvancePaid(
        municipality_code=municipality_code, spending_year=spending_year,
        amount_cents=amount_cents, payment_date=civil_date(payment_date, "payment_date"),
        payment_reference=payment_reference))


def voluntary_repayment_received(municipality_code: str, spending_year: int, amount_cents: int,
                                 received_date: Day, payment_reference: str = "", *,
                                 event_id: str = "") -> events_pb2.EventBody:
    return events_pb2.EventBody(
        event_id=event_id, voluntary_repayment_received=events_pb2.VoluntaryRepaymentReceived(
            municipality_code=municipality_code, spending_year=spending_year,
            amount_cents=amount_cents, received_date=civil_date(received_date, "received_date"),
            payment_reference=payment_reference))


def transition_cost_requested(municipality_code: str, location_id: str, description: str,
                              amount_cents: int, period: Tuple[Day, Day],
                              allocation_method: Enum, received_date: Day, *,
                              event_id: str = "") -> events_pb2.EventBody:
    return events_pb2.EventBody(
        event_id=event_id, transition_cost_requested=events_pb2.TransitionCostRequested(
            municipality_code=municipality_code, location_id=location_id,
            description=description, amount_cents=amount_cents, period=date_range(*period),
            allocation_method=_enum(types_pb2.AllocationMethod, allocation_method),
            received_date=civil_date(received_date, "received_date")))


def _summarize(node: Any, path: str, depth: int, out: List[Any]) -> None:
    out.append(events_pb2.TraceNodeDigest(path=path, amount_cents=node.amount_cents,
                                          digest=node.digest))
    if depth == 2:
        return
    for child in node.children:
        _summarize(child, f"{path}/{child.key}", depth + 1, out)


def determination_from_grant(answer: grants_service_pb2.GetGrantResponse, decision_date: Day,
                             decision_reference: str, *, event_id: str = "",
                             ) -> events_pb2.EventBody:
    """The ministry's determination of the grant a GetGrant answer computed (whole trace,
    or trace_depth 2 at least): its amount and trace digest, the trace's top three levels as
    the trace_summary, and the stream version the answer was computed at, so that the ledger
    refuses it (ABORTED) if the municipality's stream moved on meanwhile."""
    summary: List[Any] = []
    _summarize(answer.trace, answer.trace.key, 0, summary)
    body = events_pb2.EventBody(event_id=event_id, grant_determined=events_pb2.GrantDetermined(
        municipality_code=answer.municipality_code, spending_year=answer.spending_year,
        amount_cents=answer.computed_grant_cents, trace_digest=answer.trace_digest,
        decision_date=civil_date(decision_date, "decision_date"), decision_reference=decision_reference,
        trace_summary=summary))
    body.expected_stream_version = answer.stream_version
    return body
