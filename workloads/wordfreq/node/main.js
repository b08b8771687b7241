// wordfreq workload for Node.js (see workloads/wordfreq/README.md).
'use strict';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;

function run(params) {
  const seed = params.int('seed');
  const vocabSize = params.int('vocab');
  const words = params.int('words');

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

  // V8 concatenates into a rope in O(1) per append; toLowerCase flattens it once.
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

  const lower = text.toLowerCase();
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
