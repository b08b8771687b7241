//! The launcher's Linux side: spawn the program, watch its pipes, signals and children,
//! reap every process of the run as it ends, stop or kill on request, timeout or cap, report.

use super::tree::{self, Cap};
use super::{shed, Capture, StdoutSplitter};
use crate::measure::{CapRecord, Exit, Leftovers, RawRun, Request, StopRecord};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// A process still alive this long after the program exited is a leftover.
const LEFTOVER_GRACE: Duration = Duration::from_millis(100);
/// How often the tree is counted against the process cap.
const CAP_CHECK_EVERY: Duration = Duration::from_millis(100);
/// How long to wait for the pipes to close once every process of the run has ended.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

fn check(rc: libc::c_int, what: &str) -> io::Result<libc::c_int> {
    if rc == -1 {
        let e = io::Error::last_os_error();
        Err(io::Error::new(e.kind(), format!("{what}: {e}")))
    } else {
        Ok(rc)
    }
}

fn set_nonblocking(fd: RawFd) {
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, "pipe2")?;
    set_nonblocking(fds[0]);
    unsafe { Ok((OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]))) }
}

fn cstrings(items: impl Iterator<Item = String>) -> io::Result<Vec<CString>> {
    items.map(|s| CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL byte in an argument"))).collect()
}

fn null_terminated(strings: &[CString]) -> Vec<*mut libc::c_char> {
    strings.iter().map(|s| s.as_ptr() as *mut libc::c_char).chain(std::iter::once(std::ptr::null_mut())).collect()
}

fn micros(tv: libc::timeval) -> u64 {
    tv.tv_sec as u64 * 1_000_000 + tv.tv_usec as u64
}

/// The figures gathered from every `wait4` of the tree.
#[derive(Default)]
struct Usage {
    user_us: u64,
    sys_us: u64,
    max_rss_kib: u64,
    nvcsw: u64,
    nivcsw: u64,
}

impl Usage {
    fn add(&mut self, ru: &libc::rusage) {
        self.user_us += micros(ru.ru_utime);
        self.sys_us += micros(ru.ru_stime);
        // ru_maxrss is the largest single process, never a sum.
        self.max_rss_kib = self.max_rss_kib.max(ru.ru_maxrss as u64);
        self.nvcsw += ru.ru_nvcsw as u64;
        self.nivcsw += ru.ru_nivcsw as u64;
    }
}

/// Blocks the signals that end a session, and SIGCHLD, so they arrive on a signalfd: the
/// launcher then stops its tree first instead of leaving it running in its own process group,
/// and wakes for every child that ends.
fn signal_fd() -> io::Result<OwnedFd> {
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGCHLD] {
            libc::sigaddset(&mut set, sig);
        }
        check(libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()), "sigprocmask")?;
        let fd = check(libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK), "signalfd")?;
        Ok(OwnedFd::from_raw_fd(fd))
    }
}

/// Drains the signalfd; returns the name of a stopping signal if one came.
fn read_signals(fd: RawFd) -> Option<&'static str> {
    let mut stop = None;
    loop {
        let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
        let n = unsafe { libc::read(fd, (&mut info as *mut libc::signalfd_siginfo).cast(), std::mem::size_of::<libc::signalfd_siginfo>()) };
        if n <= 0 {
            return stop;
        }
        stop = match info.ssi_signo as i32 {
            libc::SIGINT => Some("SIGINT"),
            libc::SIGTERM => Some("SIGTERM"),
            libc::SIGHUP => Some("SIGHUP"),
            _ => stop,
        };
    }
}

/// Reads what is available from a non-blocking pipe; false at EOF.
fn read_some(fd: RawFd, buf: &mut [u8], mut sink: impl FnMut(&[u8])) -> bool {
    loop {
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            sink(&buf[..n as usize]);
        } else if n == 0 {
            return false;
        } else {
            return match io::Error::last_os_error().kind() {
                io::ErrorKind::Interrupted => continue,
                _ => true, // WouldBlock: nothing more for now
            };
        }
    }
}

/// This process's own peak RSS. Not `getrusage(RUSAGE_SELF)`: its `ru_maxrss` includes the
/// peak of the supervisor this launcher was exec'd from (folded in at exec).
fn own_peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("VmHWM:").and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())))
        .unwrap_or(0)
}

fn failed_spawn(req: &Request, rc: i32) -> RawRun {
    let message = format!("cannot start `{}`: {}\n", req.argv[0], io::Error::from_raw_os_error(rc));
    RawRun {
        exit: Exit::Code(127),
        wall_ns: 0,
        user_us: 0,
        sys_us: 0,
        peak_rss_kib: 0,
        voluntary_csw: 0,
        involuntary_csw: 0,
        orphans_reaped: 0,
        orphan_cpu_us: 0,
        leftovers: 0,
        outlived_ns: 0,
        killed: 0,
        stop: None,
        cap: None,
        protocol: Vec::new(),
        events_ns: Vec::new(),
        stdout: String::new(),
        stdout_bytes: 0,
        stderr_bytes: message.len() as u64,
        stderr: message,
        launcher_cpu_us: 0,
        launcher_peak_rss_kib: 0,
    }
}

/// Starts the program: own process group, stdin from /dev/null, stdout and stderr on pipes,
/// default signal dispositions and an empty signal mask.
fn spawn(argv: &[CString], envp: &[CString], out_w: &OwnedFd, err_w: &OwnedFd) -> (libc::pid_t, i32) {
    let dev_null = CString::new("/dev/null").expect("no NUL");
    let mut pid: libc::pid_t = 0;
    unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        libc::posix_spawn_file_actions_init(&mut actions);
        libc::posix_spawn_file_actions_addopen(&mut actions, 0, dev_null.as_ptr(), libc::O_RDONLY, 0);
        libc::posix_spawn_file_actions_adddup2(&mut actions, out_w.as_raw_fd(), 1);
        libc::posix_spawn_file_actions_adddup2(&mut actions, err_w.as_raw_fd(), 2);

        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        libc::posix_spawnattr_init(&mut attr);
        // Own process group (so the tree can be killed by group), default signal handlers
        // (Rust ignores SIGPIPE, and ignored signals survive exec), nothing blocked (this
        // launcher blocks SIGCHLD and the stop signals for its signalfd).
        let flags = libc::POSIX_SPAWN_SETPGROUP | libc::POSIX_SPAWN_SETSIGDEF | libc::POSIX_SPAWN_SETSIGMASK;
        libc::posix_spawnattr_setflags(&mut attr, flags as libc::c_short);
        libc::posix_spawnattr_setpgroup(&mut attr, 0);
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::posix_spawnattr_setsigdefault(&mut attr, &all);
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::posix_spawnattr_setsigmask(&mut attr, &none);

        let argv_ptrs = null_terminated(argv);
        let envp_ptrs = null_terminated(envp);
        let rc = libc::posix_spawnp(&mut pid, argv[0].as_ptr(), &actions, &attr, argv_ptrs.as_ptr(), envp_ptrs.as_ptr());
        libc::posix_spawn_file_actions_destroy(&mut actions);
        libc::posix_spawnattr_destroy(&mut attr);
        (pid, rc)
    }
}

/// A stop in progress: why, when SIGTERM went out, and how it went.
struct Stopping {
    reason: String,
    at: Instant,
    /// The grace ran out and the tree was SIGKILLed.
    escalated: bool,
    /// The program ended and what it left was killed.
    cleaned: bool,
}

pub(super) fn launch(req: &Request) -> io::Result<RawRun> {
    unsafe {
        check(libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")?;
        // If the supervisor dies, the launcher gets SIGTERM and takes its tree down with it.
        check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")?;
    }
    let sigfd = signal_fd()?;
    std::env::set_current_dir(&req.cwd).map_err(|e| io::Error::new(e.kind(), format!("cannot enter {}: {e}", req.cwd.display())))?;
    let argv = cstrings(req.argv.iter().cloned())?;
    let envp = cstrings(req.env.iter().map(|(k, v)| format!("{k}={v}")))?;
    if argv.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty argv"));
    }
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    // The supervisor's control pipe ("stop"); EOF only means it will send nothing more.
    let control = 0;
    set_nonblocking(control);
    let cap = Cap::enter(req.max_processes.max(1));
    shed::shed_start_up_pages();

    let started = Instant::now();
    let (pid, spawn_rc) = spawn(&argv, &envp, &out_w, &err_w);
    drop(out_w);
    drop(err_w);
    if spawn_rc != 0 {
        cap.leave();
        return Ok(failed_spawn(req, spawn_rc));
    }
    let elapsed_ns = |at: Instant| at.duration_since(started).as_nanos() as u64;

    let deadline = started + Duration::from_millis(req.timeout_ms);
    let grace = Duration::from_millis(req.grace_ms);
    let mut stdout = StdoutSplitter::new(req.capture_limit, req.event_prefix.as_deref());
    stdout.live = req.live;
    if req.live {
        use std::io::Write;
        let _ = std::io::stderr().write_all(format!("pid {pid}\n").as_bytes());
    }
    let mut stderr = Capture::new(req.capture_limit);
    let mut usage = Usage::default();
    let (mut out_open, mut err_open, mut control_open) = (true, true, true);
    let mut control_line = Vec::new();
    let mut main: Option<(Exit, u64, Instant)> = None;
    let (mut orphans_reaped, mut orphan_cpu_us, mut killed, mut leftovers) = (0u32, 0u64, 0u32, 0u32);
    let mut leftovers_checked = false;
    let mut chasing = false;
    let mut chased_down = 0u32;
    let mut last_exit = started;
    let mut stopping: Option<Stopping> = None;
    let mut cap_exceeded = false;
    let mut next_cap_check = started + CAP_CHECK_EVERY;
    let mut timed_out = false;
    let mut buf = vec![0u8; 64 * 1024];

    loop {
        // Reap whatever ended, the program or an orphan, as soon as it ends: no zombie waits.
        let has_children;
        loop {
            let mut status = 0;
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            let r = unsafe { libc::wait4(-1, &mut status, libc::WNOHANG, &mut ru) };
            if r > 0 {
                let now = Instant::now();
                usage.add(&ru);
                if r == pid {
                    let exit = if timed_out {
                        Exit::Timeout
                    } else if libc::WIFSIGNALED(status) {
                        Exit::Signal(libc::WTERMSIG(status))
                    } else {
                        Exit::Code(libc::WEXITSTATUS(status))
                    };
                    main = Some((exit, elapsed_ns(now), now));
                } else {
                    orphans_reaped += 1;
                    orphan_cpu_us += micros(ru.ru_utime) + micros(ru.ru_stime);
                    if chasing && libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL {
                        // Killed by the process-group kill of a sweep that the /proc walk missed.
                        chased_down += 1;
                    }
                }
                last_exit = now;
            } else {
                has_children = r == 0;
                break;
            }
        }
        if main.is_some() && !has_children {
            break;
        }

        let now = Instant::now();
        if now >= deadline && !timed_out {
            timed_out = true;
            killed += tree::kill_tree(pid, &cap);
            if main.is_none() {
                // Reaped above on the next pass, marked as the timeout.
                continue;
            }
        }
        if let Some(s) = &mut stopping {
            if main.is_none() && !s.escalated && now >= s.at + grace {
                // The grace is over: the program and its tree are killed.
                s.escalated = true;
                killed += tree::kill_tree(pid, &cap);
            } else if main.is_some() && !s.cleaned {
                // The program ended on its own; whatever it left goes with it.
                s.cleaned = true;
                killed += tree::kill_tree(pid, &cap);
            }
        }
        if let Some((_, _, exited)) = main {
            if !leftovers_checked && now >= exited + LEFTOVER_GRACE {
                leftovers_checked = true;
                // wait4 said children remain, and every child of this launcher past the program's
                // exit is a leftover (orphans are re-parented here). The /proc walk counts them but
                // can miss a link of a fast fork chain between its parent's exit and its
                // re-parenting, so it never decides alone whether there are any.
                leftovers = (tree::descendants(unsafe { libc::getpid() }).len() as u32).max(u32::from(has_children));
                if leftovers > 0 && req.leftovers == Leftovers::Kill {
                    killed += tree::kill_tree(pid, &cap);
                    chasing = true;
                }
            } else if chasing && has_children {
                // A chain can outrun one sweep: sweep again until wait4 finds no child at all.
                killed += tree::kill_tree(pid, &cap);
            }
        }
        if now >= next_cap_check {
            next_cap_check = now + CAP_CHECK_EVERY;
            let alive = cap.polls().then(|| tree::descendants(unsafe { libc::getpid() }).len());
            if !cap_exceeded && cap.exceeded(alive) {
                cap_exceeded = true;
                killed += tree::kill_tree(pid, &cap);
            }
        }

        let mut wake = deadline.min(next_cap_check);
        if let Some(s) = stopping.as_ref().filter(|s| !s.escalated) {
            wake = wake.min(s.at + grace);
        }
        if let (Some((_, _, exited)), false) = (main, leftovers_checked) {
            wake = wake.min(exited + LEFTOVER_GRACE);
        }
        if chasing {
            wake = Instant::now();
        }
        let timeout_ms = wake.saturating_duration_since(Instant::now()).as_millis().clamp(1, 1000) as i32;
        let mut fds = [
            libc::pollfd { fd: if out_open { out_r.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: if err_open { err_r.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: if control_open { control } else { -1 }, events: libc::POLLIN, revents: 0 },
            libc::pollfd { fd: sigfd.as_raw_fd(), events: libc::POLLIN, revents: 0 },
        ];
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if rc < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
            return Err(io::Error::last_os_error());
        }
        let at = elapsed_ns(Instant::now());
        if out_open && fds[0].revents != 0 {
            out_open = read_some(out_r.as_raw_fd(), &mut buf, |b| stdout.feed(b, at));
        }
        if err_open && fds[1].revents != 0 {
            err_open = read_some(err_r.as_raw_fd(), &mut buf, |b| stderr.push(b));
        }
        let mut stop_reason: Option<String> = None;
        if control_open && fds[2].revents != 0 {
            control_open = read_some(control, &mut buf, |b| control_line.extend_from_slice(b));
            if control_line.split(|&b| b == b'\n').any(|l| l == b"stop") {
                stop_reason = Some("requested".into());
            }
            if control_line.len() > 4096 {
                control_line.clear();
            }
        }
        if fds[3].revents != 0 {
            if let Some(sig) = read_signals(sigfd.as_raw_fd()) {
                stop_reason = Some(format!("interrupted by {sig}"));
            }
        }
        if let (Some(reason), None) = (stop_reason, &stopping) {
            let now = Instant::now();
            if main.is_none() {
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
            stopping = Some(Stopping { reason, at: now, escalated: false, cleaned: false });
        }
    }

    // Every process of the run has ended; what they wrote is read to its end (bounded, in
    // case a pipe escaped to a process outside the tree).
    let drain_until = Instant::now() + DRAIN_LIMIT;
    while (out_open || err_open) && Instant::now() < drain_until {
        let at = elapsed_ns(Instant::now());
        if out_open {
            out_open = read_some(out_r.as_raw_fd(), &mut buf, |b| stdout.feed(b, at));
        }
        if err_open {
            err_open = read_some(err_r.as_raw_fd(), &mut buf, |b| stderr.push(b));
        }
        if out_open || err_open {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    if !cap_exceeded && cap.exceeded(None) {
        cap_exceeded = true;
    }
    let cap_record = CapRecord { mechanism: cap.mechanism().to_string(), max: cap.max(), exceeded: cap_exceeded };
    cap.leave();

    let end = elapsed_ns(Instant::now());
    let (exit, wall_ns, exited) = main.expect("the loop ends only after the program was reaped");
    let (protocol, events_ns, stdout_text, stdout_bytes) = stdout.finish(end);
    let (stderr_text, stderr_bytes) = stderr.finish();
    let mut own: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut own) };
    let stop = stopping.map(|s| StopRecord { reason: s.reason, at_ns: elapsed_ns(s.at), graceful: !s.escalated });
    Ok(RawRun {
        exit,
        wall_ns,
        user_us: usage.user_us,
        sys_us: usage.sys_us,
        peak_rss_kib: usage.max_rss_kib,
        voluntary_csw: usage.nvcsw,
        involuntary_csw: usage.nivcsw,
        orphans_reaped,
        orphan_cpu_us,
        leftovers,
        outlived_ns: last_exit.saturating_duration_since(exited).as_nanos() as u64,
        killed: killed.max(chased_down),
        stop,
        cap: Some(cap_record),
        protocol,
        events_ns,
        stdout: stdout_text,
        stdout_bytes,
        stderr: stderr_text,
        stderr_bytes,
        launcher_cpu_us: micros(own.ru_utime) + micros(own.ru_stime),
        launcher_peak_rss_kib: own_peak_rss_kib(),
    })
}
