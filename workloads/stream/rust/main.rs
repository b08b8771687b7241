// stream workload in Rust: a toy decoder that emits every token as a server-sent event,
// flushed one by one or buffered until the end (workloads/stream/README.md).

use bm_runner::Params;
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

const MODULUS: u64 = 2147483647;

/// Park-Miller "minimal standard" generator; 64-bit state so the product never overflows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0 * 48271 % MODULUS;
        self.0
    }

    /// A uniform double in (-1, 1).
    fn weight(&mut self) -> f64 {
        2.0 * (self.next() as f64 / 2147483647.0) - 1.0
    }
}

/// The read-only model, built once per process (README: "The model").
struct Model {
    key: (u64, usize, usize),
    words: Vec<String>,
    w: Vec<f64>,  // vocab x dim, row-major
    e: Vec<f64>,  // vocab x dim, row-major
    h0: Vec<f64>, // dim
    decode_state: u64,
}

fn build_model(seed: u64, vocab: usize, dim: usize) -> Model {
    let mut rng = Rng(seed);
    let words = (0..vocab)
        .map(|_| {
            let len = 2 + rng.next() % 7;
            (0..len).map(|_| char::from(b'a' + (rng.next() % 26) as u8)).collect()
        })
        .collect();
    let w = (0..vocab * dim).map(|_| rng.weight()).collect();
    let e = (0..vocab * dim).map(|_| rng.weight()).collect();
    let h0 = (0..dim).map(|_| rng.weight()).collect();
    Model { key: (seed, vocab, dim), words, w, e, h0, decode_state: rng.0 }
}

thread_local! {
    static MODEL: RefCell<Option<Rc<Model>>> = const { RefCell::new(None) };
}

fn model(seed: u64, vocab: usize, dim: usize) -> Rc<Model> {
    MODEL.with(|cell| {
        let mut cached = cell.borrow_mut();
        match &*cached {
            Some(m) if m.key == (seed, vocab, dim) => m.clone(),
            _ => {
                let m = Rc::new(build_model(seed, vocab, dim));
                *cached = Some(m.clone());
                m
            }
        }
    })
}

fn check_generator() {
    let mut rng = Rng(42);
    for expected in [2027382, 1226992407, 551494037] {
        let got = rng.next();
        assert!(got == expected, "generator test vector mismatch: expected {expected}, got {got}");
    }
}

fn run(params: &Params) -> String {
    check_generator();
    let (seed, vocab, dim, tokens) = (params.int("seed"), params.int("vocab"), params.int("dim"), params.int("tokens"));
    let flushed = match params.str("mode") {
        "flushed" => true,
        "buffered" => false,
        other => panic!("parameter mode={other} must be flushed or buffered"),
    };
    assert!((1..MODULUS as i64).contains(&seed), "parameter seed={seed} must be in 1..2147483646");
    assert!(vocab >= 1 && dim >= 1 && tokens >= 1, "parameters vocab, dim and tokens must be >= 1");
    let (vocab, dim) = (vocab as usize, dim as usize);
    let m = model(seed as u64, vocab, dim);

    let mut rng = Rng(m.decode_state);
    let mut h = m.h0.clone();
    let mut checksum: u32 = 2166136261;
    let mut bytes = 0usize;
    let mut buffer = String::new();
    let mut out = io::stdout().lock();
    let mut last = 0;
    for i in 0..tokens {
        // logits = W h, each a dot product summed in order j = 0..dim; argmax, ties to the lowest index.
        let mut best = 0;
        let mut best_logit = 0.0;
        for (v, row) in m.w.chunks_exact(dim).enumerate() {
            let s = row.iter().zip(&h).fold(0.0, |s, (w, x)| s + w * x);
            if v == 0 || s > best_logit {
                best = v;
                best_logit = s;
            }
        }
        last = best;

        let event = format!("data: {{\"index\":{i},\"token\":\"{}\"}}\n\n", m.words[best]);
        for &b in event.as_bytes() {
            checksum = (checksum ^ u32::from(b)).wrapping_mul(16777619);
        }
        bytes += event.len();
        if flushed {
            out.write_all(event.as_bytes()).and_then(|()| out.flush()).expect("write to stdout");
        } else {
            buffer.push_str(&event);
        }

        for (x, e) in h.iter_mut().zip(&m.e[best * dim..(best + 1) * dim]) {
            let noise = rng.next() as f64 / 2147483647.0 - 0.5;
            *x = 0.5 * ((*x + e) + noise);
        }
    }
    if !flushed {
        out.write_all(buffer.as_bytes()).and_then(|()| out.flush()).expect("write to stdout");
    }
    format!("tokens {tokens}\nbytes {bytes}\nchecksum {checksum}\nlast {}\n", m.words[last])
}

fn main() {
    bm_runner::main(run)
}
