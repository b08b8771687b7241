// stream workload for Node.js: a toy decoder that emits every token as a server-sent event,
// flushed one by one or buffered until the end (see workloads/stream/README.md).
'use strict';

const fs = require('fs');

const MODULUS = 2147483647;
const MULTIPLIER = 48271;

// The read-only model, built once per process for one (seed, vocab, dim).
let model = null;

function buildModel(seed, vocab, dim) {
  // state < 2^31 and state * 48271 < 2^47, so double arithmetic and % are exact.
  let state = seed;
  const words = new Array(vocab);
  for (let v = 0; v < vocab; v++) {
    state = (state * MULTIPLIER) % MODULUS;
    const len = 2 + (state % 7);
    let word = '';
    for (let k = 0; k < len; k++) {
      state = (state * MULTIPLIER) % MODULUS;
      word += String.fromCharCode(97 + (state % 26));
    }
    words[v] = word;
  }
  const weights = (n) => {
    const a = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      state = (state * MULTIPLIER) % MODULUS;
      a[k] = 2.0 * (state / 2147483647.0) - 1.0;
    }
    return a;
  };
  const w = weights(vocab * dim); // vocab x dim, row-major
  const e = weights(vocab * dim); // vocab x dim, row-major
  const h0 = weights(dim);
  return { seed, vocab, dim, words, w, e, h0, decodeState: state };
}

/**
 * Writes all of `text` to stdout at once, the way the runner writes its protocol lines
 * (fs.writeSync on fd 1), so events and protocol lines keep their order. Not
 * process.stdout.write: on a pipe that is full it queues the data and returns, so an event
 * could overtake, or lag behind, the runner's lines and leave the timed iteration.
 */
function emit(text) {
  const buf = Buffer.from(text, 'latin1'); // the events are ASCII
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      // A non-blocking pipe inherited from the parent can report EAGAIN; retry, as the runner does.
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function checkGenerator() {
  let state = 42;
  for (const expected of [2027382, 1226992407, 551494037]) {
    state = (state * MULTIPLIER) % MODULUS;
    if (state !== expected) throw new Error(`generator test vector mismatch: expected ${expected}, got ${state}`);
  }
}

function run(params) {
  checkGenerator();
  const seed = params.int('seed');
  const vocab = params.int('vocab');
  const dim = params.int('dim');
  const tokens = params.int('tokens');
  const mode = params.str('mode');
  if (mode !== 'flushed' && mode !== 'buffered') throw new Error(`parameter mode=${mode} must be flushed or buffered`);
  if (seed < 1 || seed >= MODULUS || vocab < 1 || dim < 1 || tokens < 1) {
    throw new Error('need 1 <= seed < 2^31-1 and vocab, dim, tokens >= 1');
  }
  const flushed = mode === 'flushed';
  if (model === null || model.seed !== seed || model.vocab !== vocab || model.dim !== dim) {
    model = buildModel(seed, vocab, dim);
  }
  const { words, w, e } = model;

  let state = model.decodeState;
  const h = Float64Array.from(model.h0);
  let checksum = 2166136261;
  let bytes = 0;
  let buffer = '';
  let best = 0;
  for (let i = 0; i < tokens; i++) {
    // logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
    best = 0;
    let bestLogit = 0.0;
    for (let v = 0; v < vocab; v++) {
      const row = v * dim;
      let s = 0.0;
      for (let j = 0; j < dim; j++) s += w[row + j] * h[j];
      if (v === 0 || s > bestLogit) {
        best = v;
        bestLogit = s;
      }
    }

    const event = `data: {"index":${i},"token":"${words[best]}"}\n\n`;
    // The event is ASCII: one byte per UTF-16 code unit. Math.imul wraps to 32 bits, >>> 0 makes it unsigned.
    for (let k = 0; k < event.length; k++) checksum = Math.imul(checksum ^ event.charCodeAt(k), 16777619) >>> 0;
    bytes += event.length;
    if (flushed) {
      emit(event);
    } else {
      buffer += event;
    }

    const row = best * dim;
    for (let j = 0; j < dim; j++) {
      state = (state * MULTIPLIER) % MODULUS;
      h[j] = 0.5 * ((h[j] + e[row + j]) + (state / 2147483647.0 - 0.5));
    }
  }
  if (!flushed) emit(buffer);
  return `tokens ${tokens}\nbytes ${bytes}\nchecksum ${checksum}\nlast ${words[best]}\n`;
}

require('./runner.js').main(run);
