# The receiving end of `npm run bench:push` (bench/push.ts): Ollama's blob upload
# endpoints minus the disk. HEAD (and anything but POST) answers 404, so a pusher
# always sends; POST /api/blobs/sha256:<hex> reads Content-Length bytes and hashes
# them as Ollama does (unless --discard), then answers 201, or 400 on a digest
# mismatch, with {"bytes", "match"}. Prints {"url"} once listening on 127.0.0.1.
#
# Python, not node:http: recv_into one 4 MiB buffer and hashlib (OpenSSL) keep the
# receiver cheap and steady. A node:http receiver topped out at 0.7-0.8 GB/s and
# sometimes ran 3-4x slower for a whole transfer, which made the comparison noise.
import hashlib
import json
import socket
import sys
import threading

DISCARD = "--discard" in sys.argv[1:]
# Bytes per recv: large, so a fast sender is not held back by syscalls here.
RECV_BYTES = 4 * 1024 * 1024
# Longest request head accepted (ours and curl's are a few hundred bytes).
MAX_HEAD_BYTES = 64 * 1024


def answer(conn, status, body=b"", content_type=None):
    head = "HTTP/1.1 %s\r\nContent-Length: %d\r\n" % (status, len(body))
    if content_type:
        head += "Content-Type: %s\r\n" % content_type
    conn.sendall(head.encode("latin-1") + b"\r\n" + body)


def serve(conn):
    buffer = bytearray(RECV_BYTES)
    view = memoryview(buffer)
    pending = b""
    with conn:
        while True:
            while b"\r\n\r\n" not in pending:
                if len(pending) > MAX_HEAD_BYTES:
                    return
                data = conn.recv(65536)
                if not data:
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if method != "POST" or not path.startswith("/api/blobs/sha256:"):
                # Ours and curl send no body with these; anything else is not a client of this bench.
                if length:
                    return
                answer(conn, "404 Not Found")
                continue
            if headers.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            digest = path[len("/api/blobs/"):]
            hasher = None if DISCARD else hashlib.sha256()
            received = min(len(pending), length)
            if hasher:
                hasher.update(pending[:received])
            pending = pending[received:]
            while received < length:
                n = conn.recv_into(view, min(RECV_BYTES, length - received))
                if n == 0:
                    return
                if hasher:
                    hasher.update(view[:n])
                received += n
            match = hasher is None or "sha256:" + hasher.hexdigest() == digest
            body = json.dumps({"bytes": received, "match": match}).encode()
            answer(conn, "201 Created" if match else "400 Bad Request", body, "application/json")


def main():
    server = socket.create_server(("127.0.0.1", 0))
    print(json.dumps({"url": "http://127.0.0.1:%d" % server.getsockname()[1]}), flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
