// A scripted ONC RPC server on loopback: decodes each CALL and lets the test
// decide the answer — a normal reply, raw bytes (hostile framing), silence, or a
// dropped connection. Also a tiny in-memory NFS server built on it.
import net from "node:net";
import { encodeRecord, RecordDecoder } from "../../../lib/nfs/client/record-marking.ts";
import { XdrReader } from "../../../lib/nfs/client/xdr.ts";
import { type FakeAttrs, results, successReply } from "./reply-builders.ts";

export interface FakeCall {
  xid: number;
  program: number;
  version: number;
  procedure: number;
  credentialFlavor: number;
  credential: Uint8Array;
  /** Reader positioned at the arguments (shared: reading advances it). */
  args: XdrReader;
  /** The raw arguments, for a fresh reader. */
  argBytes: Uint8Array;
  socket: net.Socket;
}

/** A reply body (framed for you), raw bytes written as they are, nothing, or "close" the connection. */
export type FakeAnswer = Uint8Array | { raw: Uint8Array } | null | "close";

export interface FakeRpcServer {
  port: number;
  calls: FakeCall[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Destroys every open connection (the listener stays). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startFakeRpcServer(handler: (call: FakeCall) => FakeAnswer | Promise<FakeAnswer>): Promise<FakeRpcServer> {
  const sockets = new Set<net.Socket>();
  const calls: FakeCall[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const decoder = new RecordDecoder({ maxRecordBytes: 1 << 20 });
    socket.on("data", (chunk: Buffer) => {
      for (const record of decoder.push(chunk)) {
        const r = new XdrReader(record);
        const xid = r.uint32();
        r.uint32(); // CALL
        r.uint32(); // RPC version
        const call: FakeCall = {
          xid,
          program: r.uint32(),
          version: r.uint32(),
          procedure: r.uint32(),
          credentialFlavor: r.uint32(),
          credential: r.opaque(400),
          args: r,
          argBytes: new Uint8Array(0),
          socket,
        };
        r.uint32();
        r.opaque(400);
        call.argBytes = record.subarray(r.offset);
        calls.push(call);
        void Promise.resolve(handler(call)).then((answer) => {
          if (answer === null || socket.destroyed) return;
          if (answer === "close") socket.destroy();
          else if (answer instanceof Uint8Array) socket.write(encodeRecord(answer));
          else socket.write(answer.raw);
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    calls,
    get connections() {
      return connections;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------- a tiny NFS server

export interface FakeNode {
  type: "file" | "dir";
  content?: Uint8Array;
  fileid: bigint;
}

export interface FakeNfs {
  server: FakeRpcServer;
  /** nfs://127.0.0.1/export/…?nfsport=P&mountport=P (MOUNT and NFS share the port). */
  url(sub?: string): string;
  tree: Map<string, FakeNode>;
  /** Bump to invalidate every handle handed out so far (like a server that lost them). */
  generation: number;
  /** Runs first; return an answer to override the default behaviour, undefined to keep it. */
  override: ((call: FakeCall, path: string | null) => FakeAnswer | undefined) | null;
}

const STALE = 70;
const NOENT = 2;

/**
 * Serves `/export` from an in-memory tree (keys relative to the export, "" is its
 * root) with MOUNT and NFS on one port. Handles embed a generation number, so a
 * test can make every handle stale at once.
 */
export async function startFakeNfs(files: Record<string, string | Uint8Array | null>): Promise<FakeNfs> {
  const tree = new Map<string, FakeNode>([["", { type: "dir", fileid: 1n }]]);
  let nextId = 2n;
  for (const [p, content] of Object.entries(files)) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!tree.has(dir)) tree.set(dir, { type: "dir", fileid: nextId++ });
    }
    tree.set(p, content === null ? { type: "dir", fileid: nextId++ } : { type: "file", content: typeof content === "string" ? Buffer.from(content) : content, fileid: nextId++ });
  }
  const fake: FakeNfs = {
    server: undefined as unknown as FakeRpcServer,
    url: (sub = "") => `nfs://127.0.0.1/export${sub ? `/${sub}` : ""}?nfsport=${fake.server.port}&mountport=${fake.server.port}&timeout=2000`,
    tree,
    generation: 1,
    override: null,
  };
  const fh = (p: string): Uint8Array => Buffer.from(`${fake.generation}:${p}`);
  const attrsOf = (node: FakeNode): FakeAttrs => ({ type: node.type === "dir" ? 2 : 1, size: node.content?.length ?? 4096, fileid: node.fileid });
  const pathOf = (handle: Uint8Array): string | null => {
    const text = Buffer.from(handle).toString();
    const colon = text.indexOf(":");
    if (Number(text.slice(0, colon)) !== fake.generation) return null;
    return text.slice(colon + 1);
  };

  fake.server = await startFakeRpcServer((call) => {
    const ok = (body: Uint8Array): Uint8Array => successReply(call.xid, body);
    if (call.program === 100005) {
      if (call.procedure === 5) return ok(results.exports([{ path: "/export", groups: [] }]));
      if (call.procedure === 1) {
        const dir = call.args.string(1024);
        return ok(dir === "/export" ? results.mnt(fh("")) : results.status(13));
      }
      return ok(results.empty());
    }
    if (call.procedure === 0) return ok(results.empty());
    const handle = call.args.opaque(64);
    const p = pathOf(handle);
    const overridden = fake.override?.(call, p);
    if (overridden !== undefined) return overridden;
    if (p === null) return ok(results.status(STALE));
    const node = tree.get(p);
    if (!node) return ok(results.status(STALE));
    switch (call.procedure) {
      case 1:
        return ok(results.getattr(attrsOf(node)));
      case 3: {
        const name = call.args.string(1024);
        const child = p === "" ? name : `${p}/${name}`;
        const found = tree.get(child);
        return ok(found ? results.lookup(fh(child), attrsOf(found)) : results.status(NOENT));
      }
      case 4:
        return ok(results.access(0x3f));
      case 6: {
        const offset = Number(call.args.uint64());
        const count = call.args.uint32();
        const content = node.content ?? new Uint8Array(0);
        const data = content.subarray(offset, offset + count);
        return ok(results.read(data, offset + data.length >= content.length, attrsOf(node)));
      }
      case 17: {
        const prefix = p === "" ? "" : `${p}/`;
        const children = [...tree.keys()].filter((k) => k !== "" && k.startsWith(prefix) && !k.slice(prefix.length).includes("/"));
        const cookie = Number(call.args.uint64());
        const page = children.slice(cookie, cookie + 2);
        const entries = page.map((k, i) => {
          const child = tree.get(k) as FakeNode;
          return { name: k.slice(prefix.length), fileid: child.fileid, cookie: BigInt(cookie + i + 1), attrs: attrsOf(child), fh: fh(k) };
        });
        return ok(results.readdirplus(entries, cookie + page.length >= children.length));
      }
      case 18:
        return ok(results.fsstat({ tbytes: 1000n, fbytes: 500n, abytes: 400n, tfiles: 100n, ffiles: 50n, afiles: 40n }));
      case 19:
        return ok(results.fsinfo(8));
      default:
        return ok(results.status(10004));
    }
  });
  return fake;
}
