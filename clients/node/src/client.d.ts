import type { Checkpoint } from './proofs.js';
import type { Protos } from './proto.js';
import type { SigningKey, VerifierKey } from './keys.js';
import type { TrustStore } from './trust.js';
import type {
  AppendResponse, Day, EnumLike, EventBody, GetGrantResponse, Int64Like, ListBalancesResponse,
  ListSignalsResponse, ReadEventsResponse, SignedEvent, StoredEvent,
} from './messages.js';

export interface LedgerClientOptions {
  /** The CA the server's certificate must chain to; without it: plaintext. */
  caCertificate?: Buffer | string;
  /** This party's client certificate (ledgerctl tls client-cert), for mutual TLS. */
  clientCertificate?: Buffer | string;
  /** The ledger key the certificate holds (PKCS#8 PEM). */
  clientKey?: Buffer | string;
  /** The name to check the server's certificate for, when not the target's host. */
  serverName?: string;
  /** Deadline of each call (30 000 by default). */
  timeoutMs?: number;
  /** Retries on UNAVAILABLE / DEADLINE_EXCEEDED (5 by default). */
  retries?: number;
  protoDir?: string;
  /** More grpc-js channel options. */
  channelOptions?: Record<string, string | number>;
}

/** One of them at most; none: now. */
export interface KnownAtOptions {
  /** As known on this business day. */
  knownOn?: Day;
  /** As recorded in the first N events. */
  treeSize?: Int64Like;
  /** As recorded at or before this time: a Date, or microseconds since the epoch (UTC). */
  recordedAt?: Date | Int64Like;
}

export interface GrantOptions extends KnownAtOptions {
  /** Levels of children kept below each node; 0 (the default) keeps the whole trace. */
  traceDepth?: number;
  tracePath?: string;
  /** Valid-time scope inside the year, both days included. */
  scope?: [Day, Day];
}

export interface SignalsOptions extends KnownAtOptions {
  municipalityCode?: string;
  spendingYear?: number;
  rule?: string;
  minSeverity?: EnumLike;
  asOf?: Day;
}

export type ServiceName = 'Ledger' | 'Grants' | 'Controls';

export interface ReceiptLike { sequence: Int64Like; leafHash: Uint8Array }

export class LedgerClient {
  constructor(target: string, options?: LedgerClientOptions);
  readonly protos: Protos;
  timeoutMs: number;
  retries: number;
  close(): void;
  /** Any unary call, e.g. call('Controls', 'GetSisaFigures', {...}); retried when safe. */
  call<T = any>(service: ServiceName, method: string, request?: object, options?: { retry?: boolean }): Promise<T>;
  append(event: EventBody | SignedEvent, key?: SigningKey): Promise<AppendResponse>;
  appendBatch(events: Array<EventBody | SignedEvent>, key?: SigningKey): Promise<AppendResponse[]>;
  checkpoint(verifierKey: VerifierKey | VerifierKey[], store: TrustStore, options?: { origin?: string }): Promise<Checkpoint>;
  acceptCheckpoint(head: Checkpoint, store: TrustStore): Promise<Checkpoint>;
  verifyInclusion(receipt: ReceiptLike, checkpoint: Checkpoint): Promise<void>;
  getEvent(selector: { sequence?: Int64Like; eventId?: string }): Promise<StoredEvent>;
  readEvents(options?: { start?: Int64Like; maxEvents?: number; stream?: string }): Promise<ReadEventsResponse>;
  streamVersion(stream: string): Promise<bigint>;
  subscribe(startSequence?: Int64Like, options?: { resume?: boolean; signal?: AbortSignal }): AsyncGenerator<StoredEvent, void, undefined>;
  static knownAt(options?: KnownAtOptions): object | null;
  grant(municipalityCode: string, spendingYear: number, options?: GrantOptions): Promise<GetGrantResponse>;
  balances(spendingYear?: number, options?: KnownAtOptions): Promise<ListBalancesResponse>;
  signals(options?: SignalsOptions): Promise<ListSignalsResponse>;
}
