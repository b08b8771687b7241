//! One module per subcommand. Each owns a `clap::Args` struct whose `run` returns an
//! `Outcome`; exit codes are decided once, here: 0 success, 1 a measured failure (a cell
//! failed, a regression, a missing required target), 2 bad input, 3 a failure of the tool
//! or the machine (an I/O error), 130 interrupted.

pub mod bench;
pub mod bench_load;
pub mod compare;
pub mod export;
pub mod history;
pub mod launch;
pub mod matrix;
pub mod merge;
pub mod report;
pub mod serve_reference;
pub mod setup;
pub mod site;

use crate::error::is_bad_input;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_ERROR: i32 = 3;
pub const EXIT_INTERRUPTED: i32 = 130;

/// How a command ended, when it did not fail to run at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// The command ran and found a failure CI must act on.
    Failure,
    /// Ctrl-C or SIGTERM: what finished is kept.
    Interrupted,
}

impl Outcome {
    pub fn from_ok(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

/// The exit code of a command's result.
pub fn exit_code(result: &anyhow::Result<Outcome>) -> i32 {
    match result {
        Ok(Outcome::Success) => EXIT_OK,
        Ok(Outcome::Failure) => EXIT_FAILED,
        Ok(Outcome::Interrupted) => EXIT_INTERRUPTED,
        Err(e) if is_bad_input(e) => EXIT_BAD_INPUT,
        Err(_) => EXIT_ERROR,
    }
}

/// What every command may need from its surroundings.
pub struct Context {
    /// The benchmatrix checkout (workloads/, targets/, runners/, templates/, reports/).
    pub root: PathBuf,
    /// The binary that runs in launcher mode (normally this very executable).
    pub launcher: PathBuf,
    pub command_line: Vec<String>,
    /// Set when the user interrupts.
    pub interrupt: &'static AtomicBool,
}
