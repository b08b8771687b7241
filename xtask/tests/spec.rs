//! Loading workload and target files: the shipped ones load; each bad case names the file,
//! the line, the field and the fix.

use std::path::{Path, PathBuf};
use xtask::error::SpecError;
use xtask::metric::Metric;
use xtask::paths::{project_root, targets_dir, workloads_dir};
use xtask::spec::{target, workload, CompareRule, Expected, Size};

const VALID: &str = r#"name = "demo"
summary = "a demo"
category = "test"

[compare]
rule = "exact"

[sizes.quick]
params = { n = 1 }
expected = "1"
timeout_secs = 5

[sizes.standard]
params = { n = 2 }
expected = "2"
timeout_secs = 5

[sizes.full]
params = { n = 3, mode = "fast" }
expected = "3"
timeout_secs = 5
iterations = 4
warmup = 2
"#;

fn write_workload(dir_name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(dir_name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("workload.toml"), text).unwrap();
    (tmp, dir)
}

fn load_err(dir_name: &str, text: &str) -> SpecError {
    let (_tmp, dir) = write_workload(dir_name, text);
    workload::load(&dir).expect_err("should be rejected")
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn shipped_workloads_and_targets_load() {
    let root = project_root();
    let workloads = workload::load_all(&workloads_dir(&root)).unwrap();
    assert!(workloads.iter().any(|(n, _)| n == "nbody") && workloads.iter().any(|(n, _)| n == "wordfreq"));
    for (name, w) in workloads {
        let w = w.unwrap_or_else(|e| panic!("{name}: {e}"));
        if w.kind == workload::Kind::Service {
            // Checked by the load generator, not against a text; but every size has its load.
            assert!(Size::ALL.iter().all(|&s| w.size(s).load.is_some()), "{name}: a load table per size");
            continue;
        }
        if w.kind == workload::Kind::Client {
            // Checked against the mock's counters; every size has its client table.
            assert!(Size::ALL.iter().all(|&s| w.size(s).client.is_some()), "{name}: a client table per size");
            continue;
        }
        for size in Size::ALL {
            for column in w.columns(size) {
                assert!(!w.variant(size, &column).expected.trim().is_empty(), "{name} {size} {column}");
            }
        }
    }
    let targets = target::load_all(&targets_dir(&root)).unwrap();
    let names: Vec<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    for required in [
        "haxe-js",
        "haxe-python",
        "haxe-php",
        "haxe-neko",
        "haxe-eval",
        "haxe-cpp",
        "haxe-jvm",
        "haxe-cs",
        "haxe-hl",
        "rust",
        "cpp",
        "java",
        "csharp",
        "node",
        "python",
        "php",
    ] {
        assert!(names.contains(&required), "target {required} is missing");
    }
    for (name, t) in targets {
        t.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn a_valid_workload_loads_with_defaults_and_overrides() {
    let (_tmp, dir) = write_workload("demo", VALID);
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.compare, CompareRule::Exact);
    let quick = w.size(Size::Quick);
    assert_eq!((quick.warmup, quick.iterations), (0, 1));
    assert_eq!(quick.params.get("n").map(String::as_str), Some("1"));
    let full = w.size(Size::Full);
    assert_eq!((full.warmup, full.iterations), (2, 4));
    assert_eq!(full.params.get("mode").map(String::as_str), Some("fast"));
}

#[test]
fn a_missing_expected_output_is_named() {
    let text = VALID.replace("expected = \"2\"\n", "");
    let e = load_err("demo", &text);
    assert_eq!(e.field.as_deref(), Some("sizes.standard.expected"));
    assert_eq!(e.line, Some(line_of(&text, "[sizes.standard]")));
    assert!(e.to_string().contains("workload.toml"), "{e}");
    assert!(e.fix.contains("expected"), "{e}");
}

#[test]
fn a_size_without_parameters_is_named() {
    let text = VALID.replace("params = { n = 2 }\n", "");
    let e = load_err("demo", &text);
    assert_eq!(e.field.as_deref(), Some("sizes.standard.params"));
    assert!(e.problem.contains("no parameters"), "{e}");
    let empty = VALID.replace("params = { n = 2 }", "params = {}");
    assert_eq!(load_err("demo", &empty).field.as_deref(), Some("sizes.standard.params"));
}

#[test]
fn an_unknown_comparison_rule_is_named_with_its_line() {
    let text = VALID.replace("rule = \"exact\"", "rule = \"fuzzy\"");
    let e = load_err("demo", &text);
    assert_eq!(e.field.as_deref(), Some("compare.rule"));
    assert_eq!(e.line, Some(line_of(&text, "fuzzy")));
    assert!(e.problem.contains("fuzzy") && e.fix.contains("exact"), "{e}");
    let no_tolerance = VALID.replace("rule = \"exact\"", "rule = \"numeric\"");
    assert_eq!(load_err("demo", &no_tolerance).field.as_deref(), Some("compare.tolerance"));
}

#[test]
fn an_unsafe_name_is_rejected() {
    let text = VALID.replace("name = \"demo\"", "name = \"../evil\"");
    let e = load_err("demo", &text);
    assert_eq!(e.field.as_deref(), Some("name"));
    assert_eq!(e.line, Some(1));
    assert!(e.problem.contains("not a safe directory name"), "{e}");
    let mismatch = load_err("other", VALID);
    assert!(mismatch.problem.contains("differs from its directory"), "{mismatch}");
}

#[test]
fn a_missing_size_a_bad_timeout_and_a_typo_are_rejected() {
    let text = VALID.split("[sizes.full]").next().unwrap().to_string();
    assert_eq!(load_err("demo", &text).field.as_deref(), Some("sizes.full"));
    let bad_timeout = VALID.replacen("timeout_secs = 5", "timeout_secs = -1", 1);
    assert_eq!(load_err("demo", &bad_timeout).field.as_deref(), Some("sizes.quick.timeout_secs"));
    let typo = VALID.replacen("expected = \"1\"", "expectd = \"1\"", 1);
    let e = load_err("demo", &typo);
    assert_eq!(e.line, Some(line_of(&typo, "expectd")));
    assert!(e.problem.contains("expectd"), "{e}");
    let unknown_size = format!("{VALID}\n[sizes.huge]\nparams = {{ n = 9 }}\nexpected = \"9\"\ntimeout_secs = 5\n");
    assert_eq!(load_err("demo", &unknown_size).field.as_deref(), Some("sizes.huge"));
}

fn target_err(text: &str) -> SpecError {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("demo.toml");
    std::fs::write(&file, text).unwrap();
    target::load(&file).expect_err("should be rejected")
}

const TARGET: &str = r#"family = "native"
language = "Shell"
source = "sh"
requires = ["sh"]
version = ["sh", "-c", "echo 1"]

[[build]]
argv = ["cp", "{source}/main.sh", "{out}/"]

[run]
argv = ["{bin:sh}", "{out}/main.sh"]
"#;

#[test]
fn target_placeholders_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("demo.toml");
    std::fs::write(&file, TARGET).unwrap();
    let t = target::load(&file).unwrap();
    assert_eq!(t.name, "demo");
    let unknown = target_err(&TARGET.replace("{out}/main.sh\"]\n", "{outdir}/main.sh\"]\n"));
    assert!(unknown.problem.contains("{outdir}"), "{unknown}");
    let not_required = target_err(&TARGET.replace("{bin:sh}", "{bin:bash}"));
    assert!(not_required.problem.contains("bin:bash"), "{not_required}");
    let bad_family = target_err(&TARGET.replace("\"native\"", "\"martian\""));
    assert_eq!(bad_family.line, Some(1));
    // {flags} is a whole argument: it stands for zero or more.
    std::fs::write(&file, TARGET.replace("\"{out}/main.sh\"]\n", "\"{flags}\", \"{out}/main.sh\"]\n")).unwrap();
    assert!(target::load(&file).is_ok());
    let glued = target_err(&TARGET.replace("\"{out}/main.sh\"]\n", "\"-x{flags}\", \"{out}/main.sh\"]\n"));
    assert!(glued.problem.contains("whole argument"), "{glued}");
}

const CLIENT: &str = r#"name = "cli"
kind = "client"
summary = "a client"
category = "client"

[flags.cpp]
build = ["-lcurl"]

[flags.php]
run = ["-d", "extension=curl"]

[sizes.quick.client]
concurrency = [1, 8]
warmup = 5
requests = 40
streams = 4
stream_tokens = 3
probe = 2
retries = 3
payload = "S"
latency_us = 1000
chunk_us = 500

[sizes.standard.client]
concurrency = [1]
warmup = 0
requests = 10
streams = 0
stream_tokens = 0
probe = 0
retries = 0
payload = "M"
latency_us = 0
chunk_us = 0

[sizes.full.client]
concurrency = [1]
warmup = 0
requests = 10
streams = 0
stream_tokens = 0
probe = 0
retries = 0
payload = "L"
latency_us = 0
chunk_us = 0
"#;

#[test]
fn a_client_workload_has_a_client_table_per_size_and_only_library_flags() {
    let (_tmp, dir) = write_workload("cli", CLIENT);
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.kind, workload::Kind::Client);
    let quick = w.variant(Size::Quick, &w.columns(Size::Quick)[0]).client.unwrap();
    assert_eq!((quick.concurrency.clone(), quick.requests, quick.payload_bytes), (vec![1, 8], 40, 1024));
    assert_eq!((quick.latency.as_micros(), quick.chunk.as_micros()), (1000, 500));
    assert_eq!(w.flags_for("cpp").build, ["-lcurl"]);
    assert_eq!(w.flags_for("php").run, ["-d", "extension=curl"]);
    assert!(w.flags_for("rust").build.is_empty());

    for (change, field) in [
        (("concurrency = [1, 8]", "concurrency = [0]"), "sizes.quick.client.concurrency"),
        (("requests = 40", "requests = 0"), "sizes.quick.client.requests"),
        (("stream_tokens = 3", "stream_tokens = 0"), "sizes.quick.client.stream_tokens"),
        (("retries = 3", "retries = 0"), "sizes.quick.client.retries"),
        (("payload = \"M\"", "payload = \"XL\""), "sizes.standard.client.payload"),
        (("build = [\"-lcurl\"]", "build = [\"-O3\"]"), "flags.cpp"),
    ] {
        let e = load_err("cli", &CLIENT.replace(change.0, change.1));
        assert_eq!(e.field.as_deref(), Some(field), "{change:?}: {e}");
    }
    let batch = CLIENT
        .replace("kind = \"client\"", "kind = \"batch\"")
        .replace("category = \"client\"\n", "category = \"client\"\n[compare]\nrule = \"exact\"\n");
    let e = load_err("cli", &batch);
    assert_eq!(e.field.as_deref(), Some("sizes.quick.client"), "a client table on a batch workload: {e}");
    let e = load_err("cli", &CLIENT.replace("build = [\"-lcurl\"]", "build = [\"-march=native\"]"));
    assert!(e.to_string().contains("optimisation flags belong to the target file"), "{e}");
    let full = CLIENT.find("[sizes.full.client]").unwrap();
    let e = load_err("cli", &format!("{}[sizes.full]\ntimeout_secs = 5\n", &CLIENT[..full]));
    assert_eq!(e.field.as_deref(), Some("sizes.full.client"), "{e}");
}

#[test]
fn an_error_message_reads_file_line_field_fix() {
    let e = SpecError::new(Path::new("workloads/x/workload.toml"), "size `quick` has no expected output", "add expected")
        .at(Some(9))
        .field("sizes.quick.expected");
    assert_eq!(
        e.to_string(),
        "workloads/x/workload.toml:9: field `sizes.quick.expected`: size `quick` has no expected output\n  fix: add expected"
    );
}

#[test]
fn budgets_and_thresholds_are_checked() {
    let with_budget = |metric: &str, max: &str| {
        format!("{VALID}\n[[budgets]]\ndescription = \"fast\"\nsize = \"quick\"\nmetric = \"{metric}\"\nmax = {max}\n").replacen(
            "[compare]",
            "regression_threshold = 0.1\n\n[compare]",
            1,
        )
    };
    let (_tmp, dir) = write_workload("demo", &with_budget("iteration_p95_ms", "100"));
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.regression_threshold, 0.1);
    assert_eq!(w.budgets.len(), 1);
    assert_eq!(w.budgets[0].metric, Metric::IterationP95Ms);
    let (_tmp, dir) = write_workload("demo", &with_budget("peak_rss_mib", "64"));
    let w = workload::load(&dir).unwrap();
    assert_eq!((w.budgets[0].metric, w.budgets[0].max), (Metric::PeakRssKib, 64.0 * 1024.0), "MiB budgets are kept in the metric's KiB");
    let text = with_budget("speed", "100");
    let e = load_err("demo", &text);
    assert_eq!(e.line, Some(line_of(&text, "metric = \"speed\"")));
    assert!(e.problem.contains("speed"), "{e}");
    assert_eq!(load_err("demo", &with_budget("wall_ms", "-5")).field.as_deref(), Some("budgets.max"));
    let bad_threshold = VALID.replacen("[compare]", "regression_threshold = 2\n\n[compare]", 1);
    assert_eq!(load_err("demo", &bad_threshold).field.as_deref(), Some("regression_threshold"));
}

const AXIS: &str = r#"name = "demo"
summary = "a demo"
category = "json"
cycle = 2
cycle_labels = ["read", "write"]
events = "data: "
leftovers = "allowed"

[unsupported]
php = "no sockets in the CLI here"

[compare]
rule = "exact"

[axis]
param = "payload"
values = ["S", "M"]

[sizes.quick]
params = { n = 1 }
warmup = 2
iterations = 4
timeout_secs = 5
expected.S = "small"
expected.M = "medium"

[sizes.standard]
params = { n = 2 }
timeout_secs = 5
iterations = 2
expected.S = "small 2"
expected.M = "medium 2"

[sizes.full]
params = { n = 3 }
timeout_secs = 5
iterations = 2
expected.S = "small 3"
expected.M = "medium 3"

[[budgets]]
description = "reads are fast"
size = "quick"
metric = "iteration_p95_ms"
max = 1
axis = "M"
label = "read"
"#;

#[test]
fn an_axis_makes_one_column_per_value_with_its_own_expected_output() {
    let (_tmp, dir) = write_workload("demo", AXIS);
    let w = workload::load(&dir).unwrap();
    let columns: Vec<String> = w.columns(Size::Quick).iter().map(ToString::to_string).collect();
    assert_eq!(columns, ["demo[payload=S]", "demo[payload=M]"]);
    let m = w.variant(Size::Quick, &w.columns(Size::Quick)[1]);
    assert_eq!(m.expected, "medium");
    assert_eq!(m.params.get("payload").map(String::as_str), Some("M"), "the axis value is a parameter");
    assert_eq!((m.warmup, m.iterations, m.cycle), (2, 4, 2));
    assert_eq!(m.event_prefix.as_deref(), Some("data: "));
    assert_eq!(m.leftovers, xtask::measure::Leftovers::Wait);
    assert!(matches!(&w.size(Size::Full).expected, Expected::PerAxis(map) if map.len() == 2));
    assert!(w.budgets[0].applies_to(&w.columns(Size::Quick)[1]) && !w.budgets[0].applies_to(&w.columns(Size::Quick)[0]));
    assert!(w.missing_implementation("php").unwrap().contains("no sockets"), "an unsupported language says why");
    assert!(w.missing_implementation("rust").unwrap().contains("no rust implementation"));
    assert!(w.missing_on("php", Some("php-jit")).unwrap().contains("no sockets"), "the language's reason for each of its targets");
}

#[test]
fn axis_and_cycle_mistakes_are_named_with_their_field() {
    let field = |text: String| load_err("demo", &text).field.unwrap_or_default();
    assert_eq!(field(AXIS.replacen("expected.M = \"medium\"\n", "", 1)), "sizes.quick.expected.M");
    assert_eq!(field(AXIS.replacen("expected.M = \"medium\"", "expected.XL = \"x\"", 1)), "sizes.quick.expected.M");
    assert_eq!(field(AXIS.replacen("expected.S = \"small\"\nexpected.M = \"medium\"", "expected = \"one\"", 1)), "sizes.quick.expected");
    assert_eq!(field(AXIS.replace("values = [\"S\", \"M\"]", "values = [\"S\", \"S\"]")), "axis.values");
    assert_eq!(field(AXIS.replace("values = [\"S\", \"M\"]", "values = [\"a b\", \"M\"]")), "axis.values");
    assert_eq!(field(AXIS.replacen("params = { n = 1 }", "params = { n = 1, payload = \"S\" }", 1)), "sizes.quick.params.payload");
    assert_eq!(field(AXIS.replace("cycle_labels = [\"read\", \"write\"]", "cycle_labels = [\"read\"]")), "cycle_labels");
    assert_eq!(field(AXIS.replacen("iterations = 4", "iterations = 3", 1)), "sizes.quick.iterations");
    assert_eq!(field(AXIS.replace("axis = \"M\"", "axis = \"XL\"")), "budgets.axis");
    assert_eq!(field(AXIS.replace("label = \"read\"", "label = \"sleep\"")), "budgets.label");
    assert_eq!(field(AXIS.replace("leftovers = \"allowed\"", "leftovers = \"maybe\"")), "leftovers");
    assert_eq!(field(AXIS.replace("events = \"data: \"", "events = \"#bm x\"")), "events");
    assert_eq!(field(AXIS.replacen("iterations = 2\n", "iterations = 2\naxis_values = [\"XL\"]\n", 1)), "sizes.standard.axis_values");
    let e = load_err("demo", &AXIS.replace("metric = \"iteration_p95_ms\"", "metric = \"max_rss_kib\""));
    assert_eq!(e.field.as_deref(), Some("budgets.metric"));
    assert!(e.fix.contains("peak_rss_kib"), "the fix lists the metric names: {e}");
}

#[test]
fn a_size_may_measure_only_some_axis_values() {
    let text = AXIS.replacen(
        "iterations = 2\nexpected.S = \"small 2\"\nexpected.M = \"medium 2\"",
        "iterations = 2\naxis_values = [\"S\"]\nexpected.S = \"small 2\"",
        1,
    );
    let (_tmp, dir) = write_workload("demo", &text);
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.columns(Size::Standard).len(), 1, "only S at standard");
    assert_eq!(w.columns(Size::Quick).len(), 2);
    let bad = text.replacen("expected.S = \"small 2\"", "expected.S = \"small 2\"\nexpected.M = \"medium 2\"", 1);
    assert_eq!(
        load_err("demo", &bad).field.as_deref(),
        Some("sizes.standard.expected.M"),
        "an expected output for a value the size does not measure"
    );
}

const SERVICE: &str = r#"name = "svc"
kind = "service"
summary = "a server"
category = "service"

[sizes.quick.load]
concurrency = [1, 8]
warmup_s = 0.5
measure_s = 1
payload = "S"
stream_tokens = 8

[sizes.standard.load]
concurrency = [1, 8, 32]
warmup_s = 1
measure_s = 2
payload = "M"
hold_streams = 100

[sizes.full.load]
concurrency = [1]
warmup_s = 0
measure_s = 1
payload = "L"
open_fractions = [0.5]
"#;

#[test]
fn a_service_workload_needs_no_expected_output_but_a_load_table_per_size() {
    let (_tmp, dir) = write_workload("svc", SERVICE);
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.kind, workload::Kind::Service);
    let quick = w.size(Size::Quick).load.clone().unwrap();
    assert_eq!((quick.concurrency, quick.payload_bytes, quick.stream_tokens), (vec![1, 8], 1024, 8));
    assert_eq!(w.size(Size::Full).load.as_ref().unwrap().payload_bytes, 256 * 1024);
    let v = w.variant(Size::Standard, &w.columns(Size::Standard)[0]);
    assert_eq!(v.kind, workload::Kind::Service);
    assert_eq!(v.load.unwrap().hold_streams, 100);

    let full = SERVICE.find("[sizes.full.load]").unwrap();
    let e = load_err("svc", &format!("{}[sizes.full]\ntimeout_secs = 5\n", &SERVICE[..full]));
    assert_eq!(e.field.as_deref(), Some("sizes.full.load"), "{e}");
    assert!(e.to_string().contains("[sizes.full.load]"), "{e}");
    let e = load_err("svc", &SERVICE.replace("payload = \"L\"", "payload = \"XL\""));
    assert_eq!(e.field.as_deref(), Some("sizes.full.load.payload"), "{e}");
    assert!(e.to_string().contains("\"S\" (1 KB)"), "{e}");
    let e = load_err("svc", &SERVICE.replace("concurrency = [1]\n", "concurrency = [0]\n"));
    assert_eq!(e.field.as_deref(), Some("sizes.full.load.concurrency"), "{e}");
    let e = load_err("svc", &SERVICE.replace("kind = \"service\"", "kind = \"daemon\""));
    assert_eq!(e.field.as_deref(), Some("kind"), "{e}");
    // A batch workload with a load table, and a batch workload without [compare].
    let e = load_err(
        "demo",
        &VALID.replace(
            "timeout_secs = 5\n\n[sizes.standard]",
            "timeout_secs = 5\nload = { concurrency = [1], warmup_s = 0, measure_s = 1, payload = \"S\" }\n\n[sizes.standard]",
        ),
    );
    assert_eq!(e.field.as_deref(), Some("sizes.quick.load"), "{e}");
    let e = load_err("demo", &VALID.replace("[compare]\nrule = \"exact\"\n", ""));
    assert_eq!(e.field.as_deref(), Some("compare"), "{e}");
}

#[test]
fn a_library_target_has_its_own_sources_the_languages_runner_and_only_its_workloads() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for (name, text) in [("demo", VALID.to_string()), ("other", VALID.replace("name = \"demo\"", "name = \"other\""))] {
        let dir = root.join("workloads").join(name);
        std::fs::create_dir_all(dir.join("sh-lib")).unwrap();
        std::fs::write(dir.join("workload.toml"), text).unwrap();
    }
    std::fs::create_dir_all(root.join("targets")).unwrap();
    let lib = TARGET.replace("source = \"sh\"", "source = \"sh-lib\"\nrunner = \"sh\"\nworkloads = [\"demo\"]");
    std::fs::write(root.join("targets/sh-lib.toml"), &lib).unwrap();
    let t = target::load(&root.join("targets/sh-lib.toml")).unwrap();
    assert_eq!((t.source.as_str(), t.runner_name()), ("sh-lib", "sh"));
    assert!(t.measures("demo") && !t.measures("other"));
    let plan = xtask::plan::plan(root, Size::Quick, &xtask::plan::Selection::default()).unwrap();
    let cells: Vec<String> = plan.cells.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(cells, ["demo × sh-lib"], "no cell at all for a workload the library target does not name");
    let build = &plan.builds[0];
    assert!(build.runner_dir.ends_with("runners/sh") && build.source_dir.ends_with("workloads/demo/sh-lib"), "{build:?}");
    let e = target_err(&TARGET.replace("source = \"sh\"", "source = \"sh\"\nrunner = \"../x\""));
    assert_eq!(e.field.as_deref(), Some("runner"), "{e}");
}

#[test]
fn unsupported_may_name_a_single_target() {
    let text = VALID.replace("[compare]", "[unsupported]\nhaxe-lua = \"its sockets cannot stream\"\n\n[compare]");
    let (_tmp, dir) = write_workload("demo", &text);
    std::fs::create_dir_all(dir.join("haxe")).unwrap();
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.missing_on("haxe", Some("haxe-lua")).as_deref(), Some("demo does not support haxe-lua: its sockets cannot stream"));
    assert_eq!(w.missing_on("haxe", Some("haxe-js")), None, "the language's other targets are unaffected");
}
