//! The launcher measures real processes honestly: memory, time, CPU, orphans, timeouts.

mod common;

use common::{launch, program, SERIAL};
use xtask::measure::Exit;

fn median_of(mut v: Vec<u64>) -> u64 {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn peak_rss_of_a_50_mib_allocation_is_50_mib_over_the_baseline() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let alloc = program("alloc", false);
    let p = alloc.to_str().unwrap();
    let baseline = median_of((0..3).map(|_| launch(&[p, "0"], 10_000).peak_rss_kib).collect());
    let with = median_of((0..3).map(|_| launch(&[p, "50"], 10_000).peak_rss_kib).collect());
    let grown = with as f64 - baseline as f64;
    let expected = 50.0 * 1024.0;
    assert!(
        (grown - expected).abs() <= expected * 0.10,
        "baseline {baseline} KiB, with 50 MiB {with} KiB: grew {grown} KiB, expected {expected} KiB ± 10 %"
    );
}

#[test]
fn a_no_op_reads_under_8_mib_after_the_supervisor_allocated_300_mb() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Touch every page so this process's peak RSS really is 300 MB.
    let ballast = vec![1u8; 300 << 20];
    let noop = program("noop", true);
    let run = launch(&[noop.to_str().unwrap()], 10_000);
    assert_eq!(run.exit, Exit::Code(0));
    assert!(run.peak_rss_kib < 8 * 1024, "no-op read {} KiB", run.peak_rss_kib);
    assert!(std::hint::black_box(&ballast)[12345] == 1);
}

#[test]
fn a_200_ms_sleep_takes_200_ms_of_wall_and_almost_no_cpu() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let sleep = program("sleep", false);
    // The best of three: a loaded machine can only delay a wake-up, never hasten it.
    let run = (0..3).map(|_| launch(&[sleep.to_str().unwrap(), "200"], 10_000)).min_by_key(|r| r.wall_ns).unwrap();
    let wall_ms = run.wall_ns as f64 / 1e6;
    assert!((195.0..300.0).contains(&wall_ms), "wall {wall_ms} ms");
    assert!(run.cpu_us() < 20_000, "cpu {} us", run.cpu_us());
}

#[test]
fn a_busy_loop_uses_cpu_close_to_its_wall_time() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let busy = program("busy", false);
    // The best of three: another process on a 2-core machine can only take the core away.
    let run = (0..3).map(|_| launch(&[busy.to_str().unwrap(), "300"], 10_000)).min_by_key(|r| r.wall_ns).unwrap();
    let (wall_ms, cpu_ms) = (run.wall_ns as f64 / 1e6, run.cpu_us() as f64 / 1e3);
    // All of its CPU is counted, and a single thread cannot use more CPU than wall time. (How
    // much of the wall time it got depends on the machine's load: not asserted.)
    assert!(cpu_ms >= 290.0, "cpu {cpu_ms} ms");
    assert!(cpu_ms <= wall_ms * 1.02, "cpu {cpu_ms} ms vs wall {wall_ms} ms");
}

#[test]
fn an_orphan_left_running_is_killed_and_counted_by_default() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let orphan = program("orphan", false);
    let started = std::time::Instant::now();
    let run = launch(&[orphan.to_str().unwrap(), "5000"], 20_000);
    assert_eq!(run.exit, Exit::Code(0));
    assert!(run.leftovers >= 1 && run.killed >= 1, "leftovers {} killed {}", run.leftovers, run.killed);
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "the 5 s orphan was not waited for");
    assert!(run.wall_ns < 1_000_000_000, "wall time is the program's own");
}

#[test]
fn where_leftovers_are_allowed_the_orphan_is_waited_for_and_its_cpu_counted() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let orphan = program("orphan", false);
    let mut req = common::request(&[orphan.to_str().unwrap(), "300"], 10_000);
    req.leftovers = xtask::measure::Leftovers::Wait;
    let run = xtask::measure::run(&common::launcher(), &req).unwrap();
    assert_eq!(run.exit, Exit::Code(0));
    assert!(run.orphans_reaped >= 1, "orphans reaped: {}", run.orphans_reaped);
    assert!(
        run.cpu_us() >= 280_000 && run.orphan_cpu_us >= 280_000,
        "the orphan's 300 ms of CPU were not counted: {} us ({} us orphan)",
        run.cpu_us(),
        run.orphan_cpu_us
    );
    assert!(run.outlived_ns >= 200_000_000, "it outlived the program by {} ns", run.outlived_ns);
    assert!(run.leftovers >= 1);
    assert_eq!(run.killed, 0);
}

#[test]
fn a_program_asked_to_stop_gets_sigterm_then_its_figures_are_reported() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let launcher = common::launcher();
    // Handles SIGTERM: exits 0 within the grace, and the record says so.
    let polite = common::request(&["sh", "-c", "trap 'echo bye; exit 0' TERM; echo '#bm ready'; while :; do sleep 0.05; done"], 10_000);
    let running = xtask::measure::start(&launcher, &polite).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    running.stop().unwrap();
    let run = running.wait().unwrap();
    assert_eq!(run.exit, Exit::Code(0));
    let stop = run.stop.clone().expect("a stop record");
    assert!(stop.graceful && stop.reason == "requested", "{stop:?}");
    assert!(run.stdout.contains("bye") && run.wall_ns >= 250_000_000, "{run:?}");
    // Ignores SIGTERM: killed with its tree once the grace is over, figures still reported.
    let mut stubborn = common::request(&["sh", "-c", "trap '' TERM; echo '#bm ready'; while :; do sleep 0.05; done"], 10_000);
    stubborn.grace_ms = 300;
    let running = xtask::measure::start(&launcher, &stubborn).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let asked = std::time::Instant::now();
    running.stop().unwrap();
    let run = running.wait().unwrap();
    let waited = asked.elapsed();
    assert_eq!(run.exit, Exit::Signal(9));
    assert!(!run.stop.as_ref().unwrap().graceful);
    assert!(waited >= std::time::Duration::from_millis(300) && waited < std::time::Duration::from_secs(3), "{waited:?}");
    assert!(run.protocol.iter().any(|l| l.line == "#bm ready"));
}

#[test]
fn a_hanging_program_and_all_its_children_are_killed_at_the_timeout() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let hang = program("hang", false);
    let run = launch(&[hang.to_str().unwrap()], 500);
    assert_eq!(run.exit, Exit::Timeout);
    let wall_ms = run.wall_ns as f64 / 1e6;
    assert!((500.0..1500.0).contains(&wall_ms), "wall {wall_ms} ms");
    let pids: Vec<i32> = run.stdout.lines().filter_map(|l| l.split_whitespace().nth(1)?.parse().ok()).collect();
    assert_eq!(pids.len(), 3, "stdout: {}", run.stdout);
    assert!(run.killed >= 3, "killed {}", run.killed);
    for pid in pids {
        // Gone entirely: killed and reaped (no zombie left behind either).
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists(), "pid {pid} survived");
    }
}

#[test]
fn exit_codes_signals_and_missing_programs_are_reported() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(launch(&["sh", "-c", "exit 3"], 10_000).exit, Exit::Code(3));
    assert_eq!(launch(&["sh", "-c", "kill -SEGV $$"], 10_000).exit, Exit::Signal(11));
    let missing = launch(&["/nonexistent/program"], 10_000);
    assert_eq!(missing.exit, Exit::Code(127));
    assert!(missing.stderr.contains("cannot start"), "{}", missing.stderr);
}

#[test]
fn output_is_capped_but_counted_and_protocol_lines_are_timestamped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let run =
        launch(&["sh", "-c", "echo '#bm ready'; head -c 3145728 /dev/zero | tr '\\0' x; echo; echo '#bm done' ; echo err >&2"], 10_000);
    assert_eq!(run.exit, Exit::Code(0));
    assert_eq!(run.stdout.len(), 1 << 20);
    assert_eq!(run.stdout_bytes, 3 * (1 << 20) + 1);
    let lines: Vec<&str> = run.protocol.iter().map(|l| l.line.as_str()).collect();
    assert_eq!(lines, ["#bm ready", "#bm done"]);
    assert!(run.protocol[0].at_ns <= run.protocol[1].at_ns && run.protocol[1].at_ns <= run.wall_ns + 50_000_000);
    assert_eq!(run.stderr, "err\n");
}

#[test]
fn a_program_reads_no_stdin_and_gets_default_sigpipe() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // stdin is /dev/null: `cat` ends at once instead of waiting for the supervisor.
    assert_eq!(launch(&["cat"], 5_000).exit, Exit::Code(0));
    // Rust ignores SIGPIPE; the program must get the default back.
    let run = launch(&["sh", "-c", "trap - PIPE; kill -PIPE $$"], 5_000);
    assert_eq!(run.exit, Exit::Signal(13));
}

#[test]
fn live_protocol_lines_reach_the_supervisor_while_the_program_runs() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut req = common::request(
        // The handler first, then the line: stopped the moment it says it listens, the shell
        // must already catch SIGTERM (as a server sets up its handler before it listens).
        &["sh", "-c", "trap 'echo \"#bm done\"; exit 0' TERM; echo '#bm listening 4242'; while :; do sleep 0.05; done"],
        10_000,
    );
    req.live = true;
    let mut running = xtask::measure::start(&common::launcher(), &req).unwrap();
    let first = running.line(std::time::Duration::from_secs(5)).expect("the pid comes first");
    assert!(first.line.starts_with("pid "), "{first:?}");
    let pid = running.pid().expect("the pid is kept");
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists(), "the program runs");
    let listening = running.line(std::time::Duration::from_secs(5)).expect("a live line while the program runs");
    assert_eq!(listening.line, "#bm listening 4242");
    running.stop().unwrap();
    let run = running.wait().unwrap();
    assert_eq!(run.exit, Exit::Code(0));
    assert!(run.protocol.iter().any(|l| l.line == "#bm done"), "{:?}", run.protocol);
    assert!(run.stderr.is_empty(), "live lines are not the program's stderr: {:?}", run.stderr);
}
