// attention workload for Node.js: one head of scaled dot-product attention (workloads/attention/README.md).
'use strict';

// The head dimension: Q, K and V are [seq, D], row-major.
const D = 64;

// Park-Miller "minimal standard" generator: state * 48271 < 2^47, exact in doubles.
class Rng {
  constructor(seed) {
    this.state = seed;
  }

  next() {
    this.state = (this.state * 48271) % 2147483647;
    return this.state;
  }

  // 2u - 1 with u = next() / 2147483647: uniform in (-1, 1).
  symmetric() {
    return 2.0 * (this.next() / 2147483647.0) - 1.0;
  }
}

function checkGenerator() {
  const rng = new Rng(42);
  for (const expected of [2027382, 1226992407, 551494037]) {
    const got = rng.next();
    if (got !== expected) throw new Error(`generator test vector mismatch: expected ${expected}, got ${got}`);
  }
}

// The read-only inputs, generated once per process (README: "Data"); one Float64Array each.
function buildInputs(seed, seq) {
  const rng = new Rng(seed);
  const matrix = () => {
    const m = new Float64Array(seq * D);
    for (let n = 0; n < m.length; n++) m[n] = rng.symmetric();
    return m;
  };
  const q = matrix();
  const k = matrix();
  const v = matrix();
  return { seed, seq, q, k, v };
}

let inputs = null;

// softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README.
function attention(seq, q, k, v) {
  const scale = Math.sqrt(D);
  const out = new Float64Array(seq * D);
  const scores = new Float64Array(seq);
  for (let i = 0; i < seq; i++) {
    const qi = i * D;
    for (let j = 0; j < seq; j++) {
      const kj = j * D;
      let dot = 0.0;
      for (let d = 0; d < D; d++) dot += q[qi + d] * k[kj + d];
      scores[j] = dot / scale;
    }
    let max = scores[0];
    for (let j = 1; j < seq; j++) if (scores[j] > max) max = scores[j];
    let sum = 0.0;
    for (let j = 0; j < seq; j++) {
      scores[j] = Math.exp(scores[j] - max);
      sum += scores[j];
    }
    // out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
    for (let j = 0; j < seq; j++) {
      const p = scores[j] / sum;
      const vj = j * D;
      for (let d = 0; d < D; d++) out[qi + d] += p * v[vj + d];
    }
  }
  return out;
}

function run(params) {
  checkGenerator();
  const seed = params.int('seed');
  if (seed < 1 || seed >= 2147483647) throw new Error(`seed must be in 1..2147483646, got ${seed}`);
  const seq = params.int('seq');
  if (seq < 1 || seq > 65536) throw new Error(`seq must be in 1..65536, got ${seq}`);
  if (inputs === null) inputs = buildInputs(seed, seq);
  else if (inputs.seed !== seed || inputs.seq !== seq) throw new Error('the parameters changed within the process');

  const out = attention(seq, inputs.q, inputs.k, inputs.v);

  let sum = 0.0;
  let sumsq = 0.0;
  for (let n = 0; n < out.length; n++) {
    sum += out[n];
    sumsq += out[n] * out[n];
  }
  // toFixed rounds the exact binary value like C's %.9f (but drops the sign of a negative zero,
  // which the numeric comparison accepts).
  let text = `seq ${seq}\nsum ${sum.toFixed(9)}\nsumsq ${sumsq.toFixed(9)}\n`;
  for (const [r, c] of [[0, 0], [seq >> 1, D >> 1], [seq - 1, D - 1]]) {
    text += `out ${r} ${c} ${out[r * D + c].toFixed(9)}\n`;
  }
  return text;
}

require('./runner.js').main(run);
