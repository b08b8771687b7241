//! Loading workload and target files: the shipped ones load; each bad case names the file,
//! the line, the field and the fix.

use std::path::{Path, PathBuf};
use xtask::error::SpecError;
use xtask::paths::{project_root, targets_dir, workloads_dir};
use xtask::spec::{target, workload, CompareRule, Size};

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
        for size in Size::ALL {
            assert!(!w.size(size).expected.is_empty());
        }
    }
    let targets = target::load_all(&targets_dir(&root)).unwrap();
    let names: Vec<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    for required in ["haxe-js", "haxe-python", "haxe-php", "haxe-neko", "haxe-eval", "haxe-cpp", "haxe-jvm", "haxe-cs", "haxe-hl", "rust", "cpp", "java", "csharp", "node", "python", "php"] {
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
}

#[test]
fn an_error_message_reads_file_line_field_fix() {
    let e = SpecError::new(Path::new("workloads/x/workload.toml"), "size `quick` has no expected output", "add expected").at(Some(9)).field("sizes.quick.expected");
    assert_eq!(e.to_string(), "workloads/x/workload.toml:9: field `sizes.quick.expected`: size `quick` has no expected output\n  fix: add expected");
}

#[test]
fn budgets_and_thresholds_are_checked() {
    let with_budget = |metric: &str, max: &str| format!("{VALID}\n[[budgets]]\ndescription = \"fast\"\nsize = \"quick\"\nmetric = \"{metric}\"\nmax = {max}\n").replacen("[compare]", "regression_threshold = 0.1\n\n[compare]", 1);
    let (_tmp, dir) = write_workload("demo", &with_budget("iteration_p95_ms", "100"));
    let w = workload::load(&dir).unwrap();
    assert_eq!(w.regression_threshold, 0.1);
    assert_eq!(w.budgets.len(), 1);
    assert_eq!(w.budgets[0].metric, xtask::spec::BudgetMetric::IterationP95Ms);
    let text = with_budget("speed", "100");
    let e = load_err("demo", &text);
    assert_eq!(e.line, Some(line_of(&text, "metric = \"speed\"")));
    assert!(e.problem.contains("speed"), "{e}");
    assert_eq!(load_err("demo", &with_budget("wall_ms", "-5")).field.as_deref(), Some("budgets.max"));
    let bad_threshold = VALID.replacen("[compare]", "regression_threshold = 2\n\n[compare]", 1);
    assert_eq!(load_err("demo", &bad_threshold).field.as_deref(), Some("regression_threshold"));
}
