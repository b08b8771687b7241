// chat-client workload for Node.js (workloads/chat-client/README.md): an OpenAI-style
// chat-completions client on Node's built-in fetch (undici) and JSON, one event loop with C
// async workers, each sending its next request when its answer is complete.
//
// Connections: Node's fetch sends through undici's global dispatcher, an Agent whose
// per-origin pool has no connection limit. Even with only C requests in flight it opens more
// than C (up to 2C measured): a worker's next request is dispatched in the same tick as the end
// of its answer, before that connection counts as free again. Plain Node exports no way to
// configure it (npm's `undici` package would), so limitConnections() builds an Agent of the
// built-in undici's own class with `connections: C` and installs it where fetch and npm undici's
// setGlobalDispatcher() keep the global dispatcher. Requests then wait for one of at most C
// keep-alive connections, like the other languages' pools.
'use strict';

const PATH = '/v1/chat/completions';
const UTF8 = new TextDecoder();

// "Hello, world! " repeated and cut to exactly n bytes (ASCII, so characters are bytes).
function content(n) {
  const unit = 'Hello, world! ';
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

// The request body, serialised once per phase with JSON and reused by every request of it.
function body(len, maxTokens, stream) {
  return JSON.stringify({
    max_tokens: maxTokens,
    messages: [
      { content: 'You are a benchmark.', role: 'system' },
      { content: content(len), role: 'user' },
    ],
    model: 'bm-echo',
    stream,
  });
}

function nowNs() {
  return process.hrtime.bigint();
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The wait a 429 asks for: retry-after-ms milliseconds if present, else Retry-After seconds.
function retryDelayMs(headers) {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const secs = headers.get('retry-after');
  if (secs !== null && secs.trim() !== '' && Number.isFinite(Number(secs))) return Math.max(0, Number(secs) * 1000);
  return 0;
}

const ECHO_RE = /^echo n=[0-9]+ fnv=([0-9a-f]{8})$/;
const HEX8_RE = /^[0-9a-f]{8}$/;

// A plain answer's h (as an unsigned 32-bit number), or -1 when the body has the wrong shape.
function checkPlain(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return -1;
  }
  const choices = v && v.choices;
  const message = Array.isArray(choices) && choices.length > 0 && choices[0] ? choices[0].message : undefined;
  const c = message ? message.content : undefined;
  if (typeof c !== 'string') return -1;
  const m = ECHO_RE.exec(c);
  return m ? parseInt(m[1], 16) : -1;
}

// A stream's concatenated deltas: its h when they are exactly "<h>:0 <h>:1 ... <h>:<T-1> ",
// else -1.
function checkStream(text, tokens) {
  const h = text.slice(0, 8);
  if (!HEX8_RE.test(h)) return -1;
  let expected = '';
  for (let i = 0; i < tokens; i++) expected += `${h}:${i} `;
  return text === expected ? parseInt(h, 16) : -1;
}

// Reads a stream's body chunk by chunk as it arrives and parses it as SSE: events separated by
// blank lines, their `data: ` lines parsed as JSON until `[DONE]`. Returns the concatenated
// deltas, or null when an event does not parse, has the wrong shape, or [DONE] never came.
// Calls onFirst() at the first event with a non-empty delta (the TTFB).
async function readStream(res, acc, onFirst) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let text = '';
  let done = false;
  let bad = false;
  let first = true;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    acc.bytes += value.byteLength;
    buf += decoder.decode(value, { stream: true });
    let sep;
    while ((sep = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, sep);
      buf = buf.slice(sep + 2);
      if (done || bad) continue; // the rest of the body is still read, so the connection stays reusable
      let data = null;
      for (const line of event.split('\n')) {
        if (line.startsWith('data: ')) data = data === null ? line.slice(6) : `${data}\n${line.slice(6)}`;
      }
      if (data === null) continue; // a comment or a field other than data
      if (data === '[DONE]') {
        done = true;
        continue;
      }
      let v;
      try {
        v = JSON.parse(data);
      } catch (e) {
        bad = true;
        continue;
      }
      const choices = v && v.choices;
      const delta = Array.isArray(choices) && choices.length > 0 && choices[0] ? choices[0].delta : undefined;
      if (delta === null || typeof delta !== 'object') {
        bad = true;
        continue;
      }
      const c = delta.content;
      if (c === undefined || c === null) continue; // the finish event's empty delta
      if (typeof c !== 'string') {
        bad = true;
        continue;
      }
      if (c.length > 0 && first) {
        first = false;
        onFirst();
      }
      text += c;
    }
  }
  return done && !bad ? text : null;
}

// One phase's tallies.
function newStats() {
  return {
    requests: 0, ok: 0, status: 0, malformed: 0, timeout: 0, connect: 0,
    retries: 0, bytes: 0, tokens: 0, checksum: 0, ns: 0n, lat: [], ttfb: [],
  };
}

// One request, with its 429 retries: adds its outcome to `st`.
async function oneRequest(cfg, url, payload, stream, st) {
  const t0 = nowNs();
  let ttfb = -1;
  for (let attempt = 0; ; attempt++) {
    // The timeout covers the whole answer, headers and body: the signal also aborts a body
    // still being read.
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, cfg.timeoutMs);
    let res;
    let text = null; // the plain body, or the stream's concatenated deltas (null: bad shape)
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        signal: ctl.signal,
      });
      if (res.status === 200 && stream) {
        text = await readStream(res, st, () => {
          ttfb = nowNs();
        });
      } else {
        const buf = await res.arrayBuffer();
        st.bytes += buf.byteLength;
        if (res.status === 200) text = UTF8.decode(buf);
      }
    } catch (e) {
      clearTimeout(timer);
      if (timedOut) st.timeout++;
      else st.connect++;
      return;
    }
    clearTimeout(timer);
    if (timedOut) {
      st.timeout++;
      return;
    }
    if (res.status === 429 && attempt < cfg.retries) {
      st.retries++;
      await sleep(retryDelayMs(res.headers));
      continue;
    }
    if (res.status !== 200) {
      st.status++;
      return;
    }
    const h = stream ? (text === null ? -1 : checkStream(text, cfg.tokens)) : checkPlain(text);
    if (h < 0) {
      st.malformed++;
      return;
    }
    const t1 = nowNs();
    st.ok++;
    st.checksum = (st.checksum + h) >>> 0;
    if (stream) st.tokens += cfg.tokens;
    st.lat.push(Number((t1 - t0) / 1000n));
    if (stream) st.ttfb.push(Number((ttfb - t0) / 1000n));
    return;
  }
}

// Runs `count` requests at concurrency C (all at once when fewer than C): min(C, count)
// workers, each taking the next request when its answer is complete.
async function phase(cfg, route, count, payload, stream) {
  const st = newStats();
  st.requests = count;
  const url = cfg.base + PATH + route;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await oneRequest(cfg, url, payload, stream, st);
    }
  };
  const workers = Math.min(cfg.concurrency, count);
  const t0 = nowNs();
  const all = [];
  for (let w = 0; w < workers; w++) all.push(worker());
  await Promise.all(all);
  st.ns = nowNs() - t0;
  return st;
}

function line(name, st) {
  const sum = st.checksum.toString(16).padStart(8, '0');
  return `phase ${name} requests=${st.requests} ok=${st.ok} status=${st.status} malformed=${st.malformed} ` +
    `timeout=${st.timeout} connect=${st.connect} retries=${st.retries} bytes=${st.bytes} tokens=${st.tokens} ` +
    `checksum=${sum} ns=${st.ns}\n`;
}

// "<tag> <us> <us> ...", at most 1000 numbers a line; nothing when there are none.
function latLines(tag, values) {
  let out = '';
  for (let i = 0; i < values.length; i += 1000) out += `${tag} ${values.slice(i, i + 1000).join(' ')}\n`;
  return out;
}

// The global-dispatcher slot shared by Node's built-in fetch and npm's undici.
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

// Installs a global Agent with at most `c` connections per origin (see the top). The built-in
// undici is loaded, and its default Agent created, by the first fetch call: one with an already
// aborted signal loads it without sending anything. Fails loudly if Node changes this.
async function limitConnections(c) {
  try {
    await fetch('http://127.0.0.1/', { signal: AbortSignal.abort() });
  } catch (e) {
    // expected: the signal was aborted before the request was sent
  }
  const current = globalThis[GLOBAL_DISPATCHER];
  if (!current || typeof current.constructor !== 'function' || current.constructor.name !== 'Agent') {
    throw new Error("cannot find the built-in fetch's global undici Agent to limit its connections");
  }
  const Agent = current.constructor;
  globalThis[GLOBAL_DISPATCHER] = new Agent({ connections: c });
  await current.close();
}

async function run(params) {
  const cfg = {
    base: params.str('base').replace(/\/+$/, ''),
    concurrency: params.int('concurrency'),
    warmup: params.int('warmup'),
    requests: params.int('requests'),
    streams: params.int('streams'),
    tokens: params.int('tokens'),
    content: params.int('content'),
    probe: params.int('probe'),
    retries: params.int('retries'),
    timeoutMs: params.int('timeout_ms'),
  };
  if (cfg.concurrency < 1) throw new Error('concurrency must be >= 1');
  await limitConnections(cfg.concurrency);
  const plan = [
    ['warmup', '', cfg.warmup, false],
    ['chat', '', cfg.requests, false],
    ['stream', '', cfg.streams, true],
    ['rate', ':rate', cfg.probe, false],
    ['error', ':error', cfg.probe, false],
    ['malformed', ':malformed', cfg.probe, false],
  ];
  let out = '';
  const results = {};
  for (const [name, route, count, stream] of plan) {
    const payload = stream ? body(cfg.content, cfg.tokens, true) : body(cfg.content, 16, false);
    results[name] = await phase(cfg, route, count, payload, stream);
    out += line(name, results[name]);
  }
  out += latLines('lat chat', results.chat.lat);
  out += latLines('lat stream', results.stream.lat);
  out += latLines('ttfb stream', results.stream.ttfb);
  return out;
}

require('./runner.js').main(run);
