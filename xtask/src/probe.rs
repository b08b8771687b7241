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
        /// Further version records, as `command: first line`, preceded by one
        /// `haxelib NAME: VERSION` per haxelib library.
        versions: Vec<String>,
        /// The runtime's effective settings, as the target's `settings` commands show them.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        settings: Vec<String>,
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
    let missing =
        |reason: String| Availability::Missing { reason, install: target.install_hint(), apt_installable: target.apt_installable() };

    let mut binaries = BTreeMap::new();
    for bin in &target.requires {
        let found = if target.search.is_empty() {
            which::which(bin)
        } else {
            std::env::join_paths(&target.search).map_err(|_| which::Error::CannotFindBinaryPath).and_then(|dirs| {
                which::which_in(bin, Some(dirs), std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("/")))
            })
        };
        match found {
            Ok(path) => {
                binaries.insert(bin.clone(), resolve(bin, &path, target.resolve.get(bin)));
            }
            Err(_) if target.search.is_empty() => return missing(format!("`{bin}` is not on PATH")),
            Err(_) => {
                let dirs: Vec<String> = target.search.iter().map(|d| d.display().to_string()).collect();
                return missing(format!("`{bin}` is not in {}", dirs.join(", ")));
            }
        }
    }
    let mut haxelib_versions = Vec::new();
    for lib in &target.haxelibs {
        if which::which("haxelib").is_err() {
            return missing("`haxelib` is not on PATH (it comes with haxe)".into());
        }
        let (ok, text) = capture(&["haxelib".to_string(), "path".to_string(), lib.clone()]);
        if !ok {
            let said = first_line(&text);
            return missing(format!("haxelib library `{lib}` is not installed (haxelib says: {said})"));
        }
        let version = haxelib_version_from_path(lib, &text)
            .or_else(|| haxelib_version_from_list(&capture(&["haxelib".to_string(), "list".to_string(), lib.clone()]).1))
            .unwrap_or_else(|| format!("unknown (haxelib path: {})", first_line(&text)));
        haxelib_versions.push(format!("haxelib {lib}: {version}"));
    }
    for check in &target.checks {
        let (ok, _) = capture(&with_bins(&check.argv, &binaries));
        if !ok {
            return missing(check.why.clone());
        }
    }
    let (ok, text) = capture(&with_bins(&target.version, &binaries));
    let version = first_line(&text);
    if !ok {
        return missing(format!("`{}` failed: {version}", target.version.join(" ")));
    }
    let versions = haxelib_versions
        .into_iter()
        .chain(target.versions.iter().map(|argv| {
            let (_, text) = capture(&with_bins(argv, &binaries));
            format!("{}: {}", argv.join(" "), first_line(&text))
        }))
        .collect();
    let settings = target.settings.iter().flat_map(|setting| settings_of(setting, &binaries)).collect();
    Availability::Available { binaries, version, versions, settings }
}

/// `argv` with `{bin:NAME}` filled in (checks and settings commands run the resolved binaries).
fn with_bins(argv: &[String], binaries: &BTreeMap<String, String>) -> Vec<String> {
    argv.iter().map(|a| binaries.iter().fold(a.clone(), |s, (name, path)| s.replace(&format!("{{bin:{name}}}"), path))).collect()
}

/// The kept lines of a settings command (`{bin:NAME}` filled in), at most 40.
fn settings_of(setting: &crate::spec::target::Setting, binaries: &BTreeMap<String, String>) -> Vec<String> {
    let (ok, text) = capture(&with_bins(&setting.argv, binaries));
    if !ok {
        return vec![format!("`{}` failed: {}", setting.argv.join(" "), first_line(&text))];
    }
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty() && (setting.keep.is_empty() || setting.keep.iter().any(|k| l.contains(k.as_str()))))
        .take(40)
        .collect()
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

/// The version in `haxelib path NAME`'s `-D NAME=VERSION` line. Its first line is no
/// version: a `-java-lib`/`-cp` flag, or the directory of a `haxelib dev` library.
fn haxelib_version_from_path(lib: &str, text: &str) -> Option<String> {
    let prefix = format!("-D {lib}=");
    text.lines().find_map(|l| l.trim().strip_prefix(&prefix)).map(str::trim).filter(|v| !v.is_empty()).map(String::from)
}

/// The current version in `haxelib list NAME`'s `NAME: 1.0.0 [1.2.3]` (the bracketed one);
/// None for a `haxelib dev` library (`[dev:/path]`).
fn haxelib_version_from_list(text: &str) -> Option<String> {
    let (_, rest) = text.split_once('[')?;
    let (inside, _) = rest.split_once(']')?;
    let inside = inside.trim();
    (inside.starts_with(|c: char| c.is_ascii_digit()) && inside.chars().all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c)))
        .then(|| inside.to_string())
}

fn first_line(text: &str) -> String {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("(no output)").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from haxelib 4.0.2 (Haxe 4.2.5).
    const HXJAVA_DEV_PATH: &str = "-java-lib lib/hxjava-std.jar\n/opt/src/hxjava-4.2.0/\n-D hxjava=4.2.0\n";
    const HXCPP_DEV_PATH: &str = "/opt/src/hxcpp-4.3.2/\n-D hxcpp=4.3.2\n";
    const RELEASE_PATH: &str = "/opt/haxelib/foo/1,2,3/src/\n-D foo=1.2.3\n";
    const DEV_LIST: &str = "hxcpp: [dev:/opt/src/hxcpp-4.3.2]\n";
    const RELEASE_LIST: &str = "foo: 1.0.0 [1.2.3]\n";

    fn target_with_check(script: &str) -> crate::spec::target::Target {
        let text = format!(
            "family = \"native\"\nlanguage = \"Shell\"\nsource = \"sh\"\nrequires = [\"sh\"]\nversion = [\"sh\", \"-c\", \"echo 1\"]\n\n[[checks]]\nargv = [\"{{bin:sh}}\", \"-c\", \"{script}\"]\nwhy = \"the check said no\"\n\n[[build]]\nargv = [\"true\"]\n\n[run]\nargv = [\"{{bin:sh}}\"]\n"
        );
        crate::spec::target::parse(std::path::Path::new("targets/sh.toml"), &text).expect("a valid target")
    }

    #[test]
    fn checks_run_the_resolved_binaries() {
        // `{bin:sh}` must be filled in: run literally, every check naming a binary would fail.
        assert!(probe(&target_with_check("exit 0")).is_available());
        match probe(&target_with_check("exit 1")) {
            Availability::Missing { reason, .. } => assert_eq!(reason, "the check said no"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn search_directories_replace_path() {
        let mut t = target_with_check("exit 0");
        t.search = vec![PathBuf::from("/nonexistent-bm")];
        match probe(&t) {
            Availability::Missing { reason, .. } => assert_eq!(reason, "`sh` is not in /nonexistent-bm"),
            other => panic!("{other:?}"),
        }
        let sh = std::fs::canonicalize(which::which("sh").unwrap()).unwrap();
        t.search = vec![sh.parent().unwrap().to_path_buf()];
        match probe(&t) {
            Availability::Available { binaries, .. } => assert_eq!(binaries["sh"], sh.to_string_lossy()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn haxelib_version_comes_from_the_define_line() {
        assert_eq!(haxelib_version_from_path("hxjava", HXJAVA_DEV_PATH).as_deref(), Some("4.2.0"));
        assert_eq!(haxelib_version_from_path("hxcpp", HXCPP_DEV_PATH).as_deref(), Some("4.3.2"));
        assert_eq!(haxelib_version_from_path("foo", RELEASE_PATH).as_deref(), Some("1.2.3"));
        // Another library's define, or an empty one, is not this library's version.
        assert_eq!(haxelib_version_from_path("hxcs", HXCPP_DEV_PATH), None);
        assert_eq!(haxelib_version_from_path("foo", "/opt/src/foo/\n-D foo=\n"), None);
        assert_eq!(haxelib_version_from_path("hxcpp", "/opt/src/hxcpp-4.3.2/\n"), None);
    }

    #[test]
    fn haxelib_list_gives_the_current_release_only() {
        assert_eq!(haxelib_version_from_list(RELEASE_LIST).as_deref(), Some("1.2.3"));
        assert_eq!(haxelib_version_from_list("hxjava: [4.2.0]\n").as_deref(), Some("4.2.0"));
        assert_eq!(haxelib_version_from_list(DEV_LIST), None);
        assert_eq!(haxelib_version_from_list("Error: Library hxcs is not installed\n"), None);
    }
}
