// alloctrees workload in Rust: the Benchmarks Game's binary-trees (workloads/alloctrees/README.md).
// Every node is its own Box on the global allocator: no arena, no pool, no custom allocator.

use bm_runner::Params;
use std::fmt::Write;

const MIN_DEPTH: i64 = 4;

/// A tree node: both children or none (a leaf).
struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

/// A perfect tree of the given depth (depth 0 is a single leaf), built bottom-up.
fn bottom_up_tree(depth: i64) -> Box<Node> {
    if depth > 0 {
        Box::new(Node { left: Some(bottom_up_tree(depth - 1)), right: Some(bottom_up_tree(depth - 1)) })
    } else {
        Box::new(Node { left: None, right: None })
    }
}

impl Node {
    /// The number of nodes in the tree.
    fn check(&self) -> i64 {
        match (&self.left, &self.right) {
            (Some(l), Some(r)) => 1 + l.check() + r.check(),
            _ => 1,
        }
    }
}

fn run(params: &Params) -> String {
    let n = params.int("depth");
    if !(0..=25).contains(&n) {
        panic!("depth must be in 0..25, got {n}");
    }
    let max_depth = n.max(MIN_DEPTH + 2);
    let mut out = String::new();

    let stretch_depth = max_depth + 1;
    let stretch = bottom_up_tree(stretch_depth).check();
    writeln!(out, "stretch tree of depth {stretch_depth}\t check: {stretch}").unwrap();

    let long_lived = bottom_up_tree(max_depth);

    let mut depth = MIN_DEPTH;
    while depth <= max_depth {
        let iterations = 1i64 << (max_depth - depth + MIN_DEPTH);
        let mut check = 0;
        for _ in 0..iterations {
            check += bottom_up_tree(depth).check();
        }
        writeln!(out, "{iterations}\t trees of depth {depth}\t check: {check}").unwrap();
        depth += 2;
    }

    writeln!(out, "long lived tree of depth {max_depth}\t check: {}", long_lived.check()).unwrap();
    out
}

fn main() {
    bm_runner::main(run)
}
