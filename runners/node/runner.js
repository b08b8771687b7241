// benchmatrix runner for Node.js: speaks runners/PROTOCOL.md around a workload's run(params).
'use strict';

const fs = require('fs');

// Synchronous writes to fd 1 keep protocol lines ordered and unbuffered, and
// cannot be lost by an exit while an async stream still holds data.
function writeOut(text) {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off, buf.length - off);
    } catch (e) {
      // A non-blocking pipe inherited from the parent can report EAGAIN; retry.
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

function usageError(message) {
  fs.writeSync(2, `bm: ${message}\n`);
  process.exit(2);
}

function fatal(message, status) {
  writeOut(`#bm error ${message}\n`);
  process.exit(status);
}

// Only plain decimal integers are accepted; Number() alone would also take
// "0x10", "1e3" or "" and silently turn them into numbers.
const INT_RE = /^-?[0-9]+$/;

function parseInt10(key, value) {
  if (!INT_RE.test(value)) usageError(`parameter ${key}=${value} is not a decimal integer`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) usageError(`parameter ${key}=${value} is out of range`);
  return n;
}

class Params {
  constructor(map) {
    this.map = map;
  }

  int(key) {
    const value = this.map.get(key);
    if (value === undefined) usageError(`missing parameter ${key}`);
    return parseInt10(key, value);
  }

  str(key) {
    const value = this.map.get(key);
    if (value === undefined) usageError(`missing parameter ${key}`);
    return value;
  }
}

function main(run) {
  const params = new Map();
  let warmup = 0;
  let iterations = 1;
  for (const arg of process.argv.slice(2)) {
    const eq = arg.indexOf('=');
    if (eq <= 0) usageError(`argument "${arg}" is not key=value`);
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (key === 'bm.warmup') {
      warmup = parseInt10(key, value);
      if (warmup < 0) usageError('bm.warmup must be >= 0');
    } else if (key === 'bm.iterations') {
      iterations = parseInt10(key, value);
      if (iterations < 1) usageError('bm.iterations must be >= 1');
    } else if (key.startsWith('bm.')) {
      usageError(`unknown runner option ${key}`);
    } else {
      params.set(key, value);
    }
  }
  const p = new Params(params);

  const total = warmup + iterations;
  const results = new Array(total);
  writeOut('#bm ready\n');
  try {
    for (let i = 0; i < total; i++) {
      const t0 = process.hrtime.bigint();
      const result = run(p);
      const t1 = process.hrtime.bigint();
      results[i] = result;
      writeOut(`#bm iter ${i} ${i < warmup ? 'warmup' : 'measured'} ${t1 - t0}\n`);
      if (typeof result !== 'string') fatal(`run() returned ${typeof result}, not a string`, 1);
      if (result !== results[0]) fatal(`nondeterministic result at iteration ${i}`, 3);
    }
  } catch (e) {
    fs.writeSync(2, `${e && e.stack ? e.stack : e}\n`);
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    fatal(`workload failed: ${what.split('\n')[0]}`, 1);
  }

  const out = results[0];
  writeOut(out.length === 0 || out.endsWith('\n') ? out : out + '\n');
  writeOut('#bm done\n');
}

module.exports = { main };
