//! `targets/<name>.toml`: what a target needs, how it builds and how it runs, as data.
//!
//! Commands are argv arrays with placeholders, never shell strings:
//! `{source}` the workload's implementation directory, `{runner}` the language's runner,
//! `{out}` the cell's build output directory, `{cache}` a directory shared by every cell of
//! the target (compiler caches), `{bin:NAME}` the resolved real path of a required binary,
//! and `{flags}`, a whole argument standing for the workload's `[flags.<language>]` libraries
//! and extensions (zero or more arguments: `build` ones in build steps, `run` ones in the run line).

use super::is_safe_name;
use crate::error::{from_toml, line_of, SpecError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Compiled from the one Haxe implementation.
    Haxe,
    /// A native implementation in the target's own language.
    Native,
}

/// A command with its extra environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub argv: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    pub argv: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variables of the supervisor's environment this target's programs also get (beyond
    /// PATH), e.g. DOTNET_ROOT. Everything else is dropped.
    #[serde(default)]
    pub pass_env: Vec<String>,
    /// What the build produces, for its size; absent where nothing is produced (eval).
    pub artifact: Option<String>,
}

/// A probe beyond binaries: a command that must succeed, and why it matters when it fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub argv: Vec<String>,
    pub why: String,
}

/// A command whose output shows a runtime's effective settings (JVM flags, PHP ini values,
/// Python's flags): the lines containing any of `keep` (all lines when empty) are recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    pub argv: Vec<String>,
    #[serde(default)]
    pub keep: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(skip_deserializing)]
    pub name: String,
    pub family: Family,
    pub language: String,
    /// Implementation directory name under each workload (and under runners/, unless
    /// `runner` names another).
    pub source: String,
    /// The runner directory under runners/, when it is not `source`: a library target such
    /// as python-aio has implementations of its own but the language's runner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// A library target measures only these workloads (an HTTP stack has no nbody); absent:
    /// every workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workloads: Option<Vec<String>>,
    /// Binaries looked up on PATH (or in `search`).
    pub requires: Vec<String>,
    /// Directories to look up `requires` in instead of PATH: a target of Debian's own
    /// interpreter (whose packages it uses) where a version manager's shim comes first on
    /// PATH.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<PathBuf>,
    /// haxelib libraries, probed with `haxelib path NAME`.
    #[serde(default)]
    pub haxelibs: Vec<String>,
    /// Debian packages that provide the requirements (used by `cargo xtask setup` and the hint).
    #[serde(default)]
    pub apt: Vec<String>,
    /// Install instructions where apt alone is not enough.
    pub install: Option<String>,
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Commands that print the real path of a binary hidden behind a shim (pyenv).
    #[serde(default)]
    pub resolve: BTreeMap<String, Vec<String>>,
    /// The command whose output is the recorded version.
    pub version: Vec<String>,
    /// Further version records (the runtime behind a compiler, a library's path).
    #[serde(default)]
    pub versions: Vec<Vec<String>>,
    /// Commands that record the runtime settings that change results (see `Setting`).
    #[serde(default)]
    pub settings: Vec<Setting>,
    /// Set when the runner's clock on this target is not monotonic (the report says so
    /// wherever iteration figures are shown).
    pub clock: Option<String>,
    /// The native target this one is compiled to the platform of, for Haxe targets
    /// (haxe-js beside node): the report shows the ratio between them.
    pub counterpart: Option<String>,
    pub build: Vec<Step>,
    pub run: RunSpec,
    #[serde(skip)]
    pub file: PathBuf,
}

impl Target {
    /// The set-up line a person runs to make this target available.
    pub fn install_hint(&self) -> String {
        let mut parts = Vec::new();
        if !self.apt.is_empty() {
            parts.push(format!("apt-get install -y {}", self.apt.join(" ")));
        }
        if !self.haxelibs.is_empty() {
            let libs: Vec<_> = self.haxelibs.iter().map(|l| format!("haxelib install {l}")).collect();
            parts.push(format!("haxelib setup ~/haxelib && {}", libs.join(" && ")));
        }
        if let Some(extra) = &self.install {
            parts.push(extra.clone());
        }
        parts.join("; then ")
    }

    /// True when Debian's packages alone provide everything (what CI must prove works).
    pub fn apt_installable(&self) -> bool {
        self.haxelibs.is_empty() && self.install.is_none() && !self.apt.is_empty()
    }
}

/// Loads one target file; its name is the file stem.
pub fn load(file: &Path) -> Result<Target, SpecError> {
    let text =
        std::fs::read_to_string(file).map_err(|e| SpecError::new(file, format!("cannot read: {e}"), "check the file's permissions"))?;
    parse(file, &text)
}

/// Checks a target file's text as if read from `file` (whose stem is the target's name).
pub fn parse(file: &Path, text: &str) -> Result<Target, SpecError> {
    let text = text.to_string();
    let mut target: Target =
        toml::from_str(&text).map_err(|e| from_toml(file, &text, e, "see targets/README.md for the fields a target file takes"))?;
    let name = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
    if !is_safe_name(&name) {
        return Err(SpecError::new(
            file,
            format!("`{name}` is not a safe target name"),
            "rename the file using lowercase letters, digits, `-` and `_`",
        ));
    }
    let line_of_key = |key: &str| text.lines().position(|l| l.trim_start().starts_with(key)).map(|i| i + 1);
    if !is_safe_name(&target.source) {
        return Err(SpecError::new(
            file,
            format!("source `{}` is not a safe directory name", target.source),
            "name a directory under runners/, e.g. source = \"cpp\"",
        )
        .at(line_of_key("source"))
        .field("source"));
    }
    if let Some(r) = target.runner.as_ref().filter(|r| !is_safe_name(r)) {
        return Err(SpecError::new(
            file,
            format!("runner `{r}` is not a safe directory name"),
            "name a directory under runners/, e.g. runner = \"python\"",
        )
        .at(line_of_key("runner"))
        .field("runner"));
    }
    let empty_argv = [("version", &target.version), ("run.argv", &target.run.argv)]
        .into_iter()
        .chain(target.build.iter().map(|s| ("build.argv", &s.argv)))
        .chain(target.versions.iter().map(|v| ("versions", v)))
        .chain(target.checks.iter().map(|c| ("checks.argv", &c.argv)))
        .find(|(_, argv)| argv.is_empty());
    if let Some((field, _)) = empty_argv {
        return Err(SpecError::new(file, "an argv array is empty", "give the program and its arguments, e.g. [\"g++\", \"--version\"]")
            .field(field)
            .at(line_of_key(field.split('.').next().unwrap_or(field))));
    }
    for argv in target.all_argv() {
        for arg in argv {
            if let Err(problem) = check_placeholders(arg, &target.requires) {
                let offset = text.find(arg.as_str()).unwrap_or(0);
                return Err(SpecError::new(
                    file,
                    problem,
                    "placeholders are {source}, {runner}, {out}, {cache}, {flags} (a whole argument) and {bin:NAME} with NAME listed in `requires`",
                )
                .at(Some(line_of(&text, offset))));
            }
        }
    }
    target.name = name;
    target.file = file.to_path_buf();
    Ok(target)
}

impl Target {
    /// The runner directory name under runners/.
    pub fn runner_name(&self) -> &str {
        self.runner.as_deref().unwrap_or(&self.source)
    }

    /// Whether this target measures `workload` at all (library targets name theirs).
    pub fn measures(&self, workload: &str) -> bool {
        self.workloads.as_ref().is_none_or(|w| w.iter().any(|n| n == workload))
    }

    fn all_argv(&self) -> impl Iterator<Item = &Vec<String>> {
        std::iter::once(&self.run.argv).chain(self.build.iter().map(|s| &s.argv)).chain(self.settings.iter().map(|s| &s.argv))
    }
}

/// Validates the placeholders of one argument: `{name}` or `{bin:NAME}`, a word without
/// spaces between braces. Other braces (code in a `-r` or `-c` argument) are plain text.
fn check_placeholders(arg: &str, requires: &[String]) -> Result<(), String> {
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| c + open) else { break };
        let name = &rest[open + 1..close];
        let is_word = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_:-.".contains(&b));
        if is_word {
            match name {
                "source" | "runner" | "out" | "cache" => {}
                // The workload's `[flags.<language>]`: zero or more whole arguments.
                "flags" if arg == "{flags}" => {}
                "flags" => return Err(format!("`{{flags}}` must be a whole argument, not part of `{arg}`")),
                _ => match name.strip_prefix("bin:") {
                    Some(bin) if requires.iter().any(|r| r == bin) => {}
                    Some(bin) => return Err(format!("`{{bin:{bin}}}` names a binary that is not in `requires`")),
                    None => return Err(format!("unknown placeholder `{{{name}}}` in `{arg}`")),
                },
            }
        }
        rest = &rest[open + 1..];
    }
    Ok(())
}

/// Every target file under `dir`, each loaded on its own.
pub fn load_all(dir: &Path) -> Result<super::Loaded<Target>, SpecError> {
    let files = super::sorted_entries(dir, |p| p.extension().is_some_and(|e| e == "toml"))?;
    Ok(files
        .into_iter()
        .map(|f| {
            let name = f.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, load(&f))
        })
        .collect())
}

/// The directories and binaries placeholders stand for, for one cell.
#[derive(Debug, Clone)]
pub struct Places<'a> {
    pub source: &'a Path,
    pub runner: &'a Path,
    pub out: &'a Path,
    pub cache: &'a Path,
    /// Required binary names to resolved paths.
    pub bins: &'a BTreeMap<String, String>,
}

/// Fills in placeholders.
pub fn expand(arg: &str, places: &Places) -> String {
    let mut s = arg
        .replace("{source}", &places.source.to_string_lossy())
        .replace("{runner}", &places.runner.to_string_lossy())
        .replace("{out}", &places.out.to_string_lossy())
        .replace("{cache}", &places.cache.to_string_lossy());
    for (name, path) in places.bins {
        s = s.replace(&format!("{{bin:{name}}}"), path);
    }
    s
}
