// LedgerClient: a municipal system's, the ministry's or an auditor's connection to ledgerd.
//
// One gRPC channel for the Ledger, Grants and Controls services. Every request is encoded
// once, by this library (see proto.js for why not by grpc-js), so a retry sends the very same
// bytes. Every answer is decoded to a plain object: camelCase keys, int64/uint64 as bigint,
// enums by name, bytes as Buffer, an absent sub-message null.
import grpc from '@grpc/grpc-js';
import { decodeEventBody, sign } from './events.js';
import { RollbackError, VerificationError, fromGrpcError } from './errors.js';
import { civilDate, loadProtos, toPlain } from './proto.js';
import { encodeLeaf, leafHash, openCheckpoint, verifyConsistency, verifyInclusion } from './proofs.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const SERVICES = ['Ledger', 'Grants', 'Controls'];

// A grpc-js client constructor whose methods take bytes this library encoded and give back
// plain objects.
function serviceConstructor(protos, name) {
  const service = protos.service(name);
  const definition = {};
  for (const method of service.methodsArray) {
    const response = method.resolvedResponseType;
    definition[method.name] = {
      path: `/${service.fullName.slice(1)}/${method.name}`,
      requestStream: Boolean(method.requestStream),
      responseStream: Boolean(method.responseStream),
      requestSerialize: (bytes) => bytes,
      requestDeserialize: (bytes) => bytes,
      responseSerialize: (bytes) => bytes,
      responseDeserialize: (bytes) => toPlain(response, response.decode(bytes)),
    };
  }
  return grpc.makeGenericClientConstructor(definition, name);
}

function isSignedEvent(event) {
  return event && event.body instanceof Uint8Array && event.signature instanceof Uint8Array;
}

function bytesOf(value) {
  return value == null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value);
}

export class LedgerClient {
  /**
   * @param target "host:port"
   * Plaintext (a server started with --plaintext-for-development) unless `caCertificate` is
   * given; with `clientCertificate` and `clientKey` (the ledger key, PKCS#8 PEM) it speaks
   * mutual TLS as a registered party. `serverName` checks the server's certificate for that
   * name instead of the target's host.
   */
  constructor(target, { caCertificate, clientCertificate, clientKey, serverName, timeoutMs = 30_000,
                        retries = 5, protoDir, channelOptions = {} } = {}) {
    this.protos = loadProtos(protoDir);
    this.timeoutMs = timeoutMs;
    this.retries = retries;
    const options = {
      'grpc.max_receive_message_length': 256 << 20,  // a whole-year trace runs to megabytes
      // Reconnect soon after a server restart (gRPC's default waits a second, then longer).
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
      ...channelOptions,
    };
    if (serverName) options['grpc.ssl_target_name_override'] = serverName;
    const credentials = caCertificate != null
      ? grpc.credentials.createSsl(bytesOf(caCertificate), bytesOf(clientKey), bytesOf(clientCertificate))
      : grpc.credentials.createInsecure();
    this._stubs = {};
    for (const name of SERVICES) {
      const Constructor = serviceConstructor(this.protos, name);
      this._stubs[name] = this._channel
        ? new Constructor(target, credentials, { channelOverride: this._channel })
        : new Constructor(target, credentials, options);
      this._channel ??= this._stubs[name].getChannel();
    }
  }

  close() {
    this._channel.close();
  }

  _encode(service, method, request) {
    const rpc = this.protos.service(service).methods[method];
    if (!rpc) throw new TypeError(`booo.v1.${service} has no method ${method}`);
    return this.protos.encode(rpc.resolvedRequestType, request ?? {});
  }

  /**
   * Any unary call ("Controls", "GetSisaFigures", {...}), its answer decoded. With `retry`
   * (the default: every read is safe to repeat, and an append resends the same signed bytes),
   * UNAVAILABLE and DEADLINE_EXCEEDED are retried `retries` times after 0.1, 0.2, 0.4 ... s.
   * Refusals reject with their LedgerError subclass.
   */
  async call(service, method, request, { retry = true } = {}) {
    const bytes = this._encode(service, method, request);  // once: a retry sends the same bytes
    const stub = this._stubs[service];
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise((resolve, reject) => {
          // A retry waits (within the deadline) for the channel to connect again, instead of
          // failing at once while gRPC backs off between reconnection attempts.
          const metadata = new grpc.Metadata({ waitForReady: attempt > 0 });
          stub[method](bytes, metadata, { deadline: Date.now() + this.timeoutMs },
                       (error, answer) => (error ? reject(error) : resolve(answer)));
        });
      } catch (error) {
        const refusal = fromGrpcError(error);
        if (!(retry && refusal.retryable) || attempt >= this.retries) throw refusal;
        await sleep(100 * 2 ** attempt);
      }
    }
  }

  // ---- appends ----

  _signed(event, key) {
    if (isSignedEvent(event)) return event;
    if (!key) throw new TypeError('an EventBody needs a SigningKey to be signed with');
    return sign(event, key, { protos: this.protos });
  }

  /** The receipt's leaf hash must be that of the bytes sent, at the sequence and time the
   *  ledger recorded: otherwise the ledger stored something else than what was signed. */
  _checkReceipt(event, receipt) {
    if (!receipt) throw new VerificationError('an append answered without a receipt');
    const body = decodeEventBody(event.body, { protos: this.protos });
    const leaf = encodeLeaf(receipt.sequence, receipt.recordedAtMicros, body.signerKeyId, event.body, event.signature);
    if (!leafHash(leaf).equals(receipt.leafHash)) {
      throw new VerificationError(`receipt of ${receipt.eventId} at sequence ${receipt.sequence}: ` +
                                  'its leaf hash is not that of the bytes sent');
    }
  }

  /**
   * Signs (a body, with `key`) and appends one event; its receipt checked. A retry after
   * UNAVAILABLE or DEADLINE_EXCEEDED resends the same bytes: the original receipt comes back
   * (`duplicate` set). Resolves to {receipt, duplicate}.
   */
  async append(event, key) {
    const signed = this._signed(event, key);
    const response = await this.call('Ledger', 'Append', { event: signed });
    this._checkReceipt(signed, response.receipt);
    return response;
  }

  /** All of them in one group commit, or none; a refusal names `eventIndex`. Resolves to one
   *  {receipt, duplicate} per event, in order. */
  async appendBatch(events, key) {
    const signed = events.map((event) => this._signed(event, key));
    const response = await this.call('Ledger', 'AppendBatch', { events: signed });
    if (response.results.length !== signed.length) {
      throw new VerificationError(`${signed.length} events sent, ${response.results.length} receipts back`);
    }
    response.results.forEach((result, i) => this._checkReceipt(signed[i], result.receipt));
    return response.results;
  }

  // ---- checkpoints and proofs ----

  /**
   * The server's current checkpoint, verified with the pinned key(s) (and `origin`, when
   * given), and proved consistent with the latest one `store` keeps (then kept in its place).
   * A rollback rejects with RollbackError, a bad signature or proof with VerificationError.
   */
  async checkpoint(verifierKey, store, { origin } = {}) {
    if (!store || typeof store.latest !== 'function') {
      throw new TypeError('checkpoint: a TrustStore is needed, to keep the latest verified ' +
                          'checkpoint and refuse a rollback (new TrustStore(directory))');
    }
    const answer = await this.call('Ledger', 'GetCheckpoint', {});
    const head = openCheckpoint(answer.note, verifierKey, origin);
    return this.acceptCheckpoint(head, store);
  }

  /** A verified checkpoint (openCheckpoint) checked against the one `store` keeps: older, or
   *  the same size with another root, is a rollback; newer needs a consistency proof. */
  async acceptCheckpoint(head, store) {
    const kept = store.latest(head.origin);
    if (kept) {
      if (head.treeSize < kept.treeSize) {
        throw new RollbackError(`checkpoint: size ${head.treeSize} is older than the ${kept.treeSize} kept`);
      }
      if (head.treeSize === kept.treeSize && !head.rootHash.equals(kept.rootHash)) {
        throw new RollbackError(`checkpoint: size ${head.treeSize} with another root than the one kept: the log forked`);
      }
      if (head.treeSize > kept.treeSize) {
        const proof = await this.call('Ledger', 'GetConsistencyProof', { oldSize: kept.treeSize, newSize: head.treeSize });
        verifyConsistency(kept.treeSize, head.treeSize, kept.rootHash, head.rootHash, proof.hashes);
      }
    }
    store.keep(head);
    return head;
  }

  /** The receipt's (or StoredEvent's) leaf is in the tree `checkpoint` (verified) commits to. */
  async verifyInclusion(receipt, checkpoint) {
    const proof = await this.call('Ledger', 'GetInclusionProof', { sequence: receipt.sequence, treeSize: checkpoint.treeSize });
    verifyInclusion(receipt.sequence, checkpoint.treeSize, receipt.leafHash, proof.hashes, checkpoint.rootHash);
  }

  // ---- reads ----

  /** One event, by `sequence` or `eventId`. */
  getEvent({ sequence, eventId } = {}) {
    return this.call('Ledger', 'GetEvent', eventId ? { eventId } : { sequence: sequence ?? 0 });
  }

  /** A page of events: by ledger sequence, or with `stream` by stream version. */
  readEvents({ start = 0, maxEvents = 100, stream = '' } = {}) {
    return this.call('Ledger', 'ReadEvents', { start, maxEvents, stream });
  }

  /** How many events `stream` holds now (a bigint). */
  async streamVersion(stream) {
    let version = 0n;
    let start = 0n;
    for (;;) {
      const page = await this.readEvents({ stream, start, maxEvents: 1000 });
      if (page.events.length) version = page.events[page.events.length - 1].streamVersion;
      if (page.endOfLog || !page.events.length) return version;
      start = page.nextStart;
    }
  }

  /**
   * Every event from `startSequence` on, stored then live, as an async iterator (break out of
   * the `for await` to stop: the call is cancelled). With `resume`, a dropped connection is
   * followed by a new subscription from the sequence after the last one seen: nothing is
   * missed and nothing comes twice. It waits up to `timeoutMs` each time for the server to be
   * back, and gives up (Unavailable) after `retries` failures in a row. With `signal` (an AbortSignal, e.g. AbortSignal.timeout(ms))
   * the iteration ends, without an error, once it is aborted.
   */
  async *subscribe(startSequence = 0n, { resume = true, signal } = {}) {
    let next = BigInt(startSequence);
    let failures = 0;
    while (!signal?.aborted) {
      let call = null;
      const abort = () => call?.cancel();
      signal?.addEventListener('abort', abort);
      try {
        // After a drop, wait (up to timeoutMs, or until aborted) for the channel to connect
        // again: a restarting server is back within that, and a gone one counts as a failure.
        if (failures > 0) await this._ready(signal);
        if (signal?.aborted) return;
        const bytes = this._encode('Ledger', 'Subscribe', { startSequence: next });
        call = this._stubs.Ledger.Subscribe(bytes);
        call.on('error', () => {});  // reported through the iterator; a cancel must not throw
        for await (const event of call) {
          next = event.sequence + 1n;
          failures = 0;
          yield event;
        }
        return;
      } catch (error) {
        if (signal?.aborted) return;  // the caller's time is up, not a failure
        const refusal = fromGrpcError(error);
        if (!(resume && refusal.retryable) || failures >= this.retries) throw refusal;
        await sleep(100 * 2 ** failures);
        failures += 1;
      } finally {
        signal?.removeEventListener('abort', abort);
        call?.cancel();
      }
    }
  }

  // Resolves once the channel is connected; rejects UNAVAILABLE after timeoutMs.
  _ready(signal) {
    return new Promise((resolve, reject) => {
      const aborted = () => resolve();
      signal?.addEventListener('abort', aborted, { once: true });
      this._stubs.Ledger.waitForReady(Date.now() + this.timeoutMs, (error) => {
        signal?.removeEventListener('abort', aborted);
        if (error) reject(Object.assign(error, { code: grpc.status.UNAVAILABLE, details: error.message }));
        else resolve();
      });
    });
  }

  /** The KnownAt of a read: `knownOn` ("YYYY-MM-DD", as known on that business day),
   *  `treeSize` (the first N events), `recordedAt` (a Date, or microseconds since the epoch);
   *  none of them: now. */
  static knownAt({ knownOn, treeSize, recordedAt } = {}) {
    const given = [knownOn, treeSize, recordedAt].filter((v) => v != null);
    if (given.length > 1) throw new TypeError('give one of knownOn, treeSize and recordedAt');
    if (knownOn != null) return { businessDate: civilDate(knownOn, 'known_on') };
    if (treeSize != null) return { treeSize };
    if (recordedAt != null) {
      return { recordedAtMicros: recordedAt instanceof Date ? BigInt(recordedAt.getTime()) * 1000n : recordedAt };
    }
    return null;
  }

  /** A municipality's grant for a spending year, as known at a point (knownOn, treeSize or
   *  recordedAt) or now; `traceDepth` 0 for the whole trace; `scope` [first, last] day. */
  grant(municipalityCode, spendingYear, { traceDepth = 0, tracePath = '', scope, ...at } = {}) {
    return this.call('Grants', 'GetGrant', {
      municipalityCode, spendingYear, traceDepth, tracePath, scope,
      knownAt: LedgerClient.knownAt(at),
    });
  }

  /** Every municipality's grant and balance for `spendingYear` (0: every year). */
  balances(spendingYear = 0, at = {}) {
    return this.call('Grants', 'ListBalances', { spendingYear, knownAt: LedgerClient.knownAt(at) });
  }

  /** The ministry's control signals, filtered; `asOf` the day deadlines are judged on. */
  signals({ municipalityCode = '', spendingYear = 0, rule = '', minSeverity = 0, asOf, ...at } = {}) {
    return this.call('Controls', 'ListSignals', {
      municipalityCode, spendingYear, rule, minSeverity,
      asOf: asOf == null ? null : civilDate(asOf, 'as_of'),
      knownAt: LedgerClient.knownAt(at),
    });
  }
}
