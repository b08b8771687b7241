//! bm_runner: the Rust runner, and the reference implementation of runners/PROTOCOL.md.

use std::collections::HashMap;
use std::hint::black_box;
use std::io::{self, Write};
use std::process::exit;
use std::time::Instant;

/// The workload parameters (every `key=value` argument whose key does not start with `bm.`).
pub struct Params {
    values: HashMap<String, String>,
}

impl Params {
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
    let (mut warmup, mut iterations) = (0, 1);
    let mut values = HashMap::new();
    for arg in std::env::args().skip(1) {
        let Some((key, value)) = arg.split_once('=') else {
            usage_error(&format!("argument {arg:?} is not key=value"))
        };
        match key {
            "bm.warmup" => warmup = count(key, value, 0),
            "bm.iterations" => iterations = count(key, value, 1),
            // A mistyped runner option must not silently change what is measured.
            _ if key.starts_with("bm.") => usage_error(&format!("unknown runner option {key}")),
            _ => {
                values.insert(key.to_string(), value.to_string());
            }
        }
    }
    let params = Params { values };
    let code = match protocol(&params, run, warmup, iterations) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bm_runner: cannot write to stdout: {e}");
            1
        }
    };
    exit(code)
}

fn protocol(params: &Params, run: fn(&Params) -> String, warmup: u64, iterations: u64) -> io::Result<i32> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    writeln!(out, "#bm ready")?;
    out.flush()?;
    let mut first: Option<String> = None;
    for i in 0..warmup + iterations {
        let start = Instant::now();
        // black_box on both sides: the call can be neither hoisted out of the loop nor discarded.
        let result = black_box(run(black_box(params)));
        let ns = start.elapsed().as_nanos();
        let kind = if i < warmup { "warmup" } else { "measured" };
        writeln!(out, "#bm iter {i} {kind} {ns}")?;
        out.flush()?;
        match &first {
            None => first = Some(result),
            Some(expected) if *expected != result => {
                writeln!(out, "#bm error nondeterministic result at iteration {i}")?;
                out.flush()?;
                return Ok(3);
            }
            Some(_) => {}
        }
    }
    let result = first.expect("bm.iterations >= 1");
    out.write_all(result.as_bytes())?;
    if !result.is_empty() && !result.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    writeln!(out, "#bm done")?;
    out.flush()?;
    Ok(0)
}
