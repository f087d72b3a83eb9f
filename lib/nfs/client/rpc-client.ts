// One ONC RPC program over one TCP connection: XID matching, a cap on
// outstanding calls (pipelining), a timeout on every call, and reconnection
// with back-off. Calls in flight when the connection drops fail with a
// retryable error (we cannot know whether the server ran them); calls still
// queued are sent on the next connection.
import net from "node:net";
import { randomInt } from "node:crypto";
import { AppError, isAppError } from "../../errors.ts";
import { requireIntegerOption, requireTimeoutMs } from "../require-option.ts";
import { formatSeconds } from "../with-fs-timeout.ts";
import type { OpaqueAuth } from "./auth-sys.ts";
import { encodeRecord, RecordDecoder } from "./record-marking.ts";
import { decodeReplyHeader, describeTarget, encodeCall, readReplyXid, type RpcTarget } from "./rpc-message.ts";
import type { XdrReader } from "./xdr.ts";

/** Outstanding calls per connection unless the caller asks otherwise: 8 pipelined reads plus metadata calls. */
export const DEFAULT_MAX_OUTSTANDING = 16;
/**
 * The most a caller may ask for. Each outstanding READ holds up to one rtmax-sized
 * reply (≤ 1 MiB) in memory, so 128 bounds that at 128 MiB; Linux's client uses
 * 2–64 slots per connection, and more only queues requests inside the server.
 */
export const MAX_OUTSTANDING_LIMIT = 128;
/**
 * Largest reply record accepted. READ replies are the largest we provoke: at most
 * MAX_READ_BYTES_PER_CALL (1 MiB) of data plus attributes and headers (< 1 KiB);
 * every other reply is bounded by the counts we send. 64 KiB of headroom.
 */
export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024 + 64 * 1024;
/**
 * Bytes the kernel may hand over per socket read, into one reused buffer per
 * connection: a READ reply takes a few reads instead of sixteen 64 KiB 'data'
 * events with a new Buffer each. (Letting the kernel write large fragments straight
 * into the record buffer was measured: more syscalls, ~15% more CPU, slower.)
 */
export const SOCKET_READ_BUFFER_BYTES = 256 * 1024;
/** First pause before reconnecting after a failure; doubles per consecutive failure. */
export const RECONNECT_BACKOFF_BASE_MS = 100;
/** Back-off ceiling: a NAS that reboots is polled every 5 s, not hammered. */
export const RECONNECT_BACKOFF_MAX_MS = 5_000;
/**
 * A queued call gives up after this many failed connection attempts (with the
 * back-off between them), so "connection refused" is reported in well under a
 * second instead of after the whole call timeout.
 */
export const CONNECT_ATTEMPTS_PER_CALL = 3;

export interface RpcClientOptions {
  target: RpcTarget;
  credential: OpaqueAuth;
  /** Per-call timeout, and the time a connection attempt may take. */
  timeoutMs: number;
  maxOutstanding?: number;
  maxRecordBytes?: number;
}

export interface RpcCallOptions {
  timeoutMs?: number;
}

export interface RpcClientStats {
  /** Connections established (1 + reconnects). */
  connects: number;
  /** Replies that matched no call in flight (late, duplicate or bogus XIDs). */
  droppedReplies: number;
  callsSent: number;
}

interface Connection {
  socket: net.Socket;
  decoder: RecordDecoder;
  /** performance.now() of the last reply, 0 before the first. */
  lastReplyAt: number;
}

interface PendingCall {
  xid: number;
  procedure: number;
  name: string;
  args: Uint8Array;
  decode: (reader: XdrReader) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: AppError) => void;
  timer: NodeJS.Timeout;
  timeoutMs: number;
  connectFailures: number;
  sentOn: Connection | null;
  sentAt: number;
}

export class RpcClient {
  readonly target: RpcTarget;
  readonly stats: RpcClientStats = { connects: 0, droppedReplies: 0, callsSent: 0 };
  readonly #credential: OpaqueAuth;
  readonly #timeoutMs: number;
  readonly #maxOutstanding: number;
  readonly #maxRecordBytes: number;
  #nextXid = randomInt(0, 0xffff_ffff);
  #conn: Connection | null = null;
  #connectingSocket: net.Socket | null = null;
  #queue: PendingCall[] = [];
  readonly #inFlight = new Map<number, PendingCall>();
  #closed = false;
  /** Consecutive failures (refused connects, connections dropped before any reply); drives the back-off. */
  #failures = 0;
  #nextAttemptAt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #lastConnectError: AppError | null = null;

  constructor(options: RpcClientOptions) {
    this.target = options.target;
    this.#credential = options.credential;
    this.#timeoutMs = requireTimeoutMs(options.timeoutMs);
    this.#maxOutstanding = requireIntegerOption("maxOutstanding", options.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING, 1, MAX_OUTSTANDING_LIMIT);
    this.#maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  get maxOutstanding(): number {
    return this.#maxOutstanding;
  }

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Calls `procedure` with XDR-encoded `args`; `decode` reads the results (and may throw AppError). */
  call<T>(procedure: number, name: string, args: Uint8Array, decode: (reader: XdrReader) => T, options: RpcCallOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError(name));
    const timeoutMs = requireTimeoutMs(options.timeoutMs ?? this.#timeoutMs);
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = {
        xid: 0,
        procedure,
        name,
        args,
        decode,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => this.#onTimeout(call), timeoutMs),
        timeoutMs,
        connectFailures: 0,
        sentOn: null,
        sentAt: 0,
      };
      this.#queue.push(call);
      this.#pump();
    });
  }

  /** Fails every pending call and closes the connection; later calls fail at once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#connectingSocket?.destroy();
    const calls = [...this.#queue, ...this.#inFlight.values()];
    this.#queue = [];
    this.#inFlight.clear();
    for (const call of calls) this.#settle(call, this.#closedError(call.name));
    this.#conn?.socket.destroy();
    this.#conn = null;
  }

  #pump(): void {
    if (this.#closed) return;
    const conn = this.#conn;
    if (this.#queue.length > 0 && conn === null) {
      this.#connect();
      return;
    }
    if (conn !== null) {
      while (this.#inFlight.size < this.#maxOutstanding && this.#queue.length > 0) {
        const call = this.#queue.shift();
        if (call) this.#send(conn, call);
      }
      // An idle connection must not keep the process alive; a busy one must.
      if (this.#inFlight.size + this.#queue.length > 0) conn.socket.ref();
      else conn.socket.unref();
    }
  }

  #allocateXid(): number {
    do this.#nextXid = (this.#nextXid + 1) >>> 0;
    while (this.#inFlight.has(this.#nextXid));
    return this.#nextXid;
  }

  #send(conn: Connection, call: PendingCall): void {
    call.xid = this.#allocateXid();
    call.sentOn = conn;
    call.sentAt = performance.now();
    this.#inFlight.set(call.xid, call);
    this.stats.callsSent++;
    conn.socket.write(encodeRecord(encodeCall(call.xid, this.target, call.procedure, this.#credential, call.args)));
  }

  #connect(): void {
    if (this.#connectingSocket !== null || this.#closed) return;
    const wait = this.#nextAttemptAt - performance.now();
    if (wait > 0) {
      this.#retryTimer ??= setTimeout(() => {
        this.#retryTimer = null;
        this.#pump();
      }, wait).unref();
      return;
    }
    // The kernel copies received bytes straight into one reused buffer (no Buffer per
    // 64 KiB chunk); the record decoder copies them out before the next read.
    const decoder = new RecordDecoder({ maxRecordBytes: this.#maxRecordBytes });
    // Assigned right after connect() returns; no bytes can arrive before that.
    let connection: Connection | null = null;
    const socket = net.connect({
      host: this.target.host,
      port: this.target.port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(SOCKET_READ_BUFFER_BYTES),
        callback: (bytes: number, buffer: Uint8Array) => {
          if (connection !== null) this.#onData(connection, buffer.subarray(0, bytes));
          return true;
        },
      },
    });
    const conn: Connection = { socket, decoder, lastReplyAt: 0 };
    connection = conn;
    this.#connectingSocket = socket;
    let connected = false;
    let failed = false;
    const connectTimer = setTimeout(() => {
      socket.destroy(Object.assign(new Error("connect timed out"), { code: "ETIMEDOUT" }));
    }, this.#timeoutMs).unref();
    const onFailure = (error: Error | undefined): void => {
      clearTimeout(connectTimer);
      if (connected) {
        this.#drop(conn, this.#lostError(error));
      } else if (!failed) {
        failed = true;
        this.#connectFailed(socket, error);
      }
    };
    socket.on("error", onFailure);
    socket.on("close", () => onFailure(undefined));
    socket.once("connect", () => {
      clearTimeout(connectTimer);
      connected = true;
      this.#connectingSocket = null;
      if (this.#closed) {
        socket.destroy();
        return;
      }
      this.#conn = conn;
      this.#lastConnectError = null;
      this.stats.connects++;
      this.#pump();
    });
  }

  #connectFailed(socket: net.Socket, error: Error | undefined): void {
    socket.destroy();
    if (this.#connectingSocket === socket) this.#connectingSocket = null;
    if (this.#closed) return;
    const appError = this.#connectError(error);
    this.#lastConnectError = appError;
    this.#noteFailure();
    for (const call of [...this.#queue]) {
      call.connectFailures++;
      if (call.connectFailures >= CONNECT_ATTEMPTS_PER_CALL) {
        this.#queue.splice(this.#queue.indexOf(call), 1);
        this.#settle(call, appError);
      }
    }
    this.#pump();
  }

  #noteFailure(): void {
    this.#failures++;
    const backoff = Math.min(RECONNECT_BACKOFF_BASE_MS * 2 ** (this.#failures - 1), RECONNECT_BACKOFF_MAX_MS);
    this.#nextAttemptAt = performance.now() + backoff;
  }

  /** Forgets a broken connection: calls in flight on it fail, queued calls wait for the next one. */
  #drop(conn: Connection, error: AppError): void {
    conn.socket.destroy();
    if (this.#conn !== conn) return;
    this.#conn = null;
    // A connection that never answered anything counts as a failed attempt (a server
    // that accepts and closes at once must not be reconnected to in a tight loop).
    if (conn.lastReplyAt === 0) this.#noteFailure();
    for (const call of [...this.#inFlight.values()]) {
      if (call.sentOn !== conn) continue;
      this.#inFlight.delete(call.xid);
      this.#settle(call, error);
    }
    this.#pump();
  }

  #onData(conn: Connection, chunk: Uint8Array): void {
    if (this.#conn !== conn) return;
    let records: Uint8Array[];
    try {
      records = conn.decoder.push(chunk);
    } catch (error) {
      // The byte stream cannot be resynchronised after a framing error.
      this.#drop(conn, this.#asAppError(error, `sent an invalid record stream`));
      return;
    }
    for (const record of records) this.#onRecord(conn, record);
    this.#pump();
  }

  #onRecord(conn: Connection, record: Uint8Array): void {
    const xid = readReplyXid(record);
    const call = xid === null ? undefined : this.#inFlight.get(xid);
    if (call === undefined || call.sentOn !== conn) {
      this.stats.droppedReplies++;
      return;
    }
    this.#inFlight.delete(call.xid);
    conn.lastReplyAt = performance.now();
    this.#failures = 0;
    try {
      const reader = decodeReplyHeader(record, { target: this.target, procedure: call.name });
      const value = call.decode(reader);
      clearTimeout(call.timer);
      call.resolve(value);
    } catch (error) {
      this.#settle(call, this.#replyError(error, call.name));
    }
  }

  #onTimeout(call: PendingCall): void {
    const queued = this.#queue.indexOf(call);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      const reason = this.#lastConnectError ? ` (could not connect: ${this.#lastConnectError.message})` : "";
      call.reject(this.#timeoutError(call, reason));
      return;
    }
    if (this.#inFlight.get(call.xid) !== call) return;
    this.#inFlight.delete(call.xid);
    call.reject(this.#timeoutError(call, ""));
    const conn = call.sentOn;
    // Nothing at all came back since this call went out: the server (or the path to
    // it) is gone, so the other calls on this connection are lost too. Reconnect.
    if (conn !== null && conn === this.#conn && conn.lastReplyAt < call.sentAt) {
      this.#drop(
        conn,
        new AppError("unavailable", `The ${describeTarget(this.target)} stopped answering (nothing for ${formatSeconds(call.timeoutMs)}); the request may be retried`, {
          retryable: true,
          details: this.#details(call.name),
        }),
      );
    }
    this.#pump();
  }

  #settle(call: PendingCall, error: AppError): void {
    clearTimeout(call.timer);
    call.reject(error);
  }

  #details(procedure: string): Record<string, unknown> {
    const { host, port, program, version } = this.target;
    return { host, port, program, version, procedure };
  }

  #timeoutError(call: PendingCall, reason: string): AppError {
    return new AppError("timeout", `The ${describeTarget(this.target)} did not answer ${call.name} within ${formatSeconds(call.timeoutMs)}${reason}`, {
      retryable: true,
      details: { ...this.#details(call.name), timeoutMs: call.timeoutMs },
    });
  }

  #closedError(procedure: string): AppError {
    return new AppError("unavailable", `${procedure} was not answered: the client for the ${describeTarget(this.target)} was closed`, {
      details: this.#details(procedure),
    });
  }

  #lostError(error: Error | undefined): AppError {
    const reason = error ? ` (${error.message})` : "";
    return new AppError(
      "unavailable",
      `Connection to the ${describeTarget(this.target)} was lost${reason}; the request was not answered and may be retried`,
      { retryable: true, cause: error, details: { host: this.target.host, port: this.target.port } },
    );
  }

  #connectError(error: Error | undefined): AppError {
    const where = describeTarget(this.target);
    const errno = error && "code" in error && typeof error.code === "string" ? error.code : undefined;
    const details = { host: this.target.host, port: this.target.port, ...(errno ? { errno } : {}) };
    const make = (code: "unavailable" | "timeout", message: string, retryable = true): AppError =>
      new AppError(code, message, { retryable, cause: error, details });
    switch (errno) {
      case "ECONNREFUSED":
        return make("unavailable", `The ${where} refused the connection (is the service running, and is the port right?)`);
      case "ENOTFOUND":
        return make("unavailable", `The host name ${this.target.host} could not be resolved`, false);
      case "EAI_AGAIN":
        return make("unavailable", `The host name ${this.target.host} could not be resolved right now (DNS lookup failed)`);
      case "EHOSTUNREACH":
      case "ENETUNREACH":
      case "EHOSTDOWN":
        return make("unavailable", `The ${where} cannot be reached (host down or network unreachable)`);
      case "ETIMEDOUT":
        return make("timeout", `The ${where} did not accept a connection within ${formatSeconds(this.#timeoutMs)}`);
      default:
        return make("unavailable", `Could not connect to the ${where}: ${error?.message ?? "connection closed"}`);
    }
  }

  #asAppError(error: unknown, what: string): AppError {
    if (isAppError(error)) {
      return new AppError(error.code, `The ${describeTarget(this.target)} ${what}: ${error.message}`, {
        cause: error,
        retryable: error.retryable,
        details: { ...error.details, host: this.target.host, port: this.target.port },
      });
    }
    return new AppError("io", `The ${describeTarget(this.target)} ${what}`, { cause: error, details: { host: this.target.host, port: this.target.port } });
  }

  /**
   * Status errors (NFS3ERR_*, MNT3ERR_*, RPC denials) pass through; anything
   * else a decoder threw means the reply was malformed — reported as such, never
   * as a crash, whatever the decoder threw.
   */
  #replyError(error: unknown, procedure: string): AppError {
    if (isAppError(error) && (error.details.nfsStatus !== undefined || error.details.rpcStatus !== undefined)) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new AppError("io", `The ${describeTarget(this.target)} sent a malformed ${procedure} reply: ${reason}`, {
      cause: error,
      details: { ...this.#details(procedure), malformed: true },
    });
  }
}
