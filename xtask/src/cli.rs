//! The command line: `cargo xtask <command>`, one `Args` struct per command (in `cmd/`).

use crate::cmd::{self, Context, Outcome};
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about = "benchmatrix: the same workloads in every language and runtime, measured honestly")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build every workload for every target, run and verify each, write results and a report.
    Matrix(cmd::matrix::Args),
    /// Join shard runs (`matrix --shard I/N`) into one run: figures recomputed, machines kept.
    Merge(cmd::merge::Args),
    /// Compare two runs: regressions only where the whole 95 % interval is beyond the threshold.
    Compare(cmd::compare::Args),
    /// Each cell's trend over the stored runs of this machine.
    History(cmd::history::Args),
    /// Re-render DIR/index.html and DIR/summary.md from DIR/results.json (figures recomputed).
    Report(cmd::report::Args),
    /// Write one run in another format: json, csv, markdown, bmf, gab, prometheus, junit.
    Export(cmd::export::Args),
    /// Build the static report site of a history of runs: index, every report, trends.
    Site(cmd::site::Args),
    /// Print (or with --run, run) the apt-get line that installs the missing Debian toolchains.
    Setup(cmd::setup::Args),
    /// Benchmark the measuring itself (launch overhead, memory floor, noise, own cost).
    BenchSupervisor(cmd::bench::Args),
    /// Benchmark the load generator against wrk on the reference server.
    BenchLoad(cmd::bench_load::Args),
    /// Serve runners/SERVICE.md's routes (the reference service) until SIGTERM.
    ServeReference(cmd::serve_reference::Args),
    /// Serve the client mode's mock API (workloads/chat-client/README.md) until SIGTERM.
    ServeMock(cmd::serve_reference::MockArgs),
}

impl Cli {
    pub fn run(self, ctx: &Context) -> anyhow::Result<Outcome> {
        match self.command {
            Command::Matrix(a) => a.run(ctx),
            Command::Merge(a) => a.run(ctx),
            Command::Compare(a) => a.run(ctx),
            Command::History(a) => a.run(ctx),
            Command::Report(a) => a.run(ctx),
            Command::Export(a) => a.run(ctx),
            Command::Setup(a) => a.run(ctx),
            Command::Site(a) => a.run(ctx),
            Command::BenchSupervisor(a) => a.run(ctx),
            Command::BenchLoad(a) => a.run(ctx),
            Command::ServeReference(a) => a.run(ctx),
            Command::ServeMock(a) => a.run(ctx),
        }
    }
}
