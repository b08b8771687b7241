# chat-service in Python: asyncio streams (asyncio.start_server) on one event loop, with a
# minimal HTTP/1.1 reader (Content-Length bodies, keep-alive) and the standard json module.
# The protocol: runners/SERVICE.md; what is computed: workloads/chat-service/README.md. The
# runner is not loaded: a service has no timed iterations.
import asyncio
import json
import os
import signal
import sys

MAX_BODY = 1 << 20
CREATED = 1700000000
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error"}


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h


def head(status, headers):
    lines = ["HTTP/1.1 %d %s" % (status, REASONS[status])] + ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def plain(status, ctype, body, extra=()):
    return head(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))] + list(extra)) + body


def error(status, message, kind, extra=()):
    body = json.dumps({"error": {"message": message, "type": kind}}).encode()
    return plain(status, "application/json", body, extra)


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def parse_chat(body):
    """The request and the computed figures, or None when malformed."""
    try:
        req = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(req, dict):
        return None
    messages = req.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or not isinstance(last.get("content"), str):
        return None
    chars = sum(len(m["content"].encode("utf-8")) for m in messages if isinstance(m, dict) and isinstance(m.get("content"), str))
    data = last["content"].encode("utf-8")
    return req, len(data), fnv1a(data), (chars + 3) // 4


async def stream(writer, h, tokens, delay_us):
    writer.write(head(200, [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"), ("Transfer-Encoding", "chunked")]))
    for i in range(tokens):
        if delay_us > 0:
            await asyncio.sleep(delay_us / 1e6)
        event = {"choices": [{"delta": {"content": "%s:%d " % (h, i)}, "finish_reason": None, "index": 0}], "id": "chatcmpl-bm", "object": "chat.completion.chunk"}
        writer.write(chunk(("data: " + json.dumps(event) + "\n\n").encode()))
        await writer.drain()
        # Back to the event loop, so this event leaves on its own before the next one is made.
        await asyncio.sleep(0)
    end = {"choices": [{"delta": {}, "finish_reason": "stop", "index": 0}], "id": "chatcmpl-bm", "object": "chat.completion.chunk"}
    writer.write(chunk(("data: " + json.dumps(end) + "\n\n").encode()))
    await writer.drain()
    await asyncio.sleep(0)
    writer.write(chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
    await writer.drain()


async def respond(writer, method, path, body):
    if method == "GET" and path == "/healthz":
        writer.write(plain(200, "text/plain", b"ok"))
    elif method == "POST" and path == "/v1/chat/completions:rate":
        writer.write(error(429, "rate limited", "rate_limit_error", [("Retry-After", "1")]))
    elif method == "POST" and path == "/v1/chat/completions:error":
        writer.write(error(500, "internal error", "server_error"))
    elif method == "POST" and path == "/v1/chat/completions":
        parsed = parse_chat(body)
        if parsed is None:
            writer.write(error(400, "malformed request", "invalid_request_error"))
        else:
            req, n, h, prompt = parsed
            if req.get("stream") is True:
                tokens = req.get("max_tokens", 16)
                delay = req.get("bm_delay_us", 0)
                await stream(writer, h, tokens if isinstance(tokens, int) else 16, delay if isinstance(delay, (int, float)) else 0)
                return
            model = req.get("model")
            response = {
                "choices": [{"finish_reason": "stop", "index": 0, "message": {"content": "echo n=%d fnv=%s" % (n, h), "role": "assistant"}}],
                "created": CREATED,
                "id": "chatcmpl-bm",
                "model": model if isinstance(model, str) else "",
                "object": "chat.completion",
                "usage": {"completion_tokens": 3, "prompt_tokens": prompt, "total_tokens": prompt + 3},
            }
            writer.write(plain(200, "application/json", json.dumps(response).encode()))
    else:
        writer.write(error(404, "not found", "not_found_error"))
    await writer.drain()


async def connection(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                return
            parts = line.decode("latin-1").split()
            if len(parts) != 3:
                return
            method, target = parts[0], parts[1]
            length, close = 0, False
            for _ in range(100):
                h = await reader.readline()
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                k, v = k.strip().lower(), v.strip()
                if k == "content-length":
                    length = int(v)
                elif k == "connection" and v.lower() == "close":
                    close = True
            if length > MAX_BODY:
                writer.write(error(413, "request too large", "invalid_request_error", [("Connection", "close")]))
                await writer.drain()
                return
            body = await reader.readexactly(length) if length else b""
            await respond(writer, method, target.split("?", 1)[0], body)
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        return
    finally:
        writer.close()


async def serve(port):
    server = await asyncio.start_server(connection, "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write("#bm listening %d\n" % bound)
    sys.stdout.flush()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


def main():
    port = None
    for arg in sys.argv[1:]:
        k, eq, v = arg.partition("=")
        if not eq:
            sys.stderr.write("chat-service: argument `%s` is not key=value\n" % arg)
            sys.exit(2)
        if k == "port":
            port = int(v) if v.isdigit() else -1
    if port is None or not 0 <= port <= 65535:
        sys.stderr.write("chat-service: missing or bad parameter port\n")
        sys.exit(2)
    asyncio.run(serve(port))
    sys.stdout.write("#bm done\n")
    sys.stdout.flush()
    # Connections still open go with the process.
    os._exit(0)


if __name__ == "__main__":
    main()
