// wordfreq workload in Rust: generate a pseudo-random text and count its words (workloads/wordfreq/README.md).

use bm_runner::Params;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

/// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0 * 48271 % 2147483647;
        self.0
    }
}

fn generate(seed: u64, vocab: u64, words: u64) -> String {
    let mut rng = Rng(seed);
    let dictionary: Vec<String> = (0..vocab)
        .map(|_| {
            let len = 2 + rng.next() % 7;
            (0..len).map(|_| char::from(b'a' + (rng.next() % 26) as u8)).collect()
        })
        .collect();
    let mut text = String::with_capacity(words as usize * 8);
    for _ in 0..words {
        let r = rng.next() % vocab;
        let s = rng.next() % vocab;
        let w = &dictionary[(r * s / vocab) as usize];
        match rng.next() % 10 {
            0 => text.push_str(&w.to_ascii_uppercase()),
            1 => {
                text.push(w.as_bytes()[0].to_ascii_uppercase().into());
                text.push_str(&w[1..]);
            }
            _ => text.push_str(w),
        }
        text.push_str(match rng.next() % 20 {
            0 => ". ",
            1 => ", ",
            2 => "\n",
            _ => " ",
        });
    }
    text
}

/// The generated text is the read-only input: made on the first call and kept for the later
/// calls (README: "What is measured"); a call with other parameters generates its own.
static CORPUS: OnceLock<((u64, u64, u64), String)> = OnceLock::new();

fn run(params: &Params) -> String {
    let key = (params.int("seed") as u64, params.int("vocab") as u64, params.int("words") as u64);
    let (cached_key, cached) = CORPUS.get_or_init(|| (key, generate(key.0, key.1, key.2)));
    let fresh;
    let text: &str = if *cached_key == key {
        cached
    } else {
        fresh = generate(key.0, key.1, key.2);
        &fresh
    };
    let lower = text.to_ascii_lowercase();

    // Keys borrow from `lower` (README: allowed where the standard map takes such keys);
    // std's HashMap with its default hasher, like every language's own map.
    let mut counts: HashMap<&str, u64> = HashMap::new();
    let mut total = 0u64;
    for word in lower.split(|c: char| !c.is_ascii_lowercase()).filter(|w| !w.is_empty()) {
        *counts.entry(word).or_insert(0) += 1;
        total += 1;
    }

    let mut ranked: Vec<(&str, u64)> = counts.iter().map(|(&w, &n)| (w, n)).collect();
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let checksum = counts.iter().fold(0u64, |c, (w, &n)| {
        let h = w.bytes().enumerate().map(|(i, ch)| (i as u64 + 1) * u64::from(ch - 96)).sum::<u64>();
        (c + n * h) % 1_000_000_007
    });

    let mut out = String::new();
    for (w, n) in ranked.iter().take(10) {
        writeln!(out, "{w} {n}").unwrap();
    }
    writeln!(out, "distinct {}\ntotal {total}\nchecksum {checksum}", counts.len()).unwrap();
    out
}

fn main() {
    bm_runner::main(run)
}
