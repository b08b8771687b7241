// wordfreq workload in Rust: generate a pseudo-random text and count its words (workloads/wordfreq/README.md).

use bm_runner::Params;
use std::collections::HashMap;
use std::fmt::Write;
use std::hash::{BuildHasherDefault, Hasher};

/// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0 * 48271 % 2147483647;
        self.0
    }
}

/// FxHash (as in rustc) with a final rotation that moves the well-mixed high bits down,
/// because the table indexes buckets by the low bits. SipHash would dominate the count.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
}

fn generate(seed: u64, vocab: usize, words: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let dictionary: Vec<Vec<u8>> = (0..vocab)
        .map(|_| {
            let len = 2 + rng.next() % 7;
            (0..len).map(|_| b'a' + (rng.next() % 26) as u8).collect()
        })
        .collect();
    let n = vocab as u64;
    let mut text = Vec::with_capacity(words * 8);
    for _ in 0..words {
        let r = rng.next() % n;
        let s = rng.next() % n;
        let w = &dictionary[(r * s / n) as usize];
        match rng.next() % 10 {
            0 => text.extend(w.iter().map(u8::to_ascii_uppercase)),
            1 => {
                text.push(w[0].to_ascii_uppercase());
                text.extend_from_slice(&w[1..]);
            }
            _ => text.extend_from_slice(w),
        }
        text.extend_from_slice(match rng.next() % 20 {
            0 => b". ",
            1 => b", ",
            2 => b"\n",
            _ => b" ",
        });
    }
    text
}

fn run(params: &Params) -> String {
    let (seed, vocab, words) = (params.int("seed"), params.int("vocab"), params.int("words"));
    let mut text = generate(seed as u64, vocab as usize, words as usize);
    text.make_ascii_lowercase();

    let mut counts: HashMap<&[u8], u64, BuildHasherDefault<FxHasher>> = HashMap::default();
    let mut total = 0u64;
    let mut i = 0;
    while i < text.len() {
        if !text[i].is_ascii_lowercase() {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && text[i].is_ascii_lowercase() {
            i += 1;
        }
        *counts.entry(&text[start..i]).or_insert(0) += 1;
        total += 1;
    }

    let mut ranked: Vec<(&[u8], u64)> = counts.iter().map(|(&w, &n)| (w, n)).collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let checksum = counts.iter().fold(0u64, |c, (w, &n)| {
        let h = w.iter().enumerate().map(|(i, &ch)| (i as u64 + 1) * u64::from(ch - 96)).sum::<u64>();
        (c + n * h) % 1_000_000_007
    });

    let mut out = String::new();
    for (w, n) in ranked.iter().take(10) {
        // Words are runs of a-z, so they are valid UTF-8.
        writeln!(out, "{} {n}", std::str::from_utf8(w).unwrap()).unwrap();
    }
    writeln!(out, "distinct {}\ntotal {total}\nchecksum {checksum}", counts.len()).unwrap();
    out
}

fn main() {
    bm_runner::main(run)
}
