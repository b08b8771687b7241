// wordfreq workload for Node.js (see workloads/wordfreq/README.md).
'use strict';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;

function generate(seed, vocabSize, words) {
  // state < 2^31 and state * 48271 < 2^47, so double arithmetic and % are exact.
  let state = seed;

  const vocab = new Array(vocabSize);
  for (let i = 0; i < vocabSize; i++) {
    state = (state * MULTIPLIER) % MODULUS;
    const len = 2 + (state % 7);
    let w = '';
    for (let k = 0; k < len; k++) {
      state = (state * MULTIPLIER) % MODULUS;
      w += String.fromCharCode(97 + (state % 26));
    }
    vocab[i] = w;
  }

  // V8 concatenates into a rope in O(1) per append; the first toLowerCase flattens it.
  let text = '';
  for (let k = 0; k < words; k++) {
    state = (state * MULTIPLIER) % MODULUS;
    const r = state % vocabSize;
    state = (state * MULTIPLIER) % MODULUS;
    const s = state % vocabSize;
    let w = vocab[Math.floor((r * s) / vocabSize)];
    state = (state * MULTIPLIER) % MODULUS;
    const c = state % 10;
    if (c === 0) w = w.toUpperCase();
    else if (c === 1) w = w[0].toUpperCase() + w.slice(1);
    state = (state * MULTIPLIER) % MODULUS;
    const p = state % 20;
    text += w + (p === 0 ? '. ' : p === 1 ? ', ' : p === 2 ? '\n' : ' ');
  }

  return text;
}

// The generated text is the read-only input: made on the first call, kept for the next calls
// with the same parameters (README: "What is measured").
let cachedKey = null;
let cachedText = null;

function corpus(seed, vocabSize, words) {
  const key = `${seed}/${vocabSize}/${words}`;
  if (key !== cachedKey) {
    cachedText = generate(seed, vocabSize, words);
    cachedKey = key;
  }
  return cachedText;
}

function run(params) {
  const lower = corpus(params.int('seed'), params.int('vocab'), params.int('words')).toLowerCase();
  // Counted while scanning; each word is a new string from slice() (README: owned keys).
  const counts = new Map();
  let total = 0;
  // A charCodeAt scan beats a /[a-z]+/g regex loop here; charCodeAt past the
  // end is NaN, which ends the inner loop.
  const n = lower.length;
  let i = 0;
  while (i < n) {
    let ch = lower.charCodeAt(i);
    if (ch < 97 || ch > 122) { i++; continue; }
    const start = i;
    do { ch = lower.charCodeAt(++i); } while (ch >= 97 && ch <= 122);
    const w = lower.slice(start, i);
    counts.set(w, (counts.get(w) || 0) + 1);
    total++;
  }

  const entries = Array.from(counts);
  // Plain < compares UTF-16 code units, which is byte order for ASCII words.
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  let out = '';
  const top = Math.min(10, entries.length);
  for (let i = 0; i < top; i++) out += `${entries[i][0]} ${entries[i][1]}\n`;

  let checksum = 0;
  for (const [w, n] of entries) {
    let h = 0;
    for (let i = 0; i < w.length; i++) h += (i + 1) * (w.charCodeAt(i) - 96);
    checksum = (checksum + n * h) % 1000000007;
  }

  out += `distinct ${counts.size}\ntotal ${total}\nchecksum ${checksum}\n`;
  return out;
}

require('./runner.js').main(run);
