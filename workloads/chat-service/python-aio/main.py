# chat-service on Python's asyncio libraries: a plain ASGI application (no framework) served
# by uvicorn, one process, one event loop (the standard library's asyncio loop, pinned, and
# uvicorn's h11 protocol: targets/python-aio.toml says why), with the standard json module.
# The protocol: runners/SERVICE.md; what is computed: workloads/chat-service/README.md. The
# runner is not loaded: a service has no timed iterations.
import asyncio
import json
import os
import socket
import sys

import uvicorn

MAX_BODY = 1 << 20
CREATED = 1700000000
# Past the launcher's 2 s grace period a server is killed: uvicorn's own shutdown would wait
# for every request in flight without bound, so it is cut short well before that.
GRACE_S = 1.0
JSON = [(b"content-type", b"application/json")]


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h


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


async def plain(send, status, headers, body):
    # A body without more_body: uvicorn sends it with its Content-Length.
    await send({"type": "http.response.start", "status": status, "headers": headers + [(b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


async def error(send, status, message, kind, extra=()):
    body = json.dumps({"error": {"message": message, "type": kind}}).encode()
    await plain(send, status, JSON + list(extra), body)


def event(data):
    return ("data: " + json.dumps(data) + "\n\n").encode()


async def stream(send, receive, h, tokens, delay_us):
    # The body has been read, so receive() now returns only when the client goes away. uvicorn
    # then drops what is sent without a word: without this watch a stream whose client left
    # would go on to its last token (the held streams ask for thousands, 250 ms apart).
    gone = asyncio.ensure_future(receive())
    try:
        await stream_events(send, gone, h, tokens, delay_us)
    finally:
        gone.cancel()


async def stream_events(send, gone, h, tokens, delay_us):
    # No Content-Length: uvicorn (h11) frames the body as chunked, one chunk per send.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]})
    for i in range(tokens):
        if delay_us > 0:
            await asyncio.sleep(delay_us / 1e6)
        if gone.done():
            return
        delta = {"choices": [{"delta": {"content": "%s:%d " % (h, i)}, "finish_reason": None, "index": 0}], "id": "chatcmpl-bm", "object": "chat.completion.chunk"}
        await send({"type": "http.response.body", "body": event(delta), "more_body": True})
        # Back to the event loop, so this event leaves on its own before the next one is made.
        await asyncio.sleep(0)
    end = {"choices": [{"delta": {}, "finish_reason": "stop", "index": 0}], "id": "chatcmpl-bm", "object": "chat.completion.chunk"}
    await send({"type": "http.response.body", "body": event(end), "more_body": True})
    await asyncio.sleep(0)
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


async def read_body(scope, receive):
    """The whole request body, or None when it is over MAX_BODY (or the client left)."""
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > MAX_BODY:
            return None
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        part = message.get("body", b"")
        size += len(part)
        if size > MAX_BODY:
            return None
        parts.append(part)
        if not message.get("more_body", False):
            return b"".join(parts)


async def chat(send, receive, body):
    parsed = parse_chat(body)
    if parsed is None:
        await error(send, 400, "malformed request", "invalid_request_error")
        return
    req, n, h, prompt = parsed
    if req.get("stream") is True:
        tokens = req.get("max_tokens", 16)
        delay = req.get("bm_delay_us", 0)
        await stream(send, receive, h, tokens if isinstance(tokens, int) else 16, delay if isinstance(delay, (int, float)) else 0)
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
    await plain(send, 200, JSON, json.dumps(response).encode())


async def app(scope, receive, send):
    """The ASGI application (uvicorn runs it with lifespan off, so every scope is http)."""
    if scope["type"] != "http":
        return
    # Read whole before routing, so the connection is ready for its next request.
    body = await read_body(scope, receive)
    if body is None:
        # The rest of the body is not read: the connection is closed after the answer.
        await error(send, 413, "request too large", "invalid_request_error", [(b"connection", b"close")])
        return
    method, path = scope["method"], scope["path"]
    if method == "GET" and path == "/healthz":
        await plain(send, 200, [(b"content-type", b"text/plain")], b"ok")
    elif method == "POST" and path == "/v1/chat/completions:rate":
        await error(send, 429, "rate limited", "rate_limit_error", [(b"retry-after", b"1")])
    elif method == "POST" and path == "/v1/chat/completions:error":
        await error(send, 500, "internal error", "server_error")
    elif method == "POST" and path == "/v1/chat/completions":
        await chat(send, receive, body)
    else:
        await error(send, 404, "not found", "not_found_error")


class Server(uvicorn.Server):
    """uvicorn's server, saying when it listens and bounding its graceful stop. uvicorn's own
    SIGTERM handler (installed by serve) only asks the main loop to stop."""

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        # `started` is set once the socket is being served; a failed startup leaves it unset.
        if self.started:
            port = sockets[0].getsockname()[1]
            sys.stdout.write("#bm listening %d\n" % port)
            sys.stdout.flush()

    async def shutdown(self, sockets=None):
        asyncio.get_running_loop().call_later(GRACE_S, setattr, self, "force_exit", True)
        await super().shutdown(sockets=sockets)


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
    # Bound here, not by uvicorn: given port 0, uvicorn does not say which port it got. The
    # protocol is named: asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP
    # (accepted ones inherit it), and with Nagle on, uvicorn's separate writes of head and
    # body wait for the client's delayed ACK (40 ms a request).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        # Pinned, not "auto" (which takes uvloop and httptools when the host has them).
        loop="asyncio",
        http="h11",
        ws="none",
        lifespan="off",
        interface="asgi3",
        workers=1,
        access_log=False,
        log_level="warning",
    )
    # server.run would call config.setup_event_loop, which for "asyncio" changes nothing;
    # asyncio.run gives the standard loop either way.
    asyncio.run(serve(Server(config), sock))


async def serve(server, sock):
    await server.serve(sockets=[sock])
    if not server.started:
        sys.exit(1)
    sys.stdout.write("#bm done\n")
    sys.stdout.flush()
    # Exits here, not after asyncio.run: the requests still in flight past the grace period
    # go with the process, instead of each being cancelled and its traceback logged.
    os._exit(0)


if __name__ == "__main__":
    main()
