//! The `cargo xtask` entry point: launcher mode first, then the command line, one exit code.

use clap::Parser;
use xtask::cli::Cli;
use xtask::cmd::{self, Context};
use xtask::measure::launcher::MODE_ARG;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Launcher mode first, before anything else allocates (see measure::launcher).
    if args.get(1).map(String::as_str) == Some(MODE_ARG) {
        cmd::launch::run(args.get(2).map_or("", String::as_str));
    }
    // Like any Unix filter: `cargo xtask history | head` ends quietly instead of panicking
    // on a closed pipe (Rust ignores SIGPIPE by default).
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    let cli = Cli::parse();
    xtask::interrupt::install();
    let result = std::env::current_exe().map_err(|e| anyhow::anyhow!("cannot find this executable to use as the launcher: {e}")).and_then(
        |launcher| {
            cli.run(&Context {
                root: xtask::paths::project_root(),
                launcher,
                command_line: args.clone(),
                interrupt: xtask::interrupt::global(),
            })
        },
    );
    if let Err(e) = &result {
        eprintln!("error: {}", xtask::export::escape::terminal(&format!("{e:#}")));
    }
    std::process::exit(cmd::exit_code(&result))
}
