import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { authNone } from "../../../lib/nfs/client/auth-sys.ts";
import { RpcClient } from "../../../lib/nfs/client/rpc-client.ts";
import { XdrWriter, type XdrReader } from "../../../lib/nfs/client/xdr.ts";
import { type FakeCall, type FakeRpcServer, startFakeRpcServer } from "./fake-rpc-server.ts";
import { successReply } from "./reply-builders.ts";

const servers: FakeRpcServer[] = [];
const clients: RpcClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(handler: Parameters<typeof startFakeRpcServer>[0]): Promise<FakeRpcServer> {
  const s = await startFakeRpcServer(handler);
  servers.push(s);
  return s;
}

function client(port: number, options: { timeoutMs?: number; maxOutstanding?: number } = {}): RpcClient {
  const c = new RpcClient({
    target: { host: "127.0.0.1", port, program: 100003, version: 3, programName: "NFS" },
    credential: authNone,
    timeoutMs: options.timeoutMs ?? 2000,
    maxOutstanding: options.maxOutstanding ?? 16,
  });
  clients.push(c);
  return c;
}

/** Calls procedure 1 with a number and expects that number echoed back. */
const echo = (c: RpcClient, n: number): Promise<number> => c.call(1, "ECHO", new XdrWriter().uint32(n).finish(), (r: XdrReader) => r.uint32());
const echoReply = (call: FakeCall): Uint8Array => successReply(call.xid, new XdrWriter().uint32(call.args.uint32()).finish());

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe("RpcClient", () => {
  it("matches replies to calls by XID when the server answers out of order", async () => {
    const held: FakeCall[] = [];
    const s = await server((call) => {
      held.push(call);
      if (held.length < 3) return null;
      // Answer all three, last first.
      for (const c of held.reverse()) c.socket.write(Buffer.concat([Buffer.from([0x80, 0, 0, 28]), echoReply(c)]));
      return null;
    });
    const c = client(s.port);
    expect(await Promise.all([echo(c, 1), echo(c, 2), echo(c, 3)])).toEqual([1, 2, 3]);
  });

  it("drops replies whose XID matches no call and still completes the call", async () => {
    const s = await server((call) => {
      call.socket.write(Buffer.concat([Buffer.from([0x80, 0, 0, 28]), successReply((call.xid ^ 0xffff) >>> 0, new XdrWriter().uint32(666).finish())]));
      return echoReply(call);
    });
    const c = client(s.port);
    expect(await echo(c, 5)).toBe(5);
    expect(c.stats.droppedReplies).toBe(1);
  });

  it("keeps no more than maxOutstanding calls in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const s = await server(async (call) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return echoReply(call);
    });
    const c = client(s.port, { maxOutstanding: 3 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => echo(c, i)));
    expect(answers).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(peak).toBe(3);
  });

  it("fails a call the server never answers with a retryable timeout", async () => {
    const s = await server(() => null);
    const started = performance.now();
    await expect(echo(client(s.port, { timeoutMs: 150 }), 1)).rejects.toMatchObject({
      code: "timeout",
      retryable: true,
      message: `The NFS service at 127.0.0.1:${s.port} did not answer ECHO within 0.15s`,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("gives up a connection that answered nothing and reconnects for the next call", async () => {
    let silent = true;
    const s = await server((call) => (silent ? null : echoReply(call)));
    const c = client(s.port, { timeoutMs: 150 });
    await expect(echo(c, 1)).rejects.toMatchObject({ code: "timeout" });
    silent = false;
    expect(await echo(c, 2)).toBe(2);
    expect(s.connections).toBe(2);
  });

  it("fails calls in flight with a retryable error when the connection drops, and reconnects for new calls", async () => {
    let first = true;
    const s = await server((call) => {
      if (first) {
        first = false;
        return "close";
      }
      return echoReply(call);
    });
    const c = client(s.port);
    await expect(echo(c, 1)).rejects.toMatchObject({ code: "unavailable", retryable: true, message: expect.stringMatching(/was lost/) as string });
    expect(await echo(c, 2)).toBe(2);
    expect(c.stats.connects).toBe(2);
  });

  it("reports a refused connection quickly, after a few backed-off attempts", async () => {
    const port = await closedPort();
    const started = performance.now();
    await expect(echo(client(port, { timeoutMs: 10_000 }), 1)).rejects.toMatchObject({
      code: "unavailable",
      retryable: true,
      message: `The NFS service at 127.0.0.1:${port} refused the connection (is the service running, and is the port right?)`,
    });
    const elapsed = performance.now() - started;
    // Three attempts with 100 ms and 200 ms pauses between them.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(2000);
  });

  it("does not reconnect in a tight loop to a server that closes every connection at once", async () => {
    const s = await server(() => "close");
    const c = client(s.port, { timeoutMs: 1000 });
    const calls = Array.from({ length: 5 }, (_, i) => echo(c, i).catch((error: unknown) => error));
    await Promise.all(calls);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(s.connections).toBeLessThanOrEqual(6);
  });

  it("drops the connection when a reply record exceeds the size limit", async () => {
    const s = await server(() => ({ raw: Buffer.from([0x80, 0x20, 0, 0]) })); // a 2 MiB fragment
    await expect(echo(client(s.port), 1)).rejects.toMatchObject({ code: "io", message: expect.stringMatching(/exceeds the limit/) as string });
  });

  it("fails only the call whose reply is malformed; the connection stays usable", async () => {
    let n = 0;
    const s = await server((call) => (++n === 1 ? successReply(call.xid, new Uint8Array(0)) : echoReply(call)));
    const c = client(s.port);
    await expect(echo(c, 1)).rejects.toMatchObject({
      code: "io",
      retryable: false,
      message: `The NFS service at 127.0.0.1:${s.port} sent a malformed ECHO reply: uint32 needs 4 bytes at offset 24, only 0 remain`,
    });
    expect(await echo(c, 2)).toBe(2);
    expect(s.connections).toBe(1);
  });

  it("turns anything a decoder throws into an AppError", async () => {
    const s = await server((call) => successReply(call.xid, new Uint8Array(4)));
    const call = client(s.port).call(1, "ECHO", new Uint8Array(0), () => {
      throw new RangeError("Offset is outside the bounds of the DataView");
    });
    await expect(call).rejects.toMatchObject({ code: "io", details: { malformed: true } });
  });

  it("fails pending and later calls once closed", async () => {
    const s = await server(() => null);
    const c = client(s.port);
    const pending = echo(c, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    c.close();
    await expect(pending).rejects.toMatchObject({ code: "unavailable", retryable: false });
    await expect(echo(c, 2)).rejects.toMatchObject({ code: "unavailable" });
  });
});
