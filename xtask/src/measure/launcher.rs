//! The launcher process: `xtask __launch <request json>`. It starts one program with
//! `posix_spawn` in its own process group, reaps it with `wait4` on its pid, acts as a child
//! subreaper so orphaned descendants are reaped and counted, enforces the timeout on the
//! whole tree, captures output with a cap, and prints one `RawRun` as JSON.
//!
//! Never `getrusage(RUSAGE_CHILDREN)`: it accumulates over every child ever reaped.

use super::{Exit, RawRun, Request, TimedLine};

/// The hidden first argument that turns the xtask binary into the launcher.
pub const MODE_ARG: &str = "__launch";

/// Upper bound on the bytes of protocol lines kept (they are short; this is a runaway guard).
const PROTOCOL_LIMIT: usize = 4 << 20;

/// Entry point of launcher mode. Prints the record and exits 0, or explains on stderr and exits 70.
pub fn main(request_json: &str) -> ! {
    let request: Request = match serde_json::from_str(request_json) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("launcher: bad request: {e}");
            std::process::exit(70);
        }
    };
    match sys::launch(&request) {
        Ok(record) => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            serde_json::to_writer(&mut lock, &record).expect("stdout is a pipe to the supervisor");
            std::process::exit(0)
        }
        Err(e) => {
            eprintln!("launcher: {e}");
            std::process::exit(70)
        }
    }
}

/// Keeps the first `limit` bytes and counts all of them.
#[derive(Debug)]
pub(crate) struct Capture {
    kept: Vec<u8>,
    total: u64,
    limit: usize,
}

impl Capture {
    pub(crate) fn new(limit: usize) -> Self {
        Capture { kept: Vec::new(), total: 0, limit }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let room = self.limit.saturating_sub(self.kept.len());
        self.kept.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }

    pub(crate) fn finish(self) -> (String, u64) {
        (String::from_utf8_lossy(&self.kept).into_owned(), self.total)
    }
}

/// Splits stdout into protocol lines (timestamped on arrival) and plain output.
#[derive(Debug)]
pub(crate) struct StdoutSplitter {
    partial: Vec<u8>,
    protocol: Vec<TimedLine>,
    protocol_bytes: usize,
    plain: Capture,
}

impl StdoutSplitter {
    pub(crate) fn new(limit: usize) -> Self {
        StdoutSplitter { partial: Vec::new(), protocol: Vec::new(), protocol_bytes: 0, plain: Capture::new(limit) }
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8], at_ns: u64) {
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            self.partial.extend_from_slice(&bytes[..nl]);
            self.take_line(at_ns, true);
            bytes = &bytes[nl + 1..];
        }
        self.partial.extend_from_slice(bytes);
        // A line longer than the cap cannot be a protocol line; stop buffering it.
        if self.partial.len() > self.plain.limit {
            let chunk = std::mem::take(&mut self.partial);
            self.plain.push(&chunk);
        }
    }

    fn take_line(&mut self, at_ns: u64, newline: bool) {
        let line = std::mem::take(&mut self.partial);
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        if text.starts_with(b"#bm ") && self.protocol_bytes + text.len() <= PROTOCOL_LIMIT {
            self.protocol_bytes += text.len();
            self.protocol.push(TimedLine { at_ns, line: String::from_utf8_lossy(text).into_owned() });
        } else {
            self.plain.push(&line);
            if newline {
                self.plain.push(b"\n");
            }
        }
    }

    pub(crate) fn finish(mut self, at_ns: u64) -> (Vec<TimedLine>, String, u64) {
        if !self.partial.is_empty() {
            self.take_line(at_ns, false);
        }
        let (text, total) = self.plain.finish();
        (self.protocol, text, total)
    }
}

#[cfg(target_os = "linux")]
mod sys {
    use super::*;
    use std::ffi::CString;
    use std::io;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::time::{Duration, Instant};

    fn check(rc: libc::c_int, what: &str) -> io::Result<libc::c_int> {
        if rc == -1 {
            let e = io::Error::last_os_error();
            Err(io::Error::new(e.kind(), format!("{what}: {e}")))
        } else {
            Ok(rc)
        }
    }

    fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
        let mut fds = [0; 2];
        check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, "pipe2")?;
        unsafe {
            let flags = libc::fcntl(fds[0], libc::F_GETFL);
            libc::fcntl(fds[0], libc::F_SETFL, flags | libc::O_NONBLOCK);
            Ok((OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])))
        }
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

    /// Blocks the signals that end a session so they arrive on a signalfd, where the launcher
    /// can kill its tree first instead of leaving it running in its own process group.
    fn signal_fd() -> io::Result<OwnedFd> {
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
                libc::sigaddset(&mut set, sig);
            }
            check(libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()), "sigprocmask")?;
            let fd = check(libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK), "signalfd")?;
            Ok(OwnedFd::from_raw_fd(fd))
        }
    }

    /// Every live descendant of `root`, found through /proc (catches those that left the
    /// process group with setsid).
    fn descendants(root: libc::pid_t) -> Vec<libc::pid_t> {
        let mut parent_of = Vec::new();
        if let Ok(dir) = std::fs::read_dir("/proc") {
            for entry in dir.flatten() {
                let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<libc::pid_t>().ok()) else { continue };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
                // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
                let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else { continue };
                let mut fields = after.split_whitespace();
                let state = fields.next().unwrap_or("");
                let Some(ppid) = fields.next().and_then(|s| s.parse::<libc::pid_t>().ok()) else { continue };
                if state != "Z" {
                    parent_of.push((pid, ppid));
                }
            }
        }
        let mut found = vec![root];
        let mut i = 0;
        while i < found.len() {
            let p = found[i];
            found.extend(parent_of.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
            i += 1;
        }
        found.remove(0);
        found
    }

    /// SIGKILLs the program's process group and every other descendant; returns how many lived.
    fn kill_tree(pgid: libc::pid_t) -> u32 {
        let alive = descendants(unsafe { libc::getpid() });
        unsafe {
            libc::killpg(pgid, libc::SIGKILL);
            for &pid in &alive {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        alive.len() as u32
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
                let e = io::Error::last_os_error();
                return match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    _ => true, // WouldBlock: nothing more for now
                };
            }
        }
    }

    /// Lowers the peak RSS this process passes on at `exec`. Start-up faulted in far more
    /// of this binary's and libc's pages than launching needs (fault-around maps 64 KiB per
    /// fault). Dropping the read-only file mappings that hold no written page (they are
    /// re-read from the page cache on demand), reading them one page at a time from here on,
    /// and then resetting the high-water mark to the current RSS leaves the launcher's true
    /// working set as the floor. Writable or relocated mappings are left alone: dropping
    /// them would lose their contents.
    fn shed_start_up_pages() {
        let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else { return };
        // (start, end, droppable) of the current mapping while its fields are read.
        let mut current: Option<(usize, usize, bool)> = None;
        let drop_range = |(start, end, droppable): (usize, usize, bool), anonymous_kib: u64| {
            // Only file pages that were never written: re-reading them from the page cache
            // gives the same bytes.
            if droppable && anonymous_kib == 0 {
                unsafe {
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_RANDOM);
                    libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED);
                }
            }
        };
        for line in smaps.lines() {
            let mut fields = line.split_whitespace();
            let Some(first) = fields.next() else { continue };
            if let Some(value) = line.strip_prefix("Anonymous:") {
                let kib = value.trim().trim_end_matches("kB").trim().parse().unwrap_or(u64::MAX);
                if let Some(m) = current.take() {
                    drop_range(m, kib);
                }
                continue;
            }
            let Some((start, end)) = first.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
            let perms = fields.next().unwrap_or("");
            let path = fields.nth(3).unwrap_or("");
            // Private, not writable, backed by a file (not [vdso], [stack] or the heap).
            let droppable = perms.len() == 4 && &perms[1..2] == "-" && perms.ends_with('p') && path.starts_with('/');
            current = Some((start, end, droppable));
        }
        // Fault the spawn path's own pages back in now, outside the measured window, with a
        // throw-away spawn of /bin/true; the pages it touches are the working set anyway.
        if let Ok(t) = CString::new("/bin/true") {
            let argv = [t.as_ptr() as *mut libc::c_char, std::ptr::null_mut()];
            let envp = [std::ptr::null_mut()];
            let mut pid = 0;
            unsafe {
                if libc::posix_spawn(&mut pid, t.as_ptr(), std::ptr::null(), std::ptr::null(), argv.as_ptr(), envp.as_ptr()) == 0 {
                    libc::waitpid(pid, std::ptr::null_mut(), 0);
                }
            }
        }
        // "5": reset the peak RSS to the current RSS (proc(5), clear_refs).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }

    pub fn launch(req: &Request) -> io::Result<RawRun> {
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
        let dev_null = CString::new("/dev/null").unwrap();
        shed_start_up_pages();

        let mut pid: libc::pid_t = 0;
        let started;
        let spawn_rc;
        unsafe {
            let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
            libc::posix_spawn_file_actions_init(&mut actions);
            libc::posix_spawn_file_actions_addopen(&mut actions, 0, dev_null.as_ptr(), libc::O_RDONLY, 0);
            libc::posix_spawn_file_actions_adddup2(&mut actions, out_w.as_raw_fd(), 1);
            libc::posix_spawn_file_actions_adddup2(&mut actions, err_w.as_raw_fd(), 2);

            let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
            libc::posix_spawnattr_init(&mut attr);
            // Own process group (so the timeout can kill the group), default signal handlers
            // (Rust ignores SIGPIPE, and ignored signals survive exec), nothing blocked.
            let flags = libc::POSIX_SPAWN_SETPGROUP | libc::POSIX_SPAWN_SETSIGDEF | libc::POSIX_SPAWN_SETSIGMASK;
            libc::posix_spawnattr_setflags(&mut attr, flags as libc::c_short);
            libc::posix_spawnattr_setpgroup(&mut attr, 0);
            let mut all: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::posix_spawnattr_setsigdefault(&mut attr, &all);
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::posix_spawnattr_setsigmask(&mut attr, &none);

            let argv_ptrs = null_terminated(&argv);
            let envp_ptrs = null_terminated(&envp);
            started = Instant::now();
            spawn_rc = libc::posix_spawnp(&mut pid, argv[0].as_ptr(), &actions, &attr, argv_ptrs.as_ptr(), envp_ptrs.as_ptr());
            libc::posix_spawn_file_actions_destroy(&mut actions);
            libc::posix_spawnattr_destroy(&mut attr);
        }
        drop(out_w);
        drop(err_w);
        let elapsed_ns = |at: Instant| at.duration_since(started).as_nanos() as u64;

        if spawn_rc != 0 {
            let e = io::Error::from_raw_os_error(spawn_rc);
            let message = format!("cannot start `{}`: {e}\n", req.argv[0]);
            return Ok(RawRun {
                exit: Exit::Code(127),
                wall_ns: 0,
                user_us: 0,
                sys_us: 0,
                max_rss_kib: 0,
                voluntary_csw: 0,
                involuntary_csw: 0,
                orphans_reaped: 0,
                killed: 0,
                protocol: Vec::new(),
                stdout: String::new(),
                stdout_bytes: 0,
                stderr_bytes: message.len() as u64,
                stderr: message,
                launcher_cpu_us: 0,
                launcher_max_rss_kib: 0,
            });
        }

        let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as RawFd;
        let deadline = started + Duration::from_millis(req.timeout_ms);
        let mut stdout = StdoutSplitter::new(req.capture_limit);
        let mut stderr = Capture::new(req.capture_limit);
        let mut usage = Usage::default();
        let mut out_open = true;
        let mut err_open = true;
        let mut main_exit: Option<(Exit, u64)> = None;
        let mut orphans_reaped = 0u32;
        let mut killed = 0u32;
        let mut buf = vec![0u8; 64 * 1024];

        loop {
            let now = Instant::now();
            if now >= deadline {
                killed += kill_tree(pid);
                if main_exit.is_none() {
                    let mut status = 0;
                    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                    if unsafe { libc::wait4(pid, &mut status, 0, &mut ru) } == pid {
                        usage.add(&ru);
                    }
                    main_exit = Some((Exit::Timeout, elapsed_ns(now)));
                }
                break;
            }
            // Once the program has exited, only orphans are left: tick to reap them.
            let wait_ms = if main_exit.is_some() { 5 } else { (deadline - now).as_millis().clamp(1, 1000) as i32 };
            let mut fds = [
                libc::pollfd { fd: if out_open { out_r.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: if err_open { err_r.as_raw_fd() } else { -1 }, events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: if main_exit.is_none() && pidfd >= 0 { pidfd } else { -1 }, events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: sigfd.as_raw_fd(), events: libc::POLLIN, revents: 0 },
            ];
            let timeout = if pidfd < 0 && main_exit.is_none() { wait_ms.min(5) } else { wait_ms };
            let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if rc < 0 && io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                return Err(io::Error::last_os_error());
            }
            let at = elapsed_ns(Instant::now());
            if fds[3].revents != 0 {
                kill_tree(pid);
                while unsafe { libc::wait4(-1, std::ptr::null_mut(), 0, std::ptr::null_mut()) } > 0 {}
                eprintln!("launcher: interrupted; the program and its children were killed");
                std::process::exit(130);
            }
            if out_open && fds[0].revents != 0 {
                out_open = read_some(out_r.as_raw_fd(), &mut buf, |b| stdout.feed(b, at));
            }
            if err_open && fds[1].revents != 0 {
                err_open = read_some(err_r.as_raw_fd(), &mut buf, |b| stderr.push(b));
            }
            if main_exit.is_none() {
                let mut status = 0;
                let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                if unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut ru) } == pid {
                    let wall = elapsed_ns(Instant::now());
                    usage.add(&ru);
                    let exit = if libc::WIFSIGNALED(status) { Exit::Signal(libc::WTERMSIG(status)) } else { Exit::Code(libc::WEXITSTATUS(status)) };
                    main_exit = Some((exit, wall));
                }
            } else {
                // Reap orphans that were re-parented to this subreaper.
                let no_children;
                loop {
                    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
                    let r = unsafe { libc::wait4(-1, std::ptr::null_mut(), libc::WNOHANG, &mut ru) };
                    if r > 0 {
                        usage.add(&ru);
                        orphans_reaped += 1;
                    } else {
                        no_children = r == -1;
                        break;
                    }
                }
                if no_children && !out_open && !err_open {
                    break;
                }
                if no_children {
                    // Nothing can hold the pipes any more; read them to their end.
                    while out_open || err_open {
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
                    break;
                }
            }
        }
        // After a kill: reap what is left, counting its usage, then read what remains.
        loop {
            let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
            let r = unsafe { libc::wait4(-1, std::ptr::null_mut(), 0, &mut ru) };
            if r <= 0 {
                break;
            }
            usage.add(&ru);
            orphans_reaped += 1;
        }
        let end = elapsed_ns(Instant::now());
        let _ = read_some(out_r.as_raw_fd(), &mut buf, |b| stdout.feed(b, end));
        let _ = read_some(err_r.as_raw_fd(), &mut buf, |b| stderr.push(b));
        if pidfd >= 0 {
            unsafe { libc::close(pidfd) };
        }

        let (exit, wall_ns) = main_exit.expect("the loop ends only after the program exited or was killed");
        let (protocol, stdout_text, stdout_bytes) = stdout.finish(end);
        let (stderr_text, stderr_bytes) = stderr.finish();
        let mut own: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut own) };
        Ok(RawRun {
            launcher_cpu_us: micros(own.ru_utime) + micros(own.ru_stime),
            launcher_max_rss_kib: own.ru_maxrss as u64,
            exit,
            wall_ns,
            user_us: usage.user_us,
            sys_us: usage.sys_us,
            max_rss_kib: usage.max_rss_kib,
            voluntary_csw: usage.nvcsw,
            involuntary_csw: usage.nivcsw,
            orphans_reaped,
            killed,
            protocol,
            stdout: stdout_text,
            stdout_bytes,
            stderr: stderr_text,
            stderr_bytes,
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod sys {
    use super::*;
    pub fn launch(_req: &Request) -> std::io::Result<RawRun> {
        Err(std::io::Error::new(std::io::ErrorKind::Unsupported, "the launcher needs Linux (wait4, subreaper, pidfd)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_the_first_bytes_and_counts_all() {
        let mut c = Capture::new(4);
        c.push(b"abc");
        c.push(b"defg");
        assert_eq!(c.finish(), ("abcd".to_string(), 7));
    }

    #[test]
    fn splitter_separates_protocol_lines_across_chunks() {
        let mut s = StdoutSplitter::new(1024);
        s.feed(b"#bm rea", 1);
        s.feed(b"dy\nhello\r\n#bm done\nno newline", 2);
        let (protocol, text, total) = s.finish(3);
        assert_eq!(protocol.iter().map(|l| (l.at_ns, l.line.as_str())).collect::<Vec<_>>(), vec![(2, "#bm ready"), (2, "#bm done")]);
        assert_eq!(text, "hello\r\nno newline");
        assert_eq!(total, text.len() as u64);
    }

    #[test]
    fn splitter_does_not_buffer_a_runaway_line() {
        let mut s = StdoutSplitter::new(8);
        s.feed(&[b'x'; 100], 1);
        let (_, text, total) = s.finish(2);
        assert_eq!(text.len(), 8);
        assert_eq!(total, 100);
    }
}
