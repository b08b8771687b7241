// bpe workload in Rust: learn byte-pair-encoding merges from a generated corpus, then encode a
// held-out text with them (workloads/bpe/README.md).

use bm_runner::Params;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

const CHECKSUM_MODULUS: u64 = 1_000_000_007;
const SHOWN_MERGES: usize = 8;
const CONSONANTS: &[u8] = b"bcdfghjklmnprstvwz";
const VOWELS: &[u8] = b"aeiou";

/// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0 * 48271 % 2147483647;
        self.0
    }
}

fn check_generator() {
    let mut rng = Rng(42);
    for expected in [2027382, 1226992407, 551494037] {
        let got = rng.next();
        assert!(got == expected, "generator test vector mismatch: expected {expected}, got {got}");
    }
}


fn make_word(rng: &mut Rng) -> Vec<u8> {
    let mut w = Vec::new();
    for _ in 0..1 + rng.next() % 3 {
        w.push(CONSONANTS[(rng.next() % CONSONANTS.len() as u64) as usize]);
        w.push(VOWELS[(rng.next() % VOWELS.len() as u64) as usize]);
        if rng.next() % 4 == 0 {
            w.push(CONSONANTS[(rng.next() % CONSONANTS.len() as u64) as usize]);
        }
    }
    w
}

/// `count` words of `vocab`, skewed towards its start, joined by single spaces.
fn text_of(rng: &mut Rng, vocab: &[Vec<u8>], count: u64, with_new_words: bool) -> Vec<u8> {
    let n = vocab.len() as u64;
    let mut text = Vec::new();
    for k in 0..count {
        if k > 0 {
            text.push(b' ');
        }
        if with_new_words && rng.next() % 10 == 0 {
            text.extend_from_slice(&make_word(rng));
        } else {
            let r = rng.next() % n;
            let s = rng.next() % n;
            text.extend_from_slice(&vocab[(r * s / n) as usize]);
        }
    }
    text
}

/// The read-only input, built once per process on the first call (see the README).
struct Texts {
    corpus: Vec<u8>,
    heldout: Vec<u8>,
}

static TEXTS: OnceLock<Texts> = OnceLock::new();

fn build_texts(params: &Params) -> Texts {
    let (seed, vocab_size, words) = (params.int("seed"), params.int("vocab"), params.int("words"));
    let (test_seed, test_words) = (params.int("test_seed"), params.int("test_words"));
    assert!(
        (1..2147483647).contains(&seed)
            && (1..2147483647).contains(&test_seed)
            && (1..=67108864).contains(&vocab_size)
            && words >= 1
            && test_words >= 1,
        "need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1"
    );
    let mut rng = Rng(seed as u64);
    let vocab: Vec<Vec<u8>> = (0..vocab_size).map(|_| make_word(&mut rng)).collect();
    let corpus = text_of(&mut rng, &vocab, words as u64, false);
    let heldout = text_of(&mut Rng(test_seed as u64), &vocab, test_words as u64, true);
    Texts { corpus, heldout }
}

/// Pre-tokenisation: each chunk is a word with the space before it (none for the first word).
fn chunks(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = 0;
    (1..=text.len()).filter_map(move |i| {
        if i == text.len() || text[i] == b' ' {
            let chunk = &text[start..i];
            start = i;
            Some(chunk)
        } else {
            None
        }
    })
}

fn key(a: u32, b: u32) -> u32 {
    a << 16 | b
}

/// Replaces every occurrence of (a, b), left to right and not overlapping, by `id`, in place.
fn merge(s: &mut Vec<u32>, a: u32, b: u32, id: u32) {
    let n = s.len();
    let (mut i, mut j) = (0, 0);
    while i < n {
        if i + 1 < n && s[i] == a && s[i + 1] == b {
            s[j] = id;
            i += 2;
        } else {
            s[j] = s[i];
            i += 1;
        }
        j += 1;
    }
    s.truncate(j);
}

fn run(params: &Params) -> String {
    check_generator();
    let merges_wanted = params.int("merges");
    assert!((0..=32512).contains(&merges_wanted), "need 0 <= merges <= 32512");
    let texts = TEXTS.get_or_init(|| build_texts(params));

    // Learn: the distinct chunks with their counts, each as a sequence of symbols (bytes first).
    let mut chunk_counts: HashMap<&[u8], u64> = HashMap::new();
    for c in chunks(&texts.corpus) {
        *chunk_counts.entry(c).or_insert(0) += 1;
    }
    let mut words: Vec<(Vec<u32>, u64)> = chunk_counts.iter().map(|(c, &n)| (c.iter().map(|&b| u32::from(b)).collect(), n)).collect();

    let mut merges: Vec<(u32, u32, u64)> = Vec::new();
    let mut pairs: HashMap<u32, u64> = HashMap::new();
    for m in 0..merges_wanted as u32 {
        pairs.clear();
        for (s, count) in &words {
            for w in s.windows(2) {
                *pairs.entry(key(w[0], w[1])).or_insert(0) += count;
            }
        }
        if pairs.is_empty() {
            break;
        }
        let (mut best, mut best_count) = (0u32, 0u64);
        for (&k, &count) in &pairs {
            if count > best_count || (count == best_count && k < best) {
                best = k;
                best_count = count;
            }
        }
        let (a, b, id) = (best >> 16, best & 0xFFFF, 256 + m);
        merges.push((a, b, best_count));
        for (s, _) in &mut words {
            if s.len() >= 2 {
                merge(s, a, b, id);
            }
        }
    }

    // Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
    let ranks: HashMap<u32, u32> = merges.iter().enumerate().map(|(r, &(a, b, _))| (key(a, b), r as u32)).collect();
    let (mut tokens, mut checksum) = (0u64, 0u64);
    let mut ids: Vec<u32> = Vec::new();
    for chunk in chunks(&texts.heldout) {
        ids.clear();
        ids.extend(chunk.iter().map(|&b| u32::from(b)));
        while ids.len() >= 2 {
            let best_rank = ids.windows(2).filter_map(|w| ranks.get(&key(w[0], w[1])).copied()).min();
            let Some(r) = best_rank else { break };
            let (a, b, _) = merges[r as usize];
            merge(&mut ids, a, b, 256 + r);
        }
        for &id in &ids {
            checksum = (checksum * 31 + u64::from(id)) % CHECKSUM_MODULUS;
        }
        tokens += ids.len() as u64;
    }

    let mut merges_checksum = 0u64;
    for &(a, b, _) in &merges {
        merges_checksum = (merges_checksum * 31 + u64::from(a)) % CHECKSUM_MODULUS;
        merges_checksum = (merges_checksum * 31 + u64::from(b)) % CHECKSUM_MODULUS;
    }
    let mut out = format!("merges {}\nvocab {}\n", merges.len(), 256 + merges.len());
    for (r, (a, b, count)) in merges.iter().take(SHOWN_MERGES).enumerate() {
        writeln!(out, "merge {} = {a} {b} count {count}", 256 + r).unwrap();
    }
    write!(
        out,
        "merges_checksum {merges_checksum}\nheldout_bytes {}\ntokens {tokens}\nchecksum {checksum}\n",
        texts.heldout.len()
    )
    .unwrap();
    out
}

fn main() {
    bm_runner::main(run)
}
