//! One module per subcommand.

pub mod bench;
pub mod compare;
pub mod history;
pub mod launch;
pub mod matrix;
pub mod report;
pub mod setup;

/// Exit codes, for CI: 0 all ran cells verified, 1 a cell failed (or a required target was
/// missing), 2 bad input (arguments, unreadable files).
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
