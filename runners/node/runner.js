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
    this.current = 0;
  }

  // The index of the current iteration, 0-based, warm-ups included; with bm.cycle=D the
  // unit is iteration % D. Set by the runner before each iteration.
  get iteration() {
    return this.current;
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
  let cycle = 1;
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
    } else if (key === 'bm.cycle') {
      cycle = parseInt10(key, value);
      if (cycle < 1) usageError('bm.cycle must be >= 1');
    } else if (key.startsWith('bm.')) {
      usageError(`unknown runner option ${key}`);
    } else {
      params.set(key, value);
    }
  }
  const total = warmup + iterations;
  if (cycle > total) usageError(`bm.cycle=${cycle} is more than bm.warmup + bm.iterations = ${total}`);
  const p = new Params(params);

  // The results of iterations 0..cycle; every later one is compared with the one a cycle
  // before, which (by induction) equals units[i % cycle]. Only `cycle` results are kept.
  const units = [];
  writeOut('#bm ready\n');
  try {
    for (let i = 0; i < total; i++) {
      p.current = i;
      const t0 = process.hrtime.bigint();
      const result = run(p);
      const t1 = process.hrtime.bigint();
      // An async workload (a client) returns a Promise: the iteration then ends when it settles,
      // so it and the rest of the run continue on the event loop (runAsync). Tested after t1,
      // so a synchronous workload's timed region is exactly what it was.
      if (isThenable(result)) {
        runAsync(run, p, i, t0, result, warmup, total, cycle, units);
        return;
      }
      writeOut(`#bm iter ${i} ${i < warmup ? 'warmup' : 'measured'} ${t1 - t0}\n`);
      if (typeof result !== 'string') fatal(`run() returned ${typeof result}, not a string`, 1);
      if (i < cycle) units.push(result);
      else if (result !== units[i % cycle]) fatal(`nondeterministic result at iteration ${i}`, 3);
    }
  } catch (e) {
    workloadFailed(e);
  }
  finish(units);
}

function isThenable(x) {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof x.then === 'function';
}

function workloadFailed(e) {
  fs.writeSync(2, `${e && e.stack ? e.stack : e}\n`);
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  fatal(`workload failed: ${what.split('\n')[0]}`, 1);
}

// The loop of main() from iteration i on, for a run() that returned the thenable `pending`
// (started at t0): each iteration's time runs from just before run() to when its result is
// awaited, so it covers the asynchronous work.
async function runAsync(run, p, i, t0, pending, warmup, total, cycle, units) {
  try {
    for (;;) {
      const result = await pending;
      const t1 = process.hrtime.bigint();
      writeOut(`#bm iter ${i} ${i < warmup ? 'warmup' : 'measured'} ${t1 - t0}\n`);
      if (typeof result !== 'string') fatal(`run() returned ${typeof result}, not a string`, 1);
      if (i < cycle) units.push(result);
      else if (result !== units[i % cycle]) fatal(`nondeterministic result at iteration ${i}`, 3);
      if (++i >= total) break;
      p.current = i;
      t0 = process.hrtime.bigint();
      pending = run(p);
    }
  } catch (e) {
    workloadFailed(e);
  }
  finish(units);
}

function finish(units) {
  let out = '';
  for (const unit of units) out += unit.length === 0 || unit.endsWith('\n') ? unit : unit + '\n';
  writeOut(out);
  writeOut('#bm done\n');
}

module.exports = { main };
