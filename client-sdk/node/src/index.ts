/**
 * @recsys/client: a Promise-based Node client for the recsys.v1 gRPC API.
 *
 * The .proto files are loaded at runtime from the repository's
 * `proto/src/main/protobuf` (resolved relative to this package's directory), so
 * the client always speaks the server's own schema; `src/gen` holds the
 * TypeScript types generated from the same files by `proto-loader-gen-types`.
 */
import { EventEmitter } from 'events';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import type { ProtoGrpcType as RecommenderProto } from './gen/recommender';
import type { ProtoGrpcType as FeedbackProto } from './gen/feedback';
import type { ProtoGrpcType as CatalogProto } from './gen/catalog';
import type { ProtoGrpcType as AdminProto } from './gen/admin';
import type { RecommenderServiceClient } from './gen/recsys/v1/RecommenderService';
import type { FeedbackServiceClient } from './gen/recsys/v1/FeedbackService';
import type { CatalogServiceClient } from './gen/recsys/v1/CatalogService';
import type { AdminServiceClient } from './gen/recsys/v1/AdminService';
import type { RecommendResponse__Output } from './gen/recsys/v1/RecommendResponse';
import type { RecommendRequest } from './gen/recsys/v1/RecommendRequest';
import type { RecommendedItem__Output } from './gen/recsys/v1/RecommendedItem';
import type { AttributeFilter, AttributeFilter__Output } from './gen/recsys/v1/AttributeFilter';
import type { Explanation__Output } from './gen/recsys/v1/Explanation';
import type { Reason__Output } from './gen/recsys/v1/Reason';
import type { DeleteItemsResponse__Output } from './gen/recsys/v1/DeleteItemsResponse';
import type { ForgetUserResponse__Output } from './gen/recsys/v1/ForgetUserResponse';
import type { ExportUserResponse__Output } from './gen/recsys/v1/ExportUserResponse';
import type { Item, Item__Output } from './gen/recsys/v1/Item';
import type { UpsertItemsRequest } from './gen/recsys/v1/UpsertItemsRequest';
import type { UpsertItemsResponse__Output } from './gen/recsys/v1/UpsertItemsResponse';
import type { GetStatusResponse__Output } from './gen/recsys/v1/GetStatusResponse';
import type { ModelVersion__Output } from './gen/recsys/v1/ModelVersion';
import type { PinModelVersionResponse__Output } from './gen/recsys/v1/PinModelVersionResponse';
import type { SetTrainingPausedResponse__Output } from './gen/recsys/v1/SetTrainingPausedResponse';
import type { FeedbackEvent } from './gen/recsys/v1/FeedbackEvent';
import type { FeedbackAck__Output } from './gen/recsys/v1/FeedbackAck';
import type { StreamFeedbackRequest } from './gen/recsys/v1/StreamFeedbackRequest';
import type { StreamFeedbackResponse__Output } from './gen/recsys/v1/StreamFeedbackResponse';

export type {
  RecommendResponse__Output as RecommendResponse,
  RecommendRequest,
  RecommendedItem__Output as RecommendedItem,
  AttributeFilter,
  AttributeFilter__Output,
  Explanation__Output as Explanation,
  Reason__Output as Reason,
  DeleteItemsResponse__Output as DeleteItemsResponse,
  ForgetUserResponse__Output as ForgetUserResponse,
  ExportUserResponse__Output as ExportUserResponse,
  Item,
  Item__Output,
  UpsertItemsResponse__Output as UpsertItemsResponse,
  GetStatusResponse__Output as StatusResponse,
  ModelVersion__Output as ModelVersion,
  PinModelVersionResponse__Output as PinModelVersionResponse,
  SetTrainingPausedResponse__Output as SetTrainingPausedResponse,
  FeedbackEvent,
  FeedbackAck__Output as FeedbackAck,
};

/** The package directory (the parent of `dist`, where this file is compiled to). */
const PACKAGE_DIR = path.resolve(__dirname, '..');

/** Where the protos live: `../../proto/src/main/protobuf` from the package directory. */
export const DEFAULT_PROTO_DIR = path.resolve(PACKAGE_DIR, '..', '..', 'proto', 'src', 'main', 'protobuf');

const PROTO_FILES = [
  'recsys/v1/recommender.proto',
  'recsys/v1/feedback.proto',
  'recsys/v1/catalog.proto',
  'recsys/v1/admin.proto',
];

/** Loader options; they match the flags `npm run gen` passes to proto-loader-gen-types. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

type Proto = RecommenderProto & FeedbackProto & CatalogProto & AdminProto;

const protoCache = new Map<string, Proto>();

function loadProto(protoDir: string): Proto {
  let proto = protoCache.get(protoDir);
  if (!proto) {
    const definition = protoLoader.loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [protoDir] });
    proto = grpc.loadPackageDefinition(definition) as unknown as Proto;
    protoCache.set(protoDir, proto);
  }
  return proto;
}

/** TLS settings: `true` uses the system's root certificates. */
export interface TlsOptions {
  rootCerts?: Buffer;
  privateKey?: Buffer;
  certChain?: Buffer;
}

export interface ClientOptions {
  /** Deadline of each unary and client-streaming call, in milliseconds (default 10,000). */
  deadlineMs?: number;
  /** Bearer token, sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /** TLS: `true` for the system roots, or explicit certificates; off (plaintext) by default. */
  tls?: boolean | TlsOptions;
  /**
   * Attempts (first try included) on UNAVAILABLE of the calls safe to repeat: Recommend, GetItem,
   * DeleteItems, GetStatus, ForgetUser and ExportUser (default 5).
   */
  maxAttempts?: number;
  /** Where the .proto files are (default {@link DEFAULT_PROTO_DIR}, or env RECSYS_PROTO_DIR). */
  protoDir?: string;
  /** Extra grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

export interface RecommendOptions {
  /** Items that must not appear in the list (at most 1,000; unknown ids are ignored). */
  exclude?: string[];
  /**
   * Conditions on item attributes that every item of the list meets (all of them; at most 16),
   * applied inside the top-k selection: `k` items come back whenever `k` match. Build them with
   * {@link filters}. A filter on an attribute no item has is INVALID_ARGUMENT.
   */
  filters?: AttributeFilter[];
  /** Give every item an `explanation` (`reason`, `similarItems`, `propensity`); without it, `explanation` is null. */
  explain?: boolean;
  /**
   * How much to trade score for variety, in [0, 1] (INVALID_ARGUMENT outside): 0, the default, is
   * the list by score alone; 1 puts after the first item the candidates least like those above.
   */
  diversity?: number;
}

/** Options of a call that may take longer than the client's deadline. */
export interface CallOptions {
  /** Deadline of this call in milliseconds (default: the client's `deadlineMs`). */
  deadlineMs?: number;
}

function attributeName(attribute: string): string {
  if (typeof attribute !== 'string' || attribute.trim() === '') {
    throw new TypeError('a filter needs an attribute name');
  }
  return attribute;
}

function finite(name: string, value: number): { value: number } {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
  }
  return { value };
}

/**
 * Factories of {@link AttributeFilter}s for `recommend(userId, k, { filters })`:
 *
 * ```ts
 * import { filters as f } from '@recsys/client';
 * await client.recommend('user-42', 10, {
 *   filters: [f.anyOf('genre', ['sf', 'fantasy']), f.between('year', 1990, 2010), f.not(f.equals('lang', 'de'))],
 * });
 * ```
 *
 * Values compare as exact strings; ranges are numeric and inclusive (an item whose value is not a
 * number never matches one).
 */
export const filters = {
  /** Items whose `attribute` is exactly `value`. */
  equals(attribute: string, value: string): AttributeFilter {
    return filters.anyOf(attribute, [value]);
  },

  /** Items whose `attribute` is one of `values` (at least one, at most 1,000). */
  anyOf(attribute: string, values: readonly string[]): AttributeFilter {
    if (!Array.isArray(values) || values.length === 0) {
      throw new TypeError(`anyOf(${attribute}) needs a non-empty array of values`);
    }
    for (const value of values) {
      if (typeof value !== 'string') throw new TypeError(`filter values are strings, got ${typeof value}`);
    }
    return { attribute: attributeName(attribute), anyOf: [...values] };
  },

  /** Items whose `attribute` is a number in [`min`, `max`]; `undefined` (or null) leaves that end open. */
  between(attribute: string, min?: number | null, max?: number | null): AttributeFilter {
    const hasMin = min !== undefined && min !== null;
    const hasMax = max !== undefined && max !== null;
    if (!hasMin && !hasMax) {
      throw new TypeError(`between(${attribute}) needs min, max or both`);
    }
    const filter: AttributeFilter = { attribute: attributeName(attribute) };
    if (hasMin) filter.min = finite('min', min);
    if (hasMax) filter.max = finite('max', max);
    if (hasMin && hasMax && min > max) {
      throw new RangeError(`between(${attribute}): min ${min} > max ${max}`);
    }
    return filter;
  },

  /** Items whose `attribute` is a number `>= min`. */
  atLeast(attribute: string, min: number): AttributeFilter {
    return filters.between(attribute, min, undefined);
  },

  /** Items whose `attribute` is a number `<= max`. */
  atMost(attribute: string, max: number): AttributeFilter {
    return filters.between(attribute, undefined, max);
  },

  /** The items `filter` does not keep, those without the attribute included; `not(not(f))` keeps what `f` keeps. */
  not(filter: AttributeFilter): AttributeFilter {
    return { ...filter, negate: !filter.negate };
  },
};

/** The `RecommendRequest` that `recommend(userId, k, options)` sends (for building batches). */
export function recommendRequest(userId: string, k: number, options: RecommendOptions = {}): RecommendRequest {
  return {
    userId,
    k,
    excludeItemIds: options.exclude ?? [],
    filters: options.filters ?? [],
    explain: options.explain ?? false,
    diversity: options.diversity ?? 0,
  };
}

export interface FeedbackStreamOptions {
  /** Most events sent but not yet acknowledged (default 256). */
  window?: number;
  /** First reconnect delay in milliseconds (default 100); doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  /** Cap on the reconnect delay in milliseconds (default 5,000). */
  maxBackoffMs?: number;
  /** Reconnects in a row without any acknowledgement before the stream gives up (default 20). */
  maxReconnects?: number;
}

function serviceConfig(maxAttempts: number): string {
  return JSON.stringify({
    methodConfig: [
      {
        // Calls safe to repeat: reads, and DeleteItems and ForgetUser, which answer a repeat with
        // the ids in `missingItemIds` and `found` false and change nothing.
        name: [
          { service: 'recsys.v1.RecommenderService', method: 'Recommend' },
          { service: 'recsys.v1.CatalogService', method: 'GetItem' },
          { service: 'recsys.v1.CatalogService', method: 'DeleteItems' },
          { service: 'recsys.v1.AdminService', method: 'GetStatus' },
          { service: 'recsys.v1.AdminService', method: 'ForgetUser' },
          { service: 'recsys.v1.AdminService', method: 'ExportUser' },
        ],
        retryPolicy: {
          maxAttempts: Math.max(2, Math.min(5, maxAttempts)),
          initialBackoff: '0.1s',
          maxBackoff: '2s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  });
}

function channelCredentials(tls: boolean | TlsOptions | undefined): grpc.ChannelCredentials {
  if (!tls) {
    return grpc.credentials.createInsecure();
  }
  if (tls === true) {
    return grpc.credentials.createSsl();
  }
  return grpc.credentials.createSsl(tls.rootCerts ?? null, tls.privateKey ?? null, tls.certChain ?? null);
}

type Callback<T> = (err: grpc.ServiceError | null, value?: T) => void;

/** A client of one recsys server. Every method returns a Promise; errors are grpc-js `ServiceError`s (with `.code`). */
export class RecsysClient {
  private readonly recommender: RecommenderServiceClient;
  private readonly feedback: FeedbackServiceClient;
  private readonly catalog: CatalogServiceClient;
  private readonly admin: AdminServiceClient;
  private readonly deadlineMs: number;
  private readonly token: string | undefined;
  private readonly streams = new Set<FeedbackStream>();

  constructor(target: string, options: ClientOptions = {}) {
    const proto = loadProto(options.protoDir ?? process.env.RECSYS_PROTO_DIR ?? DEFAULT_PROTO_DIR);
    this.deadlineMs = options.deadlineMs ?? 10_000;
    this.token = options.token;
    const channelOptions: grpc.ChannelOptions = {
      'grpc.service_config': serviceConfig(options.maxAttempts ?? 5),
      'grpc.enable_retries': 1,
      'grpc.keepalive_time_ms': 30_000,
      ...options.channelOptions,
    };
    const credentials = channelCredentials(options.tls);
    const v1 = proto.recsys.v1;
    this.recommender = new v1.RecommenderService(target, credentials, channelOptions);
    // The other stubs share the first one's channel.
    const shared = { ...channelOptions, channelOverride: this.recommender.getChannel() } as grpc.ClientOptions;
    this.feedback = new v1.FeedbackService(target, credentials, shared);
    this.catalog = new v1.CatalogService(target, credentials, shared);
    this.admin = new v1.AdminService(target, credentials, shared);
  }

  /** Call metadata: the bearer token, if any. */
  metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.token) {
      metadata.set('authorization', `Bearer ${this.token}`);
    }
    return metadata;
  }

  private callOptions(deadlineMs: number = this.deadlineMs): grpc.CallOptions {
    return { deadline: Date.now() + deadlineMs };
  }

  private unary<T>(
    call: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<T>) => unknown,
    deadlineMs?: number,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      call(this.metadata(), this.callOptions(deadlineMs), (err, value) => (err ? reject(err) : resolve(value as T)));
    });
  }

  /**
   * The top `k` items for `userId`; the response's `eventId` names the impression for feedback.
   * `options`: `exclude`, `filters` (see {@link filters}), `explain`, `diversity`.
   */
  recommend(userId: string, k: number, options: RecommendOptions = {}): Promise<RecommendResponse__Output> {
    const request = recommendRequest(userId, k, options);
    return this.unary((m, o, cb) => this.recommender.recommend(request, m, o, cb));
  }

  /** One item; rejects with NOT_FOUND (5) for an unknown id. */
  async getItem(itemId: string): Promise<Item__Output> {
    const response = await this.unary<{ item: Item__Output | null }>((m, o, cb) => this.catalog.getItem({ itemId }, m, o, cb));
    return response.item as Item__Output;
  }

  /** Creates or replaces `items` in one unit (the whole call fails and changes nothing if one is invalid). */
  upsertItems(items: Iterable<Item>): Promise<UpsertItemsResponse__Output> {
    return new Promise<UpsertItemsResponse__Output>((resolve, reject) => {
      const call = this.catalog.upsertItems(this.metadata(), this.callOptions(), (err, value) =>
        err ? reject(err) : resolve(value as UpsertItemsResponse__Output),
      );
      const iterator = items[Symbol.iterator]();
      let ended = false;
      const pump = (): void => {
        if (ended) return;
        for (;;) {
          const next = iterator.next();
          if (next.done) {
            ended = true;
            call.end();
            return;
          }
          const request: UpsertItemsRequest = { item: next.value };
          if (!call.write(request)) {
            call.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  }

  /**
   * Retires `itemIds` (1 to 10,000): they leave every list served after the call returns and
   * getItem rejects NOT_FOUND for them; upserting an id brings its item back. Durable and
   * idempotent (retried on UNAVAILABLE): ids the catalog did not hold, unknown or deleted before,
   * come back in `missingItemIds`, not as an error.
   */
  deleteItems(itemIds: readonly string[]): Promise<DeleteItemsResponse__Output> {
    if (!Array.isArray(itemIds)) {
      return Promise.reject(new TypeError('deleteItems takes an array of item ids'));
    }
    const request = { itemIds: [...itemIds] };
    return this.unary((m, o, cb) => this.catalog.deleteItems(request, m, o, cb));
  }

  /**
   * Erases everything the server stores about `userId` (state, learned parameters, open
   * impressions, replay transitions, log records); it survives a restart. `found` is false when it
   * held nothing (never seen, or forgotten before: the call is idempotent and retried on
   * UNAVAILABLE). The server rewrites its logs first: give a longer `deadlineMs` for a large one.
   * FAILED_PRECONDITION on a Kafka feedback log.
   */
  forgetUser(userId: string, options: CallOptions = {}): Promise<ForgetUserResponse__Output> {
    return this.unary((m, o, cb) => this.admin.forgetUser({ userId }, m, o, cb), options.deadlineMs);
  }

  /** Everything the server stores about `userId` (the right of access); `found` is false when it holds nothing. */
  exportUser(userId: string, options: CallOptions = {}): Promise<ExportUserResponse__Output> {
    return this.unary((m, o, cb) => this.admin.exportUser({ userId }, m, o, cb), options.deadlineMs);
  }

  /** The server's counters and live model version. */
  status(): Promise<GetStatusResponse__Output> {
    return this.unary((m, o, cb) => this.admin.getStatus({}, m, o, cb));
  }

  /** Model versions, newest first. */
  async listModelVersions(): Promise<ModelVersion__Output[]> {
    const response = await this.unary<{ versions: ModelVersion__Output[] }>((m, o, cb) => this.admin.listModelVersions({}, m, o, cb));
    return response.versions;
  }

  /** Serves `version` again (a rollback) and pauses training. */
  pinModelVersion(version: string): Promise<PinModelVersionResponse__Output> {
    return this.unary((m, o, cb) => this.admin.pinModelVersion({ version }, m, o, cb));
  }

  /** Pauses (true) or resumes (false) the background trainer. */
  setTrainingPaused(paused: boolean): Promise<SetTrainingPausedResponse__Output> {
    return this.unary((m, o, cb) => this.admin.setTrainingPaused({ paused }, m, o, cb));
  }

  /** A feedback stream that reconnects and resends what was not acknowledged; see {@link FeedbackStream}. */
  feedbackStream(options: FeedbackStreamOptions = {}): FeedbackStream {
    const stream = new FeedbackStream(() => this.feedback.streamFeedback(this.metadata()), options, () => this.streams.delete(stream));
    this.streams.add(stream);
    return stream;
  }

  /** Closes the channel; open feedback streams are cancelled (their unacknowledged sends reject). */
  close(): void {
    for (const stream of [...this.streams]) {
      stream.abort(new Error('client closed'));
    }
    this.recommender.close();
    this.feedback.close();
    this.catalog.close();
    this.admin.close();
  }
}

/** Status codes after which the feedback stream reconnects and resends. */
const RECONNECT_CODES = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.CANCELLED, grpc.status.UNKNOWN]);

/** INTERNAL counts as a network failure only when grpc-js reports a transport problem. */
const NETWORK_INTERNAL = /RST_STREAM|http2|protocol|connection|socket|stream (closed|ended|reset)|ECONNRESET|EPIPE|GOAWAY/i;

function isReconnectable(err: grpc.ServiceError): boolean {
  if (RECONNECT_CODES.has(err.code)) return true;
  return err.code === grpc.status.INTERNAL && NETWORK_INTERNAL.test(err.details ?? err.message ?? '');
}

interface Entry {
  event: FeedbackEvent;
  resolve: (ack: FeedbackAck__Output) => void;
  reject: (err: Error) => void;
}

type Duplex = grpc.ClientDuplexStream<StreamFeedbackRequest, StreamFeedbackResponse__Output>;

/**
 * A long-lived StreamFeedback call. `send(event)` returns a Promise of the event's acknowledgement;
 * at most `window` events are unacknowledged at a time (later sends wait, in order), and writes
 * respect the stream's backpressure. Acknowledgements resolve in send order. When the connection
 * fails (UNAVAILABLE, CANCELLED, UNKNOWN, or INTERNAL from the transport) the stream reconnects with
 * capped exponential backoff and resends exactly the unacknowledged events, in order; the server
 * answers the ones it had already stored DUPLICATE, so each counts once. A REJECTED ack resolves
 * (and is emitted as 'rejected'), it is never resent. Any other error (INVALID_ARGUMENT,
 * UNAUTHENTICATED, PERMISSION_DENIED, ...) rejects every outstanding send and fails the stream.
 *
 * Events: 'ack' (ack), 'rejected' (ack), 'reconnect' ({attempt, delayMs, error, resend}), 'error'
 * is never emitted (failures reject the Promises instead).
 */
export class FeedbackStream extends EventEmitter {
  private readonly window: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxReconnects: number;
  /** Sent (on the current call or an earlier one) and not acknowledged yet, in send order. */
  private readonly inflight: Entry[] = [];
  /** How many of `inflight` were written on the current call. */
  private written = 0;
  /** Waiting for room in the window, in send order. */
  private readonly queue: Entry[] = [];
  private call: Duplex | null = null;
  private blocked = false;
  private reconnects = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closing = false;
  private failure: Error | null = null;
  private closeWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  /** Reconnects so far, for monitoring. */
  reconnectCount = 0;

  /** @internal */
  constructor(
    private readonly open: () => Duplex,
    options: FeedbackStreamOptions,
    private readonly onDone: () => void,
  ) {
    super();
    this.window = Math.max(1, options.window ?? 256);
    this.initialBackoffMs = options.initialBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.maxReconnects = options.maxReconnects ?? 20;
    this.connect();
  }

  /** Events sent and not yet acknowledged. */
  get unacknowledged(): number {
    return this.inflight.length;
  }

  /** Sends one event; resolves with its acknowledgement (ACCEPTED, DUPLICATE or REJECTED). */
  send(event: FeedbackEvent): Promise<FeedbackAck__Output> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new Error('feedback stream is closing'));
    return new Promise<FeedbackAck__Output>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.pump();
    });
  }

  /** Waits until every sent event is acknowledged, then ends the call. Rejects if the stream failed. */
  close(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.closing = true;
    const done = new Promise<void>((resolve, reject) => this.closeWaiters.push({ resolve, reject }));
    this.maybeFinish();
    return done;
  }

  /** Cancels the stream now: outstanding sends reject with `reason`. */
  abort(reason: Error = new Error('feedback stream aborted')): void {
    this.fail(reason);
  }

  private connect(): void {
    if (this.failure) return;
    const call = this.open();
    this.call = call;
    this.written = 0;
    this.blocked = false;
    call.on('data', (response: StreamFeedbackResponse__Output) => {
      if (call === this.call) this.onResponse(response);
    });
    call.on('drain', () => {
      if (call === this.call) {
        this.blocked = false;
        this.pump();
      }
    });
    call.on('error', (err: grpc.ServiceError) => {
      if (call === this.call) this.onCallError(err);
    });
    call.on('end', () => {
      // The server ended the call cleanly; reconnect if events still wait for an ack.
      if (call === this.call) {
        if (this.inflight.length > 0 || this.queue.length > 0) {
          this.scheduleReconnect(Object.assign(new Error('feedback stream ended by the server'), { code: grpc.status.UNAVAILABLE }) as grpc.ServiceError);
        } else {
          this.call = null;
          this.maybeFinish();
        }
      }
    });
    this.pump();
  }

  /** Admits queued sends while the window has room, and writes what the current call has not seen. */
  private pump(): void {
    if (this.failure) return;
    while (this.queue.length > 0 && this.inflight.length < this.window) {
      this.inflight.push(this.queue.shift() as Entry);
    }
    const call = this.call;
    if (!call || this.reconnectTimer) return;
    while (!this.blocked && this.written < this.inflight.length) {
      const entry = this.inflight[this.written++];
      if (!call.write({ event: entry.event })) {
        this.blocked = true;
      }
    }
  }

  private onResponse(response: StreamFeedbackResponse__Output): void {
    const acks = response.acks && response.acks.length > 0 ? response.acks : response.ack ? [response.ack] : [];
    for (const ack of acks) {
      const entry = this.inflight.shift();
      if (!entry) {
        this.fail(new Error(`feedback stream: unexpected ack for ${ack.eventId}/${ack.itemId}`));
        return;
      }
      if (ack.eventId && entry.event.eventId && ack.eventId !== entry.event.eventId) {
        const err = new Error(`feedback stream: ack for ${ack.eventId} arrived where ${entry.event.eventId} was expected`);
        this.inflight.unshift(entry);
        this.fail(err);
        return;
      }
      this.written = Math.max(0, this.written - 1);
      this.reconnects = 0;
      if (ack.status === 'FEEDBACK_STATUS_REJECTED') {
        this.emit('rejected', ack, entry.event);
      }
      this.emit('ack', ack, entry.event);
      entry.resolve(ack);
    }
    this.pump();
    this.maybeFinish();
  }

  private onCallError(err: grpc.ServiceError): void {
    if (this.failure) return;
    if (isReconnectable(err)) {
      this.scheduleReconnect(err);
    } else {
      this.fail(err);
    }
  }

  private scheduleReconnect(err: grpc.ServiceError): void {
    const old = this.call;
    this.call = null;
    if (old) {
      old.removeAllListeners('data');
      old.on('error', () => {});
      old.cancel();
    }
    if (this.closing && this.inflight.length === 0 && this.queue.length === 0) {
      this.maybeFinish();
      return;
    }
    if (this.reconnects >= this.maxReconnects) {
      this.fail(err);
      return;
    }
    const attempt = ++this.reconnects;
    this.reconnectCount++;
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
    const delayMs = Math.round(base * (0.5 + Math.random() * 0.5));
    this.emit('reconnect', { attempt, delayMs, error: err, resend: this.inflight.length });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delayMs);
  }

  private maybeFinish(): void {
    if (!this.closing || this.failure) return;
    if (this.inflight.length > 0 || this.queue.length > 0) return;
    if (this.call) {
      const call = this.call;
      this.call = null;
      call.removeAllListeners('data');
      call.on('error', () => {});
      call.end();
    }
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    this.onDone();
    for (const waiter of waiters) waiter.resolve();
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const call = this.call;
    this.call = null;
    if (call) {
      call.removeAllListeners('data');
      call.on('error', () => {});
      call.cancel();
    }
    const entries = [...this.inflight.splice(0), ...this.queue.splice(0)];
    for (const entry of entries) entry.reject(err);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    this.onDone();
    for (const waiter of waiters) waiter.reject(err);
  }
}

export { grpc };
export const status = grpc.status;
