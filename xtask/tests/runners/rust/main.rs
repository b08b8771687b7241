//! Runner conformance fixture (xtask/tests/runners.rs): returns `unit <iteration mod m>` (README.md).

use bm_runner::Params;

fn run(p: &Params) -> String {
    let m = p.int("m") as u64;
    let i = p.iteration();
    let unit = if m == 0 { i } else { i % m };
    format!("unit {unit}{}", if p.int("nl") == 1 { "\n" } else { "" })
}

fn main() {
    bm_runner::main(run)
}
