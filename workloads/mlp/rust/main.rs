// mlp workload in Rust: one request through a dense 256-512-256-10 network (workloads/mlp/README.md).

use bm_runner::Params;
use std::sync::OnceLock;

const SIZES: [usize; 4] = [256, 512, 256, 10];
/// Weight scale per layer (weights are (2u - 1) * scale); biases use BIAS_SCALE.
const WEIGHT_SCALE: [f64; 3] = [0.15, 0.1, 0.15];
const BIAS_SCALE: f64 = 0.01;
/// The batch: iteration i serves request i mod BATCH.
const BATCH: usize = 8;

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

    /// A float in (0, 1).
    fn uniform(&mut self) -> f64 {
        self.next() as f64 / 2147483647.0
    }

    /// (2u - 1) * scale: uniform in (-scale, scale).
    fn symmetric(&mut self, scale: f64) -> f64 {
        (2.0 * self.uniform() - 1.0) * scale
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

/// One dense layer: `inputs` -> `outputs`, weights row-major (one row of `inputs` weights per output).
struct Layer {
    inputs: usize,
    outputs: usize,
    weights: Vec<f64>,
    biases: Vec<f64>,
}

/// The read-only model and its batch of inputs, built once per process (README: "Data").
struct Model {
    seed: u64,
    layers: Vec<Layer>,
    requests: Vec<Vec<f64>>,
}

impl Model {
    fn new(seed: u64) -> Model {
        let mut rng = Rng::new(seed);
        let mut layers = Vec::with_capacity(3);
        for l in 0..3 {
            let (inputs, outputs) = (SIZES[l], SIZES[l + 1]);
            let weights = (0..inputs * outputs).map(|_| rng.symmetric(WEIGHT_SCALE[l])).collect();
            let biases = (0..outputs).map(|_| rng.symmetric(BIAS_SCALE)).collect();
            layers.push(Layer { inputs, outputs, weights, biases });
        }
        let requests = (0..BATCH).map(|_| (0..SIZES[0]).map(|_| rng.symmetric(1.0)).collect()).collect();
        Model { seed, layers, requests }
    }
}

static MODEL: OnceLock<Model> = OnceLock::new();

/// y = W x + b, each dot product summed in index order; ReLU unless it is the last layer.
fn dense(layer: &Layer, x: &[f64], relu: bool) -> Vec<f64> {
    let mut y = Vec::with_capacity(layer.outputs);
    for o in 0..layer.outputs {
        let row = &layer.weights[o * layer.inputs..(o + 1) * layer.inputs];
        let mut acc = 0.0;
        for (w, v) in row.iter().zip(x) {
            acc += w * v;
        }
        let z = acc + layer.biases[o];
        y.push(if relu && !(z > 0.0) { 0.0 } else { z });
    }
    y
}

fn run(params: &Params) -> String {
    check_generator();
    let seed = params.int("seed");
    if !(1..2147483647).contains(&seed) {
        panic!("seed must be in 1..2147483646, got {seed}");
    }
    let model = MODEL.get_or_init(|| Model::new(seed as u64));
    assert_eq!(model.seed, seed as u64, "the seed changed within the process");
    let request = params.iteration() as usize % BATCH;

    let mut x = dense(&model.layers[0], &model.requests[request], true);
    x = dense(&model.layers[1], &x, true);
    let logits = dense(&model.layers[2], &x, false);

    let mut max = logits[0];
    for &z in &logits[1..] {
        if z > max {
            max = z;
        }
    }
    let exps: Vec<f64> = logits.iter().map(|&z| (z - max).exp()).collect();
    let mut sum = 0.0;
    for &e in &exps {
        sum += e;
    }
    let probs: Vec<f64> = exps.iter().map(|&e| e / sum).collect();

    let mut class = 0;
    for k in 1..probs.len() {
        if probs[k] > probs[class] {
            class = k;
        }
    }
    let mut checksum = 0.0;
    for (k, &p) in probs.iter().enumerate() {
        checksum += (k + 1) as f64 * p;
    }
    format!("request {request} class {class} p {:.9} checksum {checksum:.9}\n", probs[class])
}

fn main() {
    bm_runner::main(run)
}
