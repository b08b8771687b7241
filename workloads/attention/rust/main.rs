// attention workload in Rust: one head of scaled dot-product attention (workloads/attention/README.md).

use bm_runner::Params;
use std::sync::OnceLock;

/// The head dimension: Q, K and V are [seq, D], row-major.
const D: usize = 64;

/// Park-Miller "minimal standard" generator, exact in 64-bit integers.
struct Rng {
    state: u64,
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state * 48271 % 2147483647;
        self.state
    }

    /// 2u - 1 with u = next() / 2147483647: uniform in (-1, 1).
    fn symmetric(&mut self) -> f64 {
        2.0 * (self.next() as f64 / 2147483647.0) - 1.0
    }
}

fn check_generator() {
    let mut rng = Rng::new(42);
    for expected in [2027382, 1226992407, 551494037] {
        let got = rng.next();
        if got != expected {
            panic!("generator test vector mismatch: expected {expected}, got {got}");
        }
    }
}

/// The read-only inputs, generated once per process (README: "Data").
struct Inputs {
    seed: u64,
    seq: usize,
    q: Vec<f64>,
    k: Vec<f64>,
    v: Vec<f64>,
}

impl Inputs {
    fn new(seed: u64, seq: usize) -> Inputs {
        let mut rng = Rng::new(seed);
        let mut matrix = || (0..seq * D).map(|_| rng.symmetric()).collect::<Vec<f64>>();
        let q = matrix();
        let k = matrix();
        let v = matrix();
        Inputs { seed, seq, q, k, v }
    }
}

static INPUTS: OnceLock<Inputs> = OnceLock::new();

/// softmax(Q K^T / sqrt(D)) V, one query row at a time, in the summation orders of the README.
fn attention(seq: usize, q: &[f64], k: &[f64], v: &[f64]) -> Vec<f64> {
    let scale = (D as f64).sqrt();
    let mut out = vec![0.0; seq * D];
    let mut scores = vec![0.0; seq];
    for i in 0..seq {
        let qi = &q[i * D..(i + 1) * D];
        for j in 0..seq {
            let kj = &k[j * D..(j + 1) * D];
            let mut dot = 0.0;
            for (a, b) in qi.iter().zip(kj) {
                dot += a * b;
            }
            scores[j] = dot / scale;
        }
        let mut max = scores[0];
        for &s in &scores[1..] {
            if s > max {
                max = s;
            }
        }
        let mut sum = 0.0;
        for s in scores.iter_mut() {
            *s = (*s - max).exp();
            sum += *s;
        }
        // out[i][d] = sum over j (ascending) of p[j] * V[j][d]; each element starts at 0.0.
        let oi = &mut out[i * D..(i + 1) * D];
        for j in 0..seq {
            let p = scores[j] / sum;
            let vj = &v[j * D..(j + 1) * D];
            for (o, x) in oi.iter_mut().zip(vj) {
                *o += p * x;
            }
        }
    }
    out
}

fn run(params: &Params) -> String {
    check_generator();
    let seed = params.int("seed");
    if !(1..2147483647).contains(&seed) {
        panic!("seed must be in 1..2147483646, got {seed}");
    }
    let seq = params.int("seq");
    if !(1..=65536).contains(&seq) {
        panic!("seq must be in 1..65536, got {seq}");
    }
    let (seed, seq) = (seed as u64, seq as usize);
    let inputs = INPUTS.get_or_init(|| Inputs::new(seed, seq));
    assert!(inputs.seed == seed && inputs.seq == seq, "the parameters changed within the process");

    let out = attention(seq, &inputs.q, &inputs.k, &inputs.v);

    let (mut sum, mut sumsq) = (0.0, 0.0);
    for &x in &out {
        sum += x;
        sumsq += x * x;
    }
    let mut text = format!("seq {seq}\nsum {sum:.9}\nsumsq {sumsq:.9}\n");
    for (r, c) in [(0, 0), (seq / 2, D / 2), (seq - 1, D - 1)] {
        text += &format!("out {r} {c} {:.9}\n", out[r * D + c]);
    }
    text
}

fn main() {
    bm_runner::main(run)
}
