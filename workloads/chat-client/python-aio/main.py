# chat-client workload on Python's asyncio libraries (workloads/chat-client/README.md): an
# OpenAI-style chat-completions client with aiohttp's ClientSession over a
# TCPConnector(limit=C) keep-alive pool (at most C connections) and the standard json module,
# with C asyncio tasks on one event loop (the standard library's loop, from asyncio.run: not
# uvloop), each sending its next request when its answer is complete. Streams are parsed as
# SSE from resp.content as the chunks arrive.
import asyncio
import json
import re
import time
from urllib.parse import urlsplit

import aiohttp

from runner import main

PATH = "/v1/chat/completions"
HEADERS = {"Content-Type": "application/json"}
ECHO_RE = re.compile(r"echo n=[0-9]+ fnv=([0-9a-f]{8})")
HEX8_RE = re.compile(r"[0-9a-f]{8}")


def content(n):
    """'Hello, world! ' repeated and cut to exactly n bytes (ASCII, so characters are bytes)."""
    unit = "Hello, world! "
    return (unit * (n // len(unit) + 1))[:n]


def payload(length, max_tokens, stream):
    """The request body, serialised once per phase with json and reused by all its requests."""
    return json.dumps({
        "max_tokens": max_tokens,
        "messages": [
            {"content": "You are a benchmark.", "role": "system"},
            {"content": content(length), "role": "user"},
        ],
        "model": "bm-echo",
        "stream": stream,
    }).encode("utf-8")


class Stats:
    """One task's (then one phase's) tallies."""

    def __init__(self):
        self.requests = self.ok = self.status = self.malformed = self.timeout = self.connect = 0
        self.retries = self.bytes = self.tokens = self.checksum = self.ns = 0
        self.lat = []
        self.ttfb = []

    def add(self, o):
        self.ok += o.ok
        self.status += o.status
        self.malformed += o.malformed
        self.timeout += o.timeout
        self.connect += o.connect
        self.retries += o.retries
        self.bytes += o.bytes
        self.tokens += o.tokens
        self.checksum = (self.checksum + o.checksum) & 0xFFFFFFFF
        self.lat.extend(o.lat)
        self.ttfb.extend(o.ttfb)


class Timeout(Exception):
    """The answer was whole only after timeout_ms."""


def retry_delay(resp):
    """The wait a 429 asks for, in seconds: retry-after-ms if present, else Retry-After."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = resp.headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) * scale)
            except ValueError:
                pass
    return 0.0


def check_plain(data):
    """A plain answer's h as an unsigned 32-bit number, or -1 when it has the wrong shape."""
    try:
        c = json.loads(data)["choices"][0]["message"]["content"]
    except (ValueError, LookupError, TypeError):
        return -1
    if not isinstance(c, str):
        return -1
    m = ECHO_RE.fullmatch(c)
    return int(m.group(1), 16) if m else -1


def check_stream(text, tokens):
    """The stream's h when its deltas are exactly '<h>:0 <h>:1 ... <h>:<T-1> ', else -1."""
    h = text[:8]
    if not HEX8_RE.fullmatch(h):
        return -1
    expected = "".join(f"{h}:{i} " for i in range(tokens))
    return int(h, 16) if text == expected else -1


async def read_stream(resp, st):
    """Reads a streamed answer chunk by chunk as it arrives (resp.content.readany) and parses
    it as SSE (events separated by blank lines, their `data: ` lines JSON until `[DONE]`).
    Returns the concatenated deltas (None when an event does not parse or has the wrong shape,
    or [DONE] never came) and the clock at the first event with a non-empty delta (None if
    none)."""
    buf = b""
    parts = []
    first = None
    done = bad = False
    while True:
        chunk = await resp.content.readany()
        if not chunk:
            break
        st.bytes += len(chunk)
        buf += chunk
        while True:
            i = buf.find(b"\n\n")
            if i < 0:
                break
            event = buf[:i]
            buf = buf[i + 2:]
            if done or bad:
                continue  # the rest is still read, so the connection goes back to the pool
            data = None
            for line in event.split(b"\n"):
                if line.startswith(b"data: "):
                    data = line[6:] if data is None else data + b"\n" + line[6:]
            if data is None:
                continue  # a comment or a field other than data
            if data == b"[DONE]":
                done = True
                continue
            try:
                delta = json.loads(data)["choices"][0]["delta"]
            except (ValueError, LookupError, TypeError):
                bad = True
                continue
            if not isinstance(delta, dict):
                bad = True
                continue
            c = delta.get("content")
            if c is None:
                continue  # the finish event's empty delta
            if not isinstance(c, str):
                bad = True
                continue
            if c and first is None:
                first = time.perf_counter_ns()
            parts.append(c)
    return ("".join(parts) if done and not bad else None), first


async def one_request(cfg, session, url, body, stream, st):
    """One request with its 429 retries; adds its outcome to st."""
    t0 = time.perf_counter_ns()
    attempt = 0
    while True:
        deadline = time.perf_counter_ns() + cfg["timeout_ns"]
        text = None  # the plain body, or the stream's concatenated deltas (None: bad shape)
        first = None
        delay = 0.0
        try:
            # The session's total timeout runs from here until the body is read whole (the
            # connection goes back to the pool at the end of the block).
            async with session.post(url, data=body, headers=HEADERS) as resp:
                status = resp.status
                if status == 200 and stream:
                    text, first = await read_stream(resp, st)
                else:
                    data = await resp.read()
                    st.bytes += len(data)
                    text = data
                if status == 429:
                    delay = retry_delay(resp)
            # aiohttp's timer fires from the event loop: an answer completed past the
            # deadline before it did is a timeout all the same.
            if time.perf_counter_ns() > deadline:
                raise Timeout()
        except (Timeout, asyncio.TimeoutError):
            st.timeout += 1
            return
        except (aiohttp.ClientError, OSError):
            st.connect += 1
            return
        if status == 429 and attempt < cfg["retries"]:
            attempt += 1
            st.retries += 1
            await asyncio.sleep(delay)
            continue
        if status != 200:
            st.status += 1
            return
        h = (check_stream(text, cfg["tokens"]) if text is not None else -1) if stream else check_plain(text)
        if h < 0:
            st.malformed += 1
            return
        t1 = time.perf_counter_ns()
        st.ok += 1
        st.checksum = (st.checksum + h) & 0xFFFFFFFF
        st.lat.append((t1 - t0) // 1000)
        if stream:
            st.tokens += cfg["tokens"]
            st.ttfb.append((first - t0) // 1000)
        return


async def phase(cfg, session, route, count, body, stream):
    """Runs count requests at concurrency C (all at once when fewer than C): min(C, count)
    tasks, each taking the next request when its answer is complete."""
    url = cfg["base"] + PATH + route
    state = {"next": 0}

    async def work():
        st = Stats()
        # One event loop: taking the next index needs no lock.
        while state["next"] < count:
            state["next"] += 1
            await one_request(cfg, session, url, body, stream, st)
        return st

    total = Stats()
    total.requests = count
    t0 = time.perf_counter_ns()
    results = await asyncio.gather(*(work() for _ in range(min(cfg["concurrency"], count))))
    total.ns = time.perf_counter_ns() - t0
    for st in results:
        total.add(st)
    return total


def line(name, st):
    return (f"phase {name} requests={st.requests} ok={st.ok} status={st.status} "
            f"malformed={st.malformed} timeout={st.timeout} connect={st.connect} "
            f"retries={st.retries} bytes={st.bytes} tokens={st.tokens} "
            f"checksum={st.checksum:08x} ns={st.ns}\n")


def lat_lines(tag, values):
    """'<tag> <us> <us> ...', at most 1000 numbers a line; nothing when there are none."""
    return "".join(f"{tag} {' '.join(map(str, values[i:i + 1000]))}\n" for i in range(0, len(values), 1000))


async def client(cfg):
    plan = [
        ("warmup", "", cfg["warmup"], False),
        ("chat", "", cfg["requests"], False),
        ("stream", "", cfg["streams"], True),
        ("rate", ":rate", cfg["probe"], False),
        ("error", ":error", cfg["probe"], False),
        ("malformed", ":malformed", cfg["probe"], False),
    ]
    out = []
    results = {}
    # At most C keep-alive connections, kept across phases; the timeout bounds each attempt
    # from its send to its last body byte.
    connector = aiohttp.TCPConnector(limit=cfg["concurrency"])
    timeout = aiohttp.ClientTimeout(total=cfg["timeout_ns"] / 1e9)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for name, route, count, stream in plan:
            body = payload(cfg["content"], cfg["tokens"], True) if stream else payload(cfg["content"], 16, False)
            results[name] = await phase(cfg, session, route, count, body, stream)
            out.append(line(name, results[name]))
    out.append(lat_lines("lat chat", results["chat"].lat))
    out.append(lat_lines("lat stream", results["stream"].lat))
    out.append(lat_lines("ttfb stream", results["stream"].ttfb))
    return "".join(out)


def run(params):
    base = urlsplit(params.str("base"))
    if base.scheme != "http" or not base.hostname:
        raise ValueError(f"base must be http://host:port, not {params.str('base')}")
    cfg = {
        "base": f"http://{base.hostname}:{base.port or 80}",
        "concurrency": params.int("concurrency"),
        "warmup": params.int("warmup"),
        "requests": params.int("requests"),
        "streams": params.int("streams"),
        "tokens": params.int("tokens"),
        "content": params.int("content"),
        "probe": params.int("probe"),
        "retries": params.int("retries"),
        "timeout_ns": params.int("timeout_ms") * 1_000_000,
    }
    if cfg["concurrency"] < 1:
        raise ValueError("concurrency must be >= 1")
    # The runner calls run() synchronously: one event loop per iteration.
    return asyncio.run(client(cfg))


if __name__ == "__main__":
    main(run)
