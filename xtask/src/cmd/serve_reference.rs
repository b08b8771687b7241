//! `cargo xtask serve-reference [--port N] [--workers N]`: the reference service
//! (load::server) as a program of the service protocol: `#bm listening <port>`, SIGTERM, `#bm done`;
//! and `cargo xtask serve-mock`, the client mode's mock API (load::mock) the same way, for
//! people writing a chat-client implementation.

use std::io::Write;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// The port on 127.0.0.1 (0: the kernel picks one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Runtime workers (default: one per core, as SERVICE.md states for Rust).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Misbehave on purpose (for the tests of the service driver): `wrong-content` answers
    /// chats with the wrong echo, `accept-malformed` answers 200 to a malformed body.
    #[arg(long, value_parser = ["wrong-content", "accept-malformed"])]
    pub fault: Option<String>,
    /// The service protocol's `key=value` arguments, as the matrix passes them: `port=N`
    /// is the port; the others (`bm.service=1`, the workload's parameters) are ignored.
    #[arg(value_name = "KEY=VALUE")]
    pub params: Vec<String>,
}

impl Args {
    pub fn run(self, ctx: &super::Context) -> anyhow::Result<super::Outcome> {
        let mut port = self.port;
        for p in &self.params {
            if let Some(v) = p.strip_prefix("port=") {
                port = v.parse().map_err(|_| crate::error::BadInput(format!("port={v}: not a port number (0-65535)")))?;
            }
        }
        let faults = crate::load::server::Faults {
            wrong_content: self.fault.as_deref() == Some("wrong-content"),
            accept_malformed: self.fault.as_deref() == Some("accept-malformed"),
            ..Default::default()
        };
        let workers = self.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        serve_until_stopped(port, crate::load::server::ServerOptions { workers, faults, mock: None }, ctx)
    }
}

/// `cargo xtask serve-mock`: the mock API of workloads/chat-client/README.md on one thread.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// The port on 127.0.0.1 (0: the kernel picks one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Microseconds waited before every plain answer.
    #[arg(long, default_value_t = 1000)]
    pub latency_us: u64,
    /// Microseconds waited before every stream event.
    #[arg(long, default_value_t = 1000)]
    pub chunk_us: u64,
    /// The length in bytes every chat request's user content must have (the `content`
    /// parameter the client is given; the S payload gives 881).
    #[arg(long, default_value_t = 881)]
    pub content: usize,
}

impl MockArgs {
    pub fn run(self, ctx: &super::Context) -> anyhow::Result<super::Outcome> {
        let mock = crate::load::mock::MockOptions {
            latency: Duration::from_micros(self.latency_us),
            chunk: Duration::from_micros(self.chunk_us),
            content_bytes: self.content,
        };
        let opts = crate::load::server::ServerOptions { workers: 1, faults: Default::default(), mock: Some(mock) };
        serve_until_stopped(self.port, opts, ctx)
    }
}

/// Binds, prints `#bm listening <port>`, serves until SIGTERM or Ctrl-C, prints `#bm done`.
fn serve_until_stopped(port: u16, opts: crate::load::server::ServerOptions, ctx: &super::Context) -> anyhow::Result<super::Outcome> {
    {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))
            .map_err(|e| anyhow::anyhow!("cannot bind 127.0.0.1:{port}: {e} (pick another --port)"))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(opts.workers.max(1)).enable_all().build()?;
        let interrupt = ctx.interrupt;
        rt.block_on(async move {
            // Listening first, then the line (SERVICE.md).
            let serving = tokio::spawn(crate::load::server::serve(listener, opts, async move {
                while !crate::interrupt::requested(interrupt) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
            println!("#bm listening {port}");
            let _ = std::io::stdout().flush();
            let _ = serving.await;
        });
        drop(rt);
        println!("#bm done");
        let _ = std::io::stdout().flush();
        Ok(super::Outcome::Success)
    }
}
