// The shapes of what the library returns (decoded answers) and takes (inputs). Answers follow
// fixed conventions: camelCase keys; every field present (its default when not on the wire)
// except unset oneof members and proto3 `optional` fields (undefined); an absent sub-message
// is null; int64/uint64 are bigint; enums are their names; bytes are Buffers.

/** An int64/uint64 as input: a safe-integer number, a bigint or a decimal string. */
export type Int64Like = number | bigint | string;
/** An enum as input: its name ("ACCOMMODATION_TYPE_HOTEL") or number. */
export type EnumLike = string | number;

export interface CivilDate { year: number; month: number; day: number }
export interface YearMonth { year: number; month: number }
export interface DateRange { firstDay: CivilDate | null; lastDay: CivilDate | null }

/** A day as input: "YYYY-MM-DD" or {year, month, day} (no Date: its day depends on the zone). */
export type Day = string | CivilDate;
/** A period as input: [first, last], both days included. */
export type Period = [Day, Day] | { firstDay: Day; lastDay: Day };
/** A month as input: [year, month], "YYYY-MM" or {year, month}. */
export type Month = [number, number] | string | YearMonth;

/** An EventBody as input (camelCase or snake_case keys); exactly one payload. */
export interface EventBody {
  eventId?: string;
  stream?: string;
  expectedStreamVersion?: Int64Like;
  signerKeyId?: string;
  clientTimeMicros?: Int64Like;
  supersedesEventId?: string;
  [payload: string]: unknown;
}

/** An EventBody as decoded from its bytes. */
export interface DecodedEventBody {
  eventId: string;
  stream: string;
  expectedStreamVersion?: bigint;
  signerKeyId: string;
  clientTimeMicros: bigint;
  supersedesEventId: string;
  [payload: string]: unknown;
}

/** What travels on the wire and what the ledger keeps: the body exactly as signed. */
export interface SignedEvent { body: Buffer; signature: Buffer }

export interface Receipt {
  sequence: bigint;
  recordedAtMicros: bigint;
  leafHash: Buffer;
  stream: string;
  streamVersion: bigint;
  eventId: string;
}

export interface AppendResponse { receipt: Receipt; duplicate: boolean }

export interface StoredEvent {
  sequence: bigint;
  recordedAtMicros: bigint;
  keyId: string;
  body: Buffer;
  signature: Buffer;
  leafHash: Buffer;
  stream: string;
  streamVersion: bigint;
  eventId: string;
  supersededBySequence?: bigint;
}

export interface ReadEventsResponse { events: StoredEvent[]; nextStart: bigint; endOfLog: boolean }

export interface KnownAt {
  treeSize?: bigint;
  recordedAtMicros?: bigint;
  businessDate?: CivilDate | null;
}

export interface TraceSource { sequence: bigint; leafHash: Buffer; eventId: string; kind: string }

export interface RuleOrigin {
  days: DateRange | null;
  amendmentSequence: bigint;
  amendmentLeafHash: Buffer;
  citation: string;
  citationUrl: string;
  publicationDate: CivilDate | null;
  source: string;
}

export interface TraceRuleValue {
  parameter: string;
  value: string;
  valid: DateRange | null;
  amendmentSequence: bigint;
  amendmentLeafHash: Buffer;
  citation: string;
  citationUrl: string;
  source: string;
  setBy: RuleOrigin[];
}

export interface TraceNode {
  key: string;
  label: string;
  amountCents: bigint;
  formula: string;
  rules: TraceRuleValue[];
  sources: TraceSource[];
  notes: string[];
  children: TraceNode[];
  digest: Buffer;
  omittedChildren: number;
}

export interface Determination {
  sequence: bigint;
  eventId: string;
  amountCents: bigint;
  traceDigest: Buffer;
  decisionDate: CivilDate | null;
  decisionReference: string;
}

export type BalanceDirection = 'BALANCE_DIRECTION_UNSPECIFIED' | 'BALANCE_DIRECTION_SETTLED' |
  'BALANCE_DIRECTION_TO_PAY' | 'BALANCE_DIRECTION_TO_RECLAIM';

export interface GetGrantResponse {
  municipalityCode: string;
  spendingYear: number;
  scope: DateRange | null;
  treeSize: bigint;
  knownAt: KnownAt | null;
  computedGrantCents: bigint;
  determination: Determination | null;
  grantCents: bigint;
  advancesCents: bigint;
  repaymentsCents: bigint;
  netPaidCents: bigint;
  balanceCents: bigint;
  direction: BalanceDirection;
  vatFundContributionCents: bigint;
  trace: TraceNode | null;
  settlement: TraceNode | null;
  vatFund: TraceNode | null;
  traceDigest: Buffer;
  flags: string[];
  streamVersion: bigint;
}

export interface BalanceRow {
  municipalityCode: string;
  spendingYear: number;
  computedGrantCents: bigint;
  determined: boolean;
  determinedGrantCents: bigint;
  determinationSequence: bigint;
  advancesCents: bigint;
  repaymentsCents: bigint;
  balanceCents: bigint;
  direction: BalanceDirection;
  vatFundContributionCents: bigint;
  flags: number;
}

export interface BalanceTotals {
  computedGrantCents: bigint;
  grantCents: bigint;
  advancesCents: bigint;
  repaymentsCents: bigint;
  toPayCents: bigint;
  toReclaimCents: bigint;
  vatFundContributionCents: bigint;
  municipalities: number;
  determined: number;
}

export interface ListBalancesResponse { treeSize: bigint; rows: BalanceRow[]; totals: BalanceTotals | null }

export type Severity = 'SEVERITY_UNSPECIFIED' | 'SEVERITY_INFO' | 'SEVERITY_WARNING' | 'SEVERITY_HIGH';

export interface SignalFigure { name: string; value: bigint; unit: string; text: string }

export interface Signal {
  rule: string;
  severity: Severity;
  municipalityCode: string;
  spendingYear: number;
  period: DateRange | null;
  message: string;
  figures: SignalFigure[];
  sources: TraceSource[];
  rules: TraceRuleValue[];
  caseId: string;
}

export interface SignalCase {
  caseId: string;
  municipalityCode: string;
  spendingYear: number;
  severity: Severity;
  rules: string[];
  signalCount: number;
  summary: string;
}

export interface ListSignalsResponse {
  treeSize: bigint;
  asOf: CivilDate | null;
  signals: Signal[];
  cases: SignalCase[];
}
