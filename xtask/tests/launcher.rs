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
    let baseline = median_of((0..3).map(|_| launch(&[p, "0"], 10_000).max_rss_kib).collect());
    let with = median_of((0..3).map(|_| launch(&[p, "50"], 10_000).max_rss_kib).collect());
    let grown = with as f64 - baseline as f64;
    let expected = 50.0 * 1024.0;
    assert!((grown - expected).abs() <= expected * 0.10, "baseline {baseline} KiB, with 50 MiB {with} KiB: grew {grown} KiB, expected {expected} KiB ± 10 %");
}

#[test]
fn a_no_op_reads_under_8_mib_after_the_supervisor_allocated_300_mb() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Touch every page so this process's peak RSS really is 300 MB.
    let ballast = vec![1u8; 300 << 20];
    let noop = program("noop", true);
    let run = launch(&[noop.to_str().unwrap()], 10_000);
    assert_eq!(run.exit, Exit::Code(0));
    assert!(run.max_rss_kib < 8 * 1024, "no-op read {} KiB", run.max_rss_kib);
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
    assert!(cpu_ms >= 290.0, "cpu {cpu_ms} ms");
    // A shared 2-core machine may preempt it; CPU must still be most of the wall time.
    assert!(cpu_ms <= wall_ms * 1.02 && cpu_ms >= wall_ms * 0.8, "cpu {cpu_ms} ms vs wall {wall_ms} ms");
}

#[test]
fn an_orphaned_grandchild_is_reaped_and_its_cpu_counted() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let orphan = program("orphan", false);
    let run = launch(&[orphan.to_str().unwrap(), "300"], 10_000);
    assert_eq!(run.exit, Exit::Code(0));
    assert!(run.orphans_reaped >= 1, "orphans reaped: {}", run.orphans_reaped);
    assert!(run.cpu_us() >= 280_000, "the orphan's 300 ms of CPU were not counted: {} us", run.cpu_us());
    assert_eq!(run.killed, 0);
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
    let run = launch(&["sh", "-c", "echo '#bm ready'; head -c 3145728 /dev/zero | tr '\\0' x; echo; echo '#bm done' ; echo err >&2"], 10_000);
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
