// bpe workload for Node.js: learn byte-pair-encoding merges from a generated corpus, then encode
// a held-out text with them (see workloads/bpe/README.md).
'use strict';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
const CHECKSUM_MODULUS = 1000000007;
const SHOWN_MERGES = 8;
const CONSONANTS = 'bcdfghjklmnprstvwz';
const VOWELS = 'aeiou';

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

function makeWord(rng) {
  let w = '';
  const syllables = 1 + (rng.next() % 3);
  for (let k = 0; k < syllables; k++) {
    w += CONSONANTS[rng.next() % CONSONANTS.length];
    w += VOWELS[rng.next() % VOWELS.length];
    if (rng.next() % 4 === 0) w += CONSONANTS[rng.next() % CONSONANTS.length];
  }
  return w;
}

// `count` words of `vocab`, skewed towards its start, joined by single spaces.
function textOf(rng, vocab, count, withNewWords) {
  const n = vocab.length;
  const words = [];
  for (let k = 0; k < count; k++) {
    if (withNewWords && rng.next() % 10 === 0) {
      words.push(makeWord(rng));
    } else {
      const r = rng.next() % n;
      const s = rng.next() % n;
      words.push(vocab[Math.floor((r * s) / n)]);
    }
  }
  return words.join(' ');
}

// The read-only input, built once per process on the first call (see the README).
let texts = null;

function buildTexts(params) {
  const seed = params.int('seed');
  const nvocab = params.int('vocab');
  const nwords = params.int('words');
  const testSeed = params.int('test_seed');
  const testWords = params.int('test_words');
  if (!(seed >= 1 && seed < MODULUS && testSeed >= 1 && testSeed < MODULUS && nvocab >= 1 && nvocab <= 67108864 &&
        nwords >= 1 && testWords >= 1)) {
    throw new Error('need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1');
  }
  const rng = new Rng(seed);
  const vocab = [];
  for (let i = 0; i < nvocab; i++) vocab.push(makeWord(rng));
  const corpus = textOf(rng, vocab, nwords, false);
  const heldout = textOf(new Rng(testSeed), vocab, testWords, true);
  return { corpus, heldout };
}

// Pre-tokenisation: each chunk is a word with the space before it (none for the first word).
function chunks(text) {
  const words = text.split(' ');
  const out = [words[0]];
  for (let i = 1; i < words.length; i++) out.push(' ' + words[i]);
  return out;
}

function symbols(chunk) {
  const s = new Array(chunk.length);
  for (let i = 0; i < chunk.length; i++) s[i] = chunk.charCodeAt(i); // ASCII: the code is the byte
  return s;
}

// Replaces every occurrence of (a, b), left to right and not overlapping, by id, in place.
function merge(s, a, b, id) {
  const n = s.length;
  let j = 0;
  for (let i = 0; i < n; j++) {
    if (i + 1 < n && s[i] === a && s[i + 1] === b) {
      s[j] = id;
      i += 2;
    } else {
      s[j] = s[i];
      i += 1;
    }
  }
  s.length = j;
}

function run(params) {
  checkGenerator();
  const mergesWanted = params.int('merges');
  if (!(mergesWanted >= 0 && mergesWanted <= 32512)) throw new Error('need 0 <= merges <= 32512');
  if (texts === null) texts = buildTexts(params);

  // Learn: the distinct chunks with their counts, each as a sequence of symbols (bytes first).
  const chunkCounts = new Map();
  for (const c of chunks(texts.corpus)) chunkCounts.set(c, (chunkCounts.get(c) || 0) + 1);
  const words = [];
  for (const [c, n] of chunkCounts) words.push({ s: symbols(c), count: n });

  const merges = [];
  const pairs = new Map();
  for (let m = 0; m < mergesWanted; m++) {
    pairs.clear();
    for (const { s, count } of words) {
      for (let i = 0; i + 1 < s.length; i++) {
        const k = s[i] * 65536 + s[i + 1];
        pairs.set(k, (pairs.get(k) || 0) + count);
      }
    }
    if (pairs.size === 0) break;
    let best = 0;
    let bestCount = 0;
    for (const [k, count] of pairs) {
      if (count > bestCount || (count === bestCount && k < best)) {
        best = k;
        bestCount = count;
      }
    }
    const a = best >>> 16;
    const b = best & 0xffff;
    merges.push([a, b, bestCount]);
    for (const w of words) if (w.s.length >= 2) merge(w.s, a, b, 256 + m);
  }

  // Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
  const ranks = new Map();
  for (let r = 0; r < merges.length; r++) ranks.set(merges[r][0] * 65536 + merges[r][1], r);
  let tokens = 0;
  let checksum = 0;
  for (const chunk of chunks(texts.heldout)) {
    const ids = symbols(chunk);
    while (ids.length >= 2) {
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = ranks.get(ids[i] * 65536 + ids[i + 1]);
        if (r !== undefined && r < bestRank) bestRank = r;
      }
      if (bestRank === Infinity) break;
      merge(ids, merges[bestRank][0], merges[bestRank][1], 256 + bestRank);
    }
    for (const id of ids) checksum = (checksum * 31 + id) % CHECKSUM_MODULUS;
    tokens += ids.length;
  }

  let mergesChecksum = 0;
  for (const [a, b] of merges) {
    mergesChecksum = (mergesChecksum * 31 + a) % CHECKSUM_MODULUS;
    mergesChecksum = (mergesChecksum * 31 + b) % CHECKSUM_MODULUS;
  }
  let out = `merges ${merges.length}\nvocab ${256 + merges.length}\n`;
  for (let r = 0; r < merges.length && r < SHOWN_MERGES; r++) {
    out += `merge ${256 + r} = ${merges[r][0]} ${merges[r][1]} count ${merges[r][2]}\n`;
  }
  out += `merges_checksum ${mergesChecksum}\nheldout_bytes ${texts.heldout.length}\n`;
  out += `tokens ${tokens}\nchecksum ${checksum}\n`;
  return out;
}

require('./runner.js').main(run);
