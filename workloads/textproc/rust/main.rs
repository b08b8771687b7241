// textproc workload in Rust: normalise, tokenise and embed one document of a generated corpus
// per iteration (workloads/textproc/README.md).

use bm_runner::Params;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

const DIM: usize = 64;

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


/// Indexed by next() mod 16.
const SEPARATORS: [&str; 16] = [". ", ", ", "; ", "! ", "? ", " - ", "\n", "\n\n", "\t", "  ", "   ", "'", "-", " ", " ", " "];

fn document(rng: &mut Rng, vocab: &[String], chars: usize) -> String {
    let n = vocab.len() as u64;
    let mut text = " ".repeat((rng.next() % 3) as usize);
    while text.len() < chars {
        if rng.next() % 16 == 0 {
            write!(text, "{}", rng.next() % 10000).unwrap();
        } else {
            let r = rng.next() % n;
            let s = rng.next() % n;
            let w = &vocab[(r * s / n) as usize];
            match rng.next() % 8 {
                0 => text.extend(w.chars().map(|c| c.to_ascii_uppercase())),
                1 => {
                    text.push(w.as_bytes()[0].to_ascii_uppercase() as char);
                    text.push_str(&w[1..]);
                }
                2 => {
                    for c in w.chars() {
                        text.push(if rng.next() % 2 == 1 { c.to_ascii_uppercase() } else { c });
                    }
                }
                _ => text.push_str(w),
            }
        }
        text.push_str(SEPARATORS[(rng.next() % 16) as usize]);
    }
    text.truncate(chars);
    text
}

/// FNV-1a, 32 bits: wrapping_mul is the multiplication modulo 2^32.
fn fnv1a(s: &[u8]) -> u32 {
    let mut h: u32 = 2166136261;
    for &b in s {
        h ^= u32::from(b);
        h = h.wrapping_mul(16777619);
    }
    h
}

struct Embedded {
    normalised: String,
    tokens: usize,
    vocabulary: usize,
    embedding: [f64; DIM],
}

/// Everything the README's "per document" section does, for one document.
fn embed(doc: &str) -> Embedded {
    // Normalise: lowercase, whitespace runs to one space, trimmed (one pass).
    let mut norm = String::with_capacity(doc.len());
    let mut pending = false;
    for c in doc.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            pending = true;
        } else {
            if pending && !norm.is_empty() {
                norm.push(' ');
            }
            pending = false;
            norm.push(c.to_ascii_lowercase());
        }
    }

    // Tokenise: maximal runs of [a-z0-9], as slices of `norm`.
    let tokens: Vec<&str> = norm.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit())).filter(|t| !t.is_empty()).collect();

    let mut counts: HashMap<&str, u32> = HashMap::new();
    for &t in &tokens {
        *counts.entry(t).or_insert(0) += 1;
    }

    let mut v = [0.0f64; DIM];
    for (token, &n) in &counts {
        let h = fnv1a(token.as_bytes());
        let n = f64::from(n);
        v[(h % DIM as u32) as usize] += if h >= 0x8000_0000 { -n } else { n };
    }
    let mut ss = 0.0;
    for x in &v {
        ss += x * x;
    }
    if ss > 0.0 {
        let norm2 = ss.sqrt();
        for x in &mut v {
            *x /= norm2;
        }
    }
    Embedded { tokens: tokens.len(), vocabulary: counts.len(), normalised: norm, embedding: v }
}

/// The read-only input, built once per process on the first call (see the README).
struct Corpus {
    docs: Vec<String>,
    query: Embedded,
}

static CORPUS: OnceLock<Corpus> = OnceLock::new();

fn build_corpus(seed: u64, docs: usize, chars: usize, vocab_size: usize) -> Corpus {
    let mut rng = Rng(seed);
    let vocab: Vec<String> = (0..vocab_size)
        .map(|_| {
            let len = 1 + rng.next() % 9;
            (0..len).map(|_| (b'a' + (rng.next() % 26) as u8) as char).collect()
        })
        .collect();
    let query = document(&mut rng, &vocab, chars);
    let docs = (0..docs).map(|_| document(&mut rng, &vocab, chars)).collect();
    Corpus { docs, query: embed(&query) }
}

fn run(params: &Params) -> String {
    check_generator();
    let (seed, docs, chars, vocab) = (params.int("seed"), params.int("docs"), params.int("chars"), params.int("vocab"));
    assert!(
        (1..2147483647).contains(&seed) && docs >= 1 && chars >= 1 && (1..=67108864).contains(&vocab),
        "need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26"
    );
    let corpus = CORPUS.get_or_init(|| build_corpus(seed as u64, docs as usize, chars as usize, vocab as usize));
    let unit = (params.iteration() % docs as u64) as usize;

    let e = embed(&corpus.docs[unit]);
    let mut checksum = 0.0;
    for (b, x) in e.embedding.iter().enumerate() {
        checksum += (b + 1) as f64 * x;
    }
    let mut cosine = 0.0;
    for (x, q) in e.embedding.iter().zip(&corpus.query.embedding) {
        cosine += x * q;
    }
    format!(
        "doc {unit} chars {} tokens {} vocab {} checksum {checksum:.6} cosine {cosine:.6}\n",
        e.normalised.len(),
        e.tokens,
        e.vocabulary
    )
}

fn main() {
    bm_runner::main(run)
}
