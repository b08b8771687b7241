// noop workload in Rust: the runtime floor (workloads/noop/README.md).

use bm_runner::Params;

fn run(params: &Params) -> String {
    format!("noop {}\n", params.int("n"))
}

fn main() {
    bm_runner::main(run)
}
