//! benchmatrix: one set of workloads, every language and runtime, measured honestly.
//!
//! Data flows one way: `spec` (workload and target files) -> `plan` (cells, probed
//! toolchains) -> `build` (cached per cell) -> `measure` (runs under the launcher)
//! -> `results` (results.json, written as cells finish) -> `report` (HTML, terminal).

pub mod analysis;
pub mod build;
pub mod cmd;
pub mod compare;
pub mod error;
pub mod history;
pub mod execute;
pub mod machine;
pub mod measure;
pub mod paths;
pub mod plan;
pub mod probe;
pub mod report;
pub mod results;
pub mod schedule;
pub mod spec;
pub mod stats;
pub mod verify;
