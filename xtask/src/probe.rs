//! Finds out which targets this machine can run: binaries, haxelib libraries, checks,
//! the real binaries behind shims, and the toolchain versions that get recorded.

use crate::spec::Target;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the probe found for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Availability {
    Available {
        /// Required binary -> the real file that runs (symlinks and shims resolved).
        binaries: BTreeMap<String, String>,
        /// First line of the version command's output.
        version: String,
        /// Further version records, as `command: first line`.
        versions: Vec<String>,
    },
    Missing {
        reason: String,
        install: String,
        /// Debian's packages alone would provide it (CI treats this as a failure).
        apt_installable: bool,
    },
}

impl Availability {
    pub fn is_available(&self) -> bool {
        matches!(self, Availability::Available { .. })
    }
}

/// Probes one target. Never fails: anything missing becomes `Missing` with a reason.
pub fn probe(target: &Target) -> Availability {
    let missing = |reason: String| Availability::Missing { reason, install: target.install_hint(), apt_installable: target.apt_installable() };

    let mut binaries = BTreeMap::new();
    for bin in &target.requires {
        match which::which(bin) {
            Ok(path) => {
                binaries.insert(bin.clone(), resolve(bin, &path, target.resolve.get(bin)));
            }
            Err(_) => return missing(format!("`{bin}` is not on PATH")),
        }
    }
    for lib in &target.haxelibs {
        if which::which("haxelib").is_err() {
            return missing("`haxelib` is not on PATH (it comes with haxe)".into());
        }
        let (ok, text) = capture(&["haxelib".to_string(), "path".to_string(), lib.clone()]);
        if !ok {
            let said = first_line(&text);
            return missing(format!("haxelib library `{lib}` is not installed (haxelib says: {said})"));
        }
    }
    for check in &target.checks {
        let (ok, _) = capture(&check.argv);
        if !ok {
            return missing(check.why.clone());
        }
    }
    let (ok, text) = capture(&target.version);
    let version = first_line(&text);
    if !ok {
        return missing(format!("`{}` failed: {version}", target.version.join(" ")));
    }
    let versions = target
        .versions
        .iter()
        .map(|argv| {
            let (_, text) = capture(argv);
            format!("{}: {}", argv.join(" "), first_line(&text))
        })
        .collect();
    Availability::Available { binaries, version, versions }
}

/// The real file behind `path`: a resolve command's answer when the target gives one
/// (pyenv shims are scripts, not symlinks), else the path with symlinks followed.
fn resolve(bin: &str, path: &Path, command: Option<&Vec<String>>) -> String {
    if let Some(argv) = command {
        let (ok, text) = capture(argv);
        let answer = text.lines().next().unwrap_or_default().trim().to_string();
        if ok && Path::new(&answer).is_file() {
            return answer;
        }
        eprintln!("warning: resolving `{bin}` with `{}` failed; using {}", argv.join(" "), path.display());
    }
    std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path)).to_string_lossy().into_owned()
}

/// Runs a probe command (not measured, so duct's fork path is fine); stdout and stderr together.
fn capture(argv: &[String]) -> (bool, String) {
    let Some((program, args)) = argv.split_first() else { return (false, String::new()) };
    match duct::cmd(program, args).stderr_to_stdout().stdout_capture().stdin_null().unchecked().run() {
        Ok(out) => (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned()),
        Err(e) => (false, e.to_string()),
    }
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(no output)").to_string()
}
