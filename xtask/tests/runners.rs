//! Conformance of every language's runner (runners/<lang>/) with runners/PROTOCOL.md: each one is
//! built around the fixture workload of tests/runners/<lang>/ with the commands of targets/*.toml,
//! then run for the ready/iter/result/done lines, `bm.cycle`, the usage errors (exit 2 before
//! `#bm ready`) and the nondeterminism error (exit 3). A missing toolchain skips its language,
//! unless BENCHMATRIX_REQUIRE_TOOLCHAINS=1 makes that a failure.
//!
//! Only std and tempfile: the test speaks the protocol from the outside, as the supervisor does,
//! without xtask's own parser.

mod common;

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No single run of a fixture may take longer than this (a hung runner fails the test).
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the repository root").to_path_buf()
}

fn fixture(lang: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runners").join(lang)
}

fn runner(lang: &str) -> PathBuf {
    root().join("runners").join(lang)
}

/// Whether every tool is installed (common::toolchain: skips with the reason, or fails under
/// BENCHMATRIX_REQUIRE_TOOLCHAINS=1).
fn toolchain(lang: &str, tools: &[&str]) -> bool {
    common::toolchain("runner conformance", lang, tools, &[])
}

/// Runs one build command; a failure fails the test with the compiler's output.
fn build(argv: &[OsString]) {
    let out =
        Command::new(&argv[0]).args(&argv[1..]).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("cannot start {:?}: {e}", argv[0]));
    assert!(
        out.status.success(),
        "build failed: {argv:?}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn os(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_os_string()).collect()
}

fn copy_into(dir: &Path, files: &[PathBuf]) {
    for f in files {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap_or_else(|e| panic!("copy {}: {e}", f.display()));
    }
}

struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// One run of the built fixture with `args`, stdout and stderr in files (no pipe can fill up),
/// killed after RUN_TIMEOUT.
fn run(prefix: &[OsString], args: &[&str], tmp: &Path) -> Output {
    let (out_path, err_path) = (tmp.join("stdout"), tmp.join("stderr"));
    let mut child = Command::new(&prefix[0])
        .args(&prefix[1..])
        .args(args)
        .current_dir(tmp)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", prefix[0]));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{prefix:?} {args:?} did not finish within {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output { code: status.code(), stdout: std::fs::read_to_string(&out_path).unwrap(), stderr: std::fs::read_to_string(&err_path).unwrap() }
}

fn describe(what: &str, args: &[&str], out: &Output) -> String {
    format!("{what}\n  args: {args:?}\n  exit: {:?}\n  stdout:\n{}\n  stderr:\n{}", out.code, out.stdout, out.stderr)
}

/// `#bm iter <i> <kind> <ns>` lines for iterations `0..n`, checked one by one.
fn check_iter_lines(lines: &[&str], warmup: u64, n: u64, args: &[&str], out: &Output) {
    assert_eq!(lines.len() as u64, n, "{}", describe(&format!("expected {n} `#bm iter` lines"), args, out));
    for (i, line) in (0u64..).zip(lines) {
        let fields: Vec<&str> = line.split(' ').collect();
        let kind = if i < warmup { "warmup" } else { "measured" };
        let ok = fields.len() == 5 && fields[..4] == ["#bm", "iter", &i.to_string(), kind] && fields[4].parse::<u64>().is_ok();
        assert!(ok, "{}", describe(&format!("line {line:?} should be `#bm iter {i} {kind} <ns>`"), args, out));
    }
}

/// A successful run: ready, one iter line per iteration, the result lines, done, exit 0.
fn expect_ok(prefix: &[OsString], tmp: &Path, args: &[&str], warmup: u64, iterations: u64, result: &[&str]) {
    let out = run(prefix, args, tmp);
    assert_eq!(out.code, Some(0), "{}", describe("expected exit 0", args, &out));
    assert!(out.stdout.ends_with('\n'), "{}", describe("stdout must end with a newline", args, &out));
    let lines: Vec<&str> = out.stdout.lines().collect();
    let n = (warmup + iterations) as usize;
    assert!(
        lines.len() == 1 + n + result.len() + 1,
        "{}",
        describe(&format!("expected ready, {n} iter lines, {} result lines, done", result.len()), args, &out)
    );
    assert_eq!(lines[0], "#bm ready", "{}", describe("`#bm ready` comes first", args, &out));
    check_iter_lines(&lines[1..=n], warmup, warmup + iterations, args, &out);
    assert_eq!(
        &lines[n + 1..n + 1 + result.len()],
        result,
        "{}",
        describe("the result: the cycle's units in order, one line each", args, &out)
    );
    assert_eq!(lines[lines.len() - 1], "#bm done", "{}", describe("`#bm done` comes last", args, &out));
}

/// A usage error: exit 2, a message on stderr, nothing of the protocol (in particular no `#bm ready`) on stdout.
fn expect_usage_error(prefix: &[OsString], tmp: &Path, args: &[&str]) {
    let out = run(prefix, args, tmp);
    assert_eq!(out.code, Some(2), "{}", describe("expected a usage error (exit 2)", args, &out));
    assert!(!out.stdout.contains("#bm"), "{}", describe("a usage error comes before `#bm ready`", args, &out));
    assert!(!out.stderr.trim().is_empty(), "{}", describe("a usage error says why on stderr", args, &out));
}

/// A nondeterministic result at iteration `at`: the iter lines up to it, the error line, exit 3.
fn expect_nondeterministic(prefix: &[OsString], tmp: &Path, args: &[&str], warmup: u64, at: u64) {
    let out = run(prefix, args, tmp);
    assert_eq!(out.code, Some(3), "{}", describe("expected exit 3 (nondeterministic result)", args, &out));
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.len() as u64 == at + 3, "{}", describe(&format!("expected ready, {} iter lines, the error line", at + 1), args, &out));
    assert_eq!(lines[0], "#bm ready", "{}", describe("`#bm ready` comes first", args, &out));
    check_iter_lines(&lines[1..lines.len() - 1], warmup, at + 1, args, &out);
    assert_eq!(
        lines[lines.len() - 1],
        format!("#bm error nondeterministic result at iteration {at}"),
        "{}",
        describe("the error line comes last", args, &out)
    );
}

/// The whole protocol against one built fixture (`prefix` starts it; arguments follow).
fn conformance(prefix: &[OsString], tmp: &Path) {
    // A cycle of 3 units over 2 warm-ups and 4 measured iterations; arguments in any order,
    // results without a newline get one.
    expect_ok(prefix, tmp, &["m=3", "bm.cycle=3", "nl=0", "bm.iterations=4", "bm.warmup=2"], 2, 4, &["unit 0", "unit 1", "unit 2"]);
    // The default cycle is 1: the first result only, its own newline not doubled.
    expect_ok(prefix, tmp, &["bm.warmup=1", "bm.iterations=2", "m=1", "nl=1"], 1, 2, &["unit 0"]);
    // A cycle as long as the run (no warm-up); every unit appears once.
    expect_ok(prefix, tmp, &["bm.iterations=3", "bm.cycle=3", "m=3", "nl=1"], 0, 3, &["unit 0", "unit 1", "unit 2"]);

    for bad in [
        &["bm.cycle=0", "m=1", "nl=0"][..],
        &["bm.cycle=x", "m=1", "nl=0"],
        &["bm.cycle=-1", "m=1", "nl=0"],
        &["bm.cycle=", "m=1", "nl=0"],
        &["bm.cycel=2", "m=1", "nl=0"],
        &["bm.warmup=1", "bm.iterations=2", "bm.cycle=4", "m=4", "nl=0"],
    ] {
        expect_usage_error(prefix, tmp, bad);
    }

    // Every result differs (m=0): with the default cycle the second iteration is the first mismatch.
    expect_nondeterministic(prefix, tmp, &["bm.warmup=1", "bm.iterations=3", "m=0", "nl=0"], 1, 1);
    // Units cycle every 3 iterations, the runner was told 2: iteration 2 (unit 2) differs from 0 (unit 0).
    expect_nondeterministic(prefix, tmp, &["bm.warmup=0", "bm.iterations=6", "bm.cycle=2", "m=3", "nl=0"], 0, 2);
}

#[test]
fn rust_runner() {
    if !toolchain("rust", &["rustc"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let rlib = out.join("libbm_runner.rlib");
    let opt = ["--edition", "2021", "-C", "opt-level=3", "-C", "codegen-units=1"];
    let mut lib = os(&[&"rustc"]);
    lib.extend(opt.iter().map(OsString::from));
    lib.extend(os(&[&"--crate-type", &"rlib", &"--crate-name", &"bm_runner", &"-o", &rlib, &runner("rust").join("lib.rs")]));
    build(&lib);
    let mut bin = os(&[&"rustc"]);
    bin.extend(opt.iter().map(OsString::from));
    let mut extern_arg = OsString::from("bm_runner=");
    extern_arg.push(&rlib);
    bin.extend(os(&[&"--extern", &extern_arg, &"-o", &out.join("main"), &fixture("rust").join("main.rs")]));
    build(&bin);
    conformance(&os(&[&out.join("main")]), out);
}

#[test]
fn cpp_runner() {
    if !toolchain("cpp", &["g++"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    build(&os(&[
        &"g++",
        &"-O2",
        &"-fno-math-errno",
        &"-std=c++17",
        &"-I",
        &runner("cpp"),
        &"-o",
        &out.join("main"),
        &fixture("cpp").join("main.cpp"),
    ]));
    conformance(&os(&[&out.join("main")]), out);
}

#[test]
fn java_runner() {
    if !toolchain("java", &["javac", "java"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let classes = out.join("classes");
    build(&os(&[&"javac", &"-d", &classes, &runner("java").join("Runner.java"), &fixture("java").join("Main.java")]));
    conformance(&os(&[&"java", &"-XX:+UseSerialGC", &"-Xms64m", &"-Xmx2g", &"-cp", &classes, &"Main"]), out);
}

#[test]
fn csharp_runner() {
    if !toolchain("csharp", &["mcs", "mono"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let mut exe = OsString::from("-out:");
    exe.push(out.join("main.exe"));
    build(&os(&[&"mcs", &"-optimize+", &"-nologo", &exe, &runner("csharp").join("Runner.cs"), &fixture("csharp").join("Main.cs")]));
    conformance(&os(&[&"mono", &out.join("main.exe")]), out);
}

#[test]
fn node_runner() {
    if !toolchain("node", &["node"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    copy_into(out, &[runner("node").join("runner.js"), fixture("node").join("main.js")]);
    conformance(&os(&[&"node", &"--max-old-space-size=2048", &out.join("main.js")]), out);
}

#[test]
fn python_runner() {
    if !toolchain("python", &["python3"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    copy_into(out, &[runner("python").join("runner.py"), fixture("python").join("main.py")]);
    // The real interpreter behind a shim such as pyenv's, as targets/python.toml resolves it.
    let exe = Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3 runs");
    let exe = String::from_utf8(exe.stdout).unwrap().trim().to_string();
    let exe = if exe.is_empty() { "python3".to_string() } else { exe };
    conformance(&os(&[&exe, &out.join("main.py")]), out);
}

#[test]
fn php_runner() {
    if !toolchain("php", &["php"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    copy_into(out, &[runner("php").join("runner.php"), fixture("php").join("main.php")]);
    conformance(&os(&[&"php", &"-d", &"memory_limit=2G", &out.join("main.php")]), out);
}

/// The Haxe runner compiled with the fixture for one Haxe output (`--js main.js`, `--neko main.n`).
fn haxe_build(out: &Path, flag: &str, file: &str) -> PathBuf {
    let artifact = out.join(file);
    let argv = os(&[
        &"haxe",
        &"-cp",
        &runner("haxe"),
        &"-cp",
        &fixture("haxe"),
        &"-main",
        &"Main",
        &"-D",
        &"analyzer-optimize",
        &"-dce",
        &"full",
        &flag,
        &artifact,
    ]);
    build(&argv);
    artifact
}

#[test]
fn haxe_runner_on_js() {
    if !toolchain("haxe-js", &["haxe", "node"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let js = haxe_build(out, "--js", "main.js");
    conformance(&os(&[&"node", &"--max-old-space-size=2048", &js]), out);
}

#[test]
fn haxe_runner_on_neko() {
    if !toolchain("haxe-neko", &["haxe", "neko"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path();
    let n = haxe_build(out, "--neko", "main.n");
    conformance(&os(&[&"neko", &n]), out);
}
