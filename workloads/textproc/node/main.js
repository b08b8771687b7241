// textproc workload for Node.js: normalise, tokenise and embed one document of a generated
// corpus per iteration (see workloads/textproc/README.md).
'use strict';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
const DIM = 64;
// Indexed by next() mod 16.
const SEPARATORS = ['. ', ', ', '; ', '! ', '? ', ' - ', '\n', '\n\n', '\t', '  ', '   ', "'", '-', ' ', ' ', ' '];

function checkGenerator() {
  let state = 42;
  for (const expected of [2027382, 1226992407, 551494037]) {
    state = (state * MULTIPLIER) % MODULUS;
    if (state !== expected) throw new Error(`generator test vector mismatch: expected ${expected}, got ${state}`);
  }
}

// state < 2^31 and state * 48271 < 2^47, so double arithmetic and % are exact.
class Rng {
  constructor(seed) {
    this.state = seed;
  }

  next() {
    this.state = (this.state * MULTIPLIER) % MODULUS;
    return this.state;
  }
}

function document(rng, vocab, chars) {
  const n = vocab.length;
  let text = ' '.repeat(rng.next() % 3);
  while (text.length < chars) {
    if (rng.next() % 16 === 0) {
      text += String(rng.next() % 10000);
    } else {
      const r = rng.next() % n;
      const s = rng.next() % n;
      const w = vocab[Math.floor((r * s) / n)];
      const c = rng.next() % 8;
      if (c === 0) text += w.toUpperCase();
      else if (c === 1) text += w[0].toUpperCase() + w.slice(1);
      else if (c === 2) {
        for (const ch of w) text += rng.next() % 2 === 1 ? ch.toUpperCase() : ch;
      } else text += w;
    }
    text += SEPARATORS[rng.next() % 16];
  }
  return text.slice(0, chars);
}

// FNV-1a, 32 bits: Math.imul is the 32-bit wrapping product; >>> 0 reads it as unsigned.
function fnv1a(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

// Everything the README's "per document" section does, for one document.
function embed(doc) {
  // The text is ASCII, so toLowerCase is ASCII lowercasing.
  const norm = doc.toLowerCase().replace(/[ \t\n\r]+/g, ' ').trim();
  const tokens = norm.match(/[a-z0-9]+/g) || [];
  const counts = new Map();
  for (const t of tokens) counts.set(t, (counts.get(t) || 0) + 1);
  const v = new Float64Array(DIM);
  for (const [token, n] of counts) {
    const h = fnv1a(token);
    v[h % DIM] += h >= 0x80000000 ? -n : n;
  }
  let ss = 0;
  for (let b = 0; b < DIM; b++) ss += v[b] * v[b];
  if (ss > 0) {
    const norm2 = Math.sqrt(ss);
    for (let b = 0; b < DIM; b++) v[b] = v[b] / norm2;
  }
  return { norm, tokens: tokens.length, vocabulary: counts.size, embedding: v };
}

// The read-only input, built once per process on the first call (see the README).
let corpus = null;

function buildCorpus(seed, docs, chars, nvocab) {
  const rng = new Rng(seed);
  const vocab = [];
  for (let i = 0; i < nvocab; i++) {
    const len = 1 + (rng.next() % 9);
    let w = '';
    for (let k = 0; k < len; k++) w += String.fromCharCode(97 + (rng.next() % 26));
    vocab.push(w);
  }
  const query = document(rng, vocab, chars);
  const texts = [];
  for (let d = 0; d < docs; d++) texts.push(document(rng, vocab, chars));
  return { texts, query: embed(query).embedding };
}

function run(params) {
  checkGenerator();
  const seed = params.int('seed');
  const docs = params.int('docs');
  const chars = params.int('chars');
  const nvocab = params.int('vocab');
  if (!(seed >= 1 && seed < MODULUS && docs >= 1 && chars >= 1 && nvocab >= 1 && nvocab <= 67108864)) {
    throw new Error('need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26');
  }
  if (corpus === null) corpus = buildCorpus(seed, docs, chars, nvocab);
  const unit = params.iteration % docs;

  const e = embed(corpus.texts[unit]);
  const v = e.embedding;
  const q = corpus.query;
  let checksum = 0;
  for (let b = 0; b < DIM; b++) checksum += (b + 1) * v[b];
  let cosine = 0;
  for (let b = 0; b < DIM; b++) cosine += v[b] * q[b];
  // toFixed rounds the exact binary value like C's %.6f.
  return `doc ${unit} chars ${e.norm.length} tokens ${e.tokens} vocab ${e.vocabulary} ` +
    `checksum ${checksum.toFixed(6)} cosine ${cosine.toFixed(6)}\n`;
}

require('./runner.js').main(run);
