//! Repository-wide rules that no single module test would catch.

use std::path::{Path, PathBuf};
use xtask::paths::project_root;

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn every_rust_module_says_what_it_is_for() {
    let root = project_root();
    for file in files(&root.join("xtask/src"), "rs").into_iter().chain(files(&root.join("xtask/tests"), "rs")) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("//!"), "{} must start with a `//!` line saying what it is for", file.display());
    }
}

#[test]
fn templates_never_switch_escaping_off() {
    for file in files(&xtask::paths::templates_dir(&project_root()), "html") {
        let text = std::fs::read_to_string(&file).unwrap();
        for banned in ["| safe", "|safe", "autoescape false", "http://", "https://", "<script src", "javascript:", " onclick"] {
            assert!(
                !text.contains(banned),
                "{} contains `{banned}`: reports escape all text and load nothing from the network",
                file.display()
            );
        }
        // A script is fixed code (the table sorter): no template expression may reach it, so
        // no data, escaped or not, ever lands in a script context.
        for script in text.split("<script").skip(1) {
            let body = script.split("</script>").next().unwrap_or_default();
            assert!(
                !body.contains("{{") && !body.contains("{%"),
                "{}: a <script> block contains a template expression: {}",
                file.display(),
                &body[..body.len().min(200)]
            );
        }
    }
}

#[test]
fn target_commands_are_argv_arrays_not_shell_strings() {
    for file in files(&xtask::paths::targets_dir(&project_root()), "toml") {
        let t = xtask::spec::target::load(&file).unwrap();
        let commands = std::iter::once(&t.run.argv).chain(t.build.iter().map(|s| &s.argv));
        for argv in commands {
            let shell = matches!(argv[0].as_str(), "sh" | "bash" | "/bin/sh" | "/bin/bash") && argv.iter().any(|a| a == "-c");
            assert!(!shell, "{}: `{}` runs a shell string; write the argv directly", file.display(), argv.join(" "));
        }
        // A library target names another language's runner (`runner = "python"`).
        assert!(
            xtask::paths::runners_dir(&project_root()).join(t.runner_name()).is_dir(),
            "{}: runners/{} does not exist",
            file.display(),
            t.runner_name()
        );
    }
}

#[test]
fn every_shipped_workload_has_every_implementation_or_says_why_not() {
    let root = project_root();
    let targets: Vec<xtask::spec::target::Target> =
        xtask::spec::target::load_all(&xtask::paths::targets_dir(&root)).unwrap().into_iter().map(|(_, t)| t.unwrap()).collect();
    for (name, w) in xtask::spec::workload::load_all(&xtask::paths::workloads_dir(&root)).unwrap() {
        let w = w.unwrap();
        // A library target owes only the workloads it names.
        let sources: std::collections::BTreeSet<&str> = targets.iter().filter(|t| t.measures(&name)).map(|t| t.source.as_str()).collect();
        for source in sources {
            assert!(
                w.source_dir(source).is_dir() || w.unsupported.contains_key(source),
                "workload {name} has no {source} implementation and no `[unsupported] {source} = \"why\"`"
            );
        }
        assert!(w.dir.join("README.md").is_file(), "workload {name} needs a README.md with its algorithm");
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let root = project_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    let command = "cargo test --workspace";
    assert!(readme.contains(command) && readme.contains("cargo xtask matrix"), "README must show the two set-up commands");
    assert!(ci.lines().any(|l| l.trim().starts_with(command)), ".ci/run must run the README's test command");
    assert!(ci.contains("cargo fmt --all --check") && ci.contains("cargo clippy"), ".ci/run keeps the code formatted and clippy-clean");
    assert!(ci.contains("BENCHMATRIX_REQUIRE_TOOLCHAINS=1"), ".ci/run must make missing toolchains fail");
}

/// Every target file's text, by name.
fn target_texts() -> Vec<(String, String)> {
    files(&xtask::paths::targets_dir(&project_root()), "toml")
        .into_iter()
        .map(|f| (f.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&f).unwrap()))
        .collect()
}

#[test]
fn every_c_and_cpp_build_follows_the_flag_policy() {
    // docs/FAIRNESS.md: -O2 -ffp-contract=off everywhere, nothing that changes semantics or
    // ties the binary to this CPU.
    for (name, text) in target_texts() {
        for banned in ["-ffast-math", "-Ofast", "-march=native", "-mtune=native", "-fno-math-errno", "-funsafe-math-optimizations"] {
            assert!(
                !text.lines().filter(|l| !l.trim_start().starts_with('#')).any(|l| l.contains(banned)),
                "targets/{name}.toml uses {banned}"
            );
        }
        let t = xtask::spec::target::load(&xtask::paths::targets_dir(&project_root()).join(format!("{name}.toml"))).unwrap();
        for step in &t.build {
            let compiler = std::path::Path::new(&step.argv[0]).file_name().unwrap().to_string_lossy().into_owned();
            if ["g++", "gcc", "cc", "c++", "clang", "clang++"].contains(&compiler.as_str()) {
                assert!(
                    step.argv.iter().any(|a| a == "-O2") && step.argv.iter().any(|a| a == "-ffp-contract=off"),
                    "targets/{name}.toml: `{}` must use -O2 -ffp-contract=off",
                    step.argv.join(" ")
                );
            }
        }
        if t.haxelibs.iter().any(|l| l == "hxcpp") {
            assert!(text.contains("-ffp-contract=off"), "targets/{name}.toml builds C++ through hxcpp: it must pass -ffp-contract=off too");
        }
    }
}

#[test]
fn runtimes_whose_defaults_depend_on_the_host_are_pinned() {
    for (name, _) in target_texts() {
        let t = xtask::spec::target::load(&xtask::paths::targets_dir(&project_root()).join(format!("{name}.toml"))).unwrap();
        let run = t.run.argv.join(" ");
        let program = std::path::Path::new(&t.run.argv[0]).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let uses = |bin: &str| run.contains(&format!("{{bin:{bin}}}")) || program == bin;
        if uses("java") {
            assert!(run.contains("-Xmx") && run.contains("-XX:+Use"), "targets/{name}.toml: the JVM's heap and GC must be pinned: {run}");
        }
        if uses("node") {
            assert!(run.contains("--max-old-space-size="), "targets/{name}.toml: V8's heap must be pinned: {run}");
        }
        if uses("php") {
            assert!(
                t.run.argv.iter().any(|a| a == "-n") && run.contains("memory_limit="),
                "targets/{name}.toml: PHP must run without the host's php.ini (-n) and with a memory limit: {run}"
            );
        }
        if uses("python3") || uses("pypy3") {
            assert!(
                t.run.argv.iter().any(|a| a == "-E") && t.run.argv.iter().any(|a| a == "-s"),
                "targets/{name}.toml: Python must ignore PYTHON* and the user site (-s -E): {run}"
            );
        }
        if ["java", "node", "php", "python3", "pypy3", "mono"].iter().any(|b| uses(b)) {
            assert!(!t.settings.is_empty(), "targets/{name}.toml: record the runtime's effective settings ([[settings]])");
        }
    }
}

#[test]
fn every_shipped_workload_warms_up_and_measures_iterations_at_every_size() {
    let root = project_root();
    for (name, w) in xtask::spec::workload::load_all(&xtask::paths::workloads_dir(&root)).unwrap() {
        let w = w.unwrap();
        // A service has no in-process iterations: its load table warms up and measures.
        if w.kind == xtask::spec::workload::Kind::Service {
            continue;
        }
        // A client warms up with requests of its own, at least one round per connection.
        if w.kind == xtask::spec::workload::Kind::Client {
            for size in xtask::spec::Size::ALL {
                let c = w.size(size).client.clone().unwrap();
                let most = c.concurrency.iter().copied().max().unwrap_or(1);
                assert!(c.warmup >= most, "{name} at {size}: warm-up requests ({}) at least one per connection ({most})", c.warmup);
            }
            continue;
        }
        for size in xtask::spec::Size::ALL {
            let s = w.size(size);
            assert!(s.warmup >= 1, "{name} at {size}: at least one in-process warm-up iteration (docs/FAIRNESS.md)");
            assert!(
                s.iterations >= 3 * w.cycle.max(1) || s.iterations >= 3,
                "{name} at {size}: enough measured iterations for a steady state"
            );
        }
    }
}

#[test]
fn workloads_that_require_standard_maps_use_them() {
    // The usual signs of a custom map: a hand-made hasher, open addressing, a third-party table.
    const SIGNS: [&str; 12] = [
        "BuildHasher",
        "impl Hasher",
        "FxHash",
        "ahash",
        "hashbrown",
        "robin_hood",
        "absl::",
        "flat_hash_map",
        "tsl::",
        "open addressing",
        "open-addressing",
        "linear probing",
    ];
    let root = project_root();
    for (name, w) in xtask::spec::workload::load_all(&xtask::paths::workloads_dir(&root)).unwrap() {
        let w = w.unwrap();
        if !w.rules.iter().any(|r| r == "standard-maps") {
            continue;
        }
        for entry in std::fs::read_dir(&w.dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
            for file in std::fs::read_dir(entry.path()).unwrap().flatten() {
                let text = std::fs::read_to_string(file.path()).unwrap_or_default();
                for sign in SIGNS {
                    assert!(
                        !text.contains(sign),
                        "{}: `{sign}` in a workload that requires the standard map ({name}: rules = [\"standard-maps\"])",
                        file.path().display()
                    );
                }
            }
        }
    }
}

/// Each `cargo xtask ...` command of a workflow's `run:` steps: (subcommand, options).
fn xtask_commands(workflow: &serde_yaml::Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let jobs = workflow["jobs"].as_mapping().expect("jobs is a mapping");
    for (_, job) in jobs {
        for step in job["steps"].as_sequence().into_iter().flatten() {
            let Some(run) = step["run"].as_str() else { continue };
            let joined = run.replace("\\\n", " ");
            for line in joined.lines() {
                for part in line.split("cargo xtask ").skip(1) {
                    // Up to the end of this shell command.
                    let command = part.split(['|', ';', ')']).next().unwrap_or_default().split("&&").next().unwrap_or_default();
                    let mut words = command.split_whitespace();
                    let sub = words.next().unwrap_or_default().to_string();
                    let options = words.filter(|w| w.starts_with("--")).map(|w| w.split('=').next().unwrap_or(w).to_string()).collect();
                    out.push((sub, options));
                }
            }
        }
    }
    out
}

#[test]
fn workflows_parse_and_use_only_xtask_commands_and_options_that_exist() {
    use clap::CommandFactory;
    let cli = xtask::cli::Cli::command();
    let root = xtask::paths::project_root();
    let mut checked = 0;
    for name in ["nightly.yml", "ci.yml"] {
        let path = root.join(".github/workflows").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let workflow: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
        assert!(workflow["jobs"].is_mapping(), "{name}: no jobs");
        for (sub, options) in xtask_commands(&workflow) {
            let Some(cmd) = cli.find_subcommand(&sub) else { panic!("{name}: `cargo xtask {sub}` is not a command") };
            for option in options {
                let long = &option[2..];
                assert!(
                    cmd.get_arguments().any(|a| a.get_long() == Some(long)) || long == "help",
                    "{name}: `cargo xtask {sub}` has no option {option}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "the nightly's commands were found and checked ({checked} options)");
    let nightly = std::fs::read_to_string(root.join(".github/workflows/nightly.yml")).unwrap();
    for needed in [
        "--shard",
        "cargo xtask merge",
        "cargo xtask compare",
        "actions/cache",
        "target/benchmatrix/build",
        "cargo xtask site",
        "upload-pages-artifact",
        "deploy-pages",
    ] {
        assert!(nightly.contains(needed), "nightly.yml lacks {needed}");
    }
}

#[test]
fn the_workflow_check_catches_an_unknown_option() {
    let bad: serde_yaml::Value = serde_yaml::from_str("jobs:\n  a:\n    steps:\n      - run: cargo xtask matrix --no-such-flag\n").unwrap();
    assert_eq!(xtask_commands(&bad), vec![("matrix".to_string(), vec!["--no-such-flag".to_string()])]);
    use clap::CommandFactory;
    let cli = xtask::cli::Cli::command();
    assert!(!cli.find_subcommand("matrix").unwrap().get_arguments().any(|a| a.get_long() == Some("no-such-flag")));
}
