//! bm_runner: the Rust runner, and the reference implementation of runners/PROTOCOL.md.

use std::cell::Cell;
use std::collections::HashMap;
use std::hint::black_box;
use std::io::{self, Write};
use std::process::exit;
use std::time::Instant;

/// The workload parameters (every `key=value` argument whose key does not start with `bm.`).
pub struct Params {
    values: HashMap<String, String>,
    iteration: Cell<u64>,
}

impl Params {
    /// The index of the current iteration, 0-based, warm-ups included. With `bm.cycle=D` the
    /// workload works on unit `iteration() % D`.
    pub fn iteration(&self) -> u64 {
        self.iteration.get()
    }

    /// An integer parameter; a missing or malformed one is fatal (exit 2).
    pub fn int(&self, key: &str) -> i64 {
        let value = self.str(key);
        value
            .parse()
            .unwrap_or_else(|_| usage_error(&format!("parameter {key}={value} is not an integer")))
    }

    /// A string parameter; a missing one is fatal (exit 2).
    pub fn str(&self, key: &str) -> &str {
        match self.values.get(key) {
            Some(value) => value,
            None => usage_error(&format!("missing parameter {key}")),
        }
    }
}

fn usage_error(message: &str) -> ! {
    eprintln!("bm_runner: {message}");
    exit(2)
}

fn count(key: &str, value: &str, min: u64) -> u64 {
    match value.parse() {
        Ok(n) if n >= min => n,
        _ => usage_error(&format!("{key}={value}: expected an integer >= {min}")),
    }
}

/// Runs the whole protocol around `run` and exits.
pub fn main(run: fn(&Params) -> String) -> ! {
    let (mut warmup, mut iterations, mut cycle) = (0, 1, 1);
    let mut values = HashMap::new();
    for arg in std::env::args().skip(1) {
        let Some((key, value)) = arg.split_once('=') else {
            usage_error(&format!("argument {arg:?} is not key=value"))
        };
        match key {
            "bm.warmup" => warmup = count(key, value, 0),
            "bm.iterations" => iterations = count(key, value, 1),
            "bm.cycle" => cycle = count(key, value, 1),
            // A mistyped runner option must not silently change what is measured.
            _ if key.starts_with("bm.") => usage_error(&format!("unknown runner option {key}")),
            _ => {
                values.insert(key.to_string(), value.to_string());
            }
        }
    }
    if cycle > warmup.saturating_add(iterations) {
        usage_error(&format!("bm.cycle={cycle} is more than bm.warmup + bm.iterations = {}", warmup.saturating_add(iterations)));
    }
    let params = Params { values, iteration: Cell::new(0) };
    let code = match protocol(&params, run, warmup, iterations, cycle) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bm_runner: cannot write to stdout: {e}");
            1
        }
    };
    exit(code)
}

fn protocol(params: &Params, run: fn(&Params) -> String, warmup: u64, iterations: u64, cycle: u64) -> io::Result<i32> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "#bm ready")?;
    out.flush()?;
    // The results of iterations 0..cycle; every later one is compared with the one a cycle before,
    // which (by induction) equals `units[i % cycle]`. Only `cycle` results are ever kept.
    let mut units: Vec<String> = Vec::new();
    for i in 0..warmup + iterations {
        params.iteration.set(i);
        let start = Instant::now();
        // black_box on both sides: the call can be neither hoisted out of the loop nor discarded.
        let result = black_box(run(black_box(params)));
        let ns = start.elapsed().as_nanos();
        let kind = if i < warmup { "warmup" } else { "measured" };
        writeln!(out, "#bm iter {i} {kind} {ns}")?;
        out.flush()?;
        if i < cycle {
            units.push(result);
        } else if units[(i % cycle) as usize] != result {
            writeln!(out, "#bm error nondeterministic result at iteration {i}")?;
            out.flush()?;
            return Ok(3);
        }
    }
    for result in &units {
        out.write_all(result.as_bytes())?;
        if !result.is_empty() && !result.ends_with('\n') {
            out.write_all(b"\n")?;
        }
    }
    writeln!(out, "#bm done")?;
    out.flush()?;
    Ok(0)
}
