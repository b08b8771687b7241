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
        for banned in ["| safe", "|safe", "autoescape false", "<script", "http://", "https://"] {
            assert!(!text.contains(banned), "{} contains `{banned}`: reports escape all text and load nothing from the network", file.display());
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
        assert!(xtask::paths::runners_dir(&project_root()).join(&t.source).is_dir(), "{}: runners/{} does not exist", file.display(), t.source);
    }
}

#[test]
fn every_workload_has_every_implementation() {
    let root = project_root();
    let sources: std::collections::BTreeSet<String> = xtask::spec::target::load_all(&xtask::paths::targets_dir(&root)).unwrap().into_iter().map(|(_, t)| t.unwrap().source).collect();
    for (name, w) in xtask::spec::workload::load_all(&xtask::paths::workloads_dir(&root)).unwrap() {
        let w = w.unwrap();
        for source in &sources {
            assert!(w.source_dir(source).is_dir(), "workload {name} has no {source} implementation");
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
    assert!(ci.lines().any(|l| l.trim() == command), ".ci/run must run the README's test command");
    assert!(ci.contains("BENCHMATRIX_REQUIRE_TOOLCHAINS=1"), ".ci/run must make missing toolchains fail");
}
