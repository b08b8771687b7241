// mlp workload for Node.js: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).
'use strict';

const SIZES = [256, 512, 256, 10];
// Weights are (2u - 1) * WEIGHT_SCALE[layer], biases (2u - 1) * BIAS_SCALE, inputs 2u - 1.
const WEIGHT_SCALE = [0.15, 0.1, 0.15];
const BIAS_SCALE = 0.01;
// The batch: iteration i serves request i mod BATCH.
const BATCH = 8;

// Park-Miller "minimal standard" generator: state * 48271 < 2^47, exact in doubles.
class Rng {
  constructor(seed) {
    this.state = seed;
  }

  next() {
    this.state = (this.state * 48271) % 2147483647;
    return this.state;
  }

  // (2u - 1) * scale with u = next() / 2147483647: uniform in (-scale, scale).
  symmetric(scale) {
    return (2.0 * (this.next() / 2147483647.0) - 1.0) * scale;
  }
}

function checkGenerator() {
  const rng = new Rng(42);
  for (const expected of [2027382, 1226992407, 551494037]) {
    const got = rng.next();
    if (got !== expected) throw new Error(`generator test vector mismatch: expected ${expected}, got ${got}`);
  }
}

// A Float64Array per layer: JavaScript's array of unboxed doubles (README: "Data layout").
function vector(length, rng, scale) {
  const v = new Float64Array(length);
  for (let k = 0; k < length; k++) v[k] = rng.symmetric(scale);
  return v;
}

// The read-only model and its batch of inputs, built once per process (README: "Data").
function buildModel(seed) {
  const rng = new Rng(seed);
  const layers = [];
  for (let l = 0; l < 3; l++) {
    const inputs = SIZES[l];
    const outputs = SIZES[l + 1];
    const weights = vector(inputs * outputs, rng, WEIGHT_SCALE[l]);
    const biases = vector(outputs, rng, BIAS_SCALE);
    layers.push({ inputs, outputs, weights, biases });
  }
  const requests = [];
  for (let r = 0; r < BATCH; r++) requests.push(vector(SIZES[0], rng, 1.0));
  return { seed, layers, requests };
}

let model = null;

// y = W x + b, each dot product summed in index order; ReLU unless it is the last layer.
function dense(layer, x, relu) {
  const n = layer.inputs;
  const w = layer.weights;
  const b = layer.biases;
  const y = new Float64Array(layer.outputs);
  for (let o = 0; o < layer.outputs; o++) {
    const base = o * n;
    let acc = 0.0;
    for (let i = 0; i < n; i++) acc += w[base + i] * x[i];
    const z = acc + b[o];
    y[o] = relu && !(z > 0.0) ? 0.0 : z;
  }
  return y;
}

function run(params) {
  checkGenerator();
  const seed = params.int('seed');
  if (seed < 1 || seed >= 2147483647) throw new Error(`seed must be in 1..2147483646, got ${seed}`);
  if (model === null) model = buildModel(seed);
  else if (model.seed !== seed) throw new Error('the seed changed within the process');
  const request = params.iteration % BATCH;

  let x = dense(model.layers[0], model.requests[request], true);
  x = dense(model.layers[1], x, true);
  const logits = dense(model.layers[2], x, false);

  let max = logits[0];
  for (let k = 1; k < logits.length; k++) if (logits[k] > max) max = logits[k];
  const probs = new Float64Array(logits.length);
  let sum = 0.0;
  for (let k = 0; k < logits.length; k++) {
    probs[k] = Math.exp(logits[k] - max);
    sum += probs[k];
  }
  for (let k = 0; k < probs.length; k++) probs[k] /= sum;

  let cls = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k] > probs[cls]) cls = k;
  let checksum = 0.0;
  for (let k = 0; k < probs.length; k++) checksum += (k + 1) * probs[k];
  // toFixed rounds the exact binary value like C's %.9f; both values are positive.
  return `request ${request} class ${cls} p ${probs[cls].toFixed(9)} checksum ${checksum.toFixed(9)}\n`;
}

require('./runner.js').main(run);
