//! benchmatrix: one set of workloads, every language and runtime, measured honestly.
//!
//! Data flows one way: `spec` (workload and target files) -> `plan` (cells, probed
//! toolchains) -> `build` (cached per cell) -> `drive` (runs under the launcher, `measure`)
//! -> `records` (runs.jsonl, as they end) -> `analysis` (pure, seeded) -> `results`
//! (results.json) -> `export` (HTML, Markdown, terminal, JSON). `session` runs the phases;
//! `cmd` holds one file per subcommand.

pub mod analysis;
pub mod build;
pub mod cli;
pub mod cmd;
pub mod compare;
pub mod drive;
pub mod error;
pub mod export;
pub mod fuzz;
pub mod history;
pub mod ids;
pub mod interrupt;
pub mod load;
pub mod machine;
pub mod measure;
pub mod merge;
pub mod metric;
pub mod paths;
pub mod plan;
pub mod probe;
pub mod records;
pub mod results;
pub mod schedule;
pub mod session;
pub mod shard;
pub mod spec;
pub mod stats;
pub mod verify;
