//! `workloads/<name>/workload.toml`: parameters, expected output and limits per size.

use super::is_safe_name;
use crate::error::{from_toml, line_of, SpecError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The three sizes every workload defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Size {
    Quick,
    Standard,
    Full,
}

impl Size {
    pub const ALL: [Size; 3] = [Size::Quick, Size::Standard, Size::Full];

    pub fn as_str(self) -> &'static str {
        match self {
            Size::Quick => "quick",
            Size::Standard => "standard",
            Size::Full => "full",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Size::ALL
            .into_iter()
            .find(|size| size.as_str() == s)
            .ok_or_else(|| format!("unknown size `{s}` (expected quick, standard or full)"))
    }
}

/// How a program's result is compared with the expected output, after normalisation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "lowercase")]
pub enum CompareRule {
    /// Equal text after normalising line endings and whitespace.
    Exact,
    /// Equal text, except that tokens which are numbers may differ by `tolerance` (absolute).
    Numeric { tolerance: f64 },
}

/// Everything one size of a workload says.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SizeSpec {
    /// Workload parameters, passed as `key=value` arguments in key order.
    pub params: BTreeMap<String, String>,
    pub expected: String,
    pub timeout: Duration,
    /// In-process warm-up iterations per run (see runners/PROTOCOL.md).
    pub warmup: u32,
    /// In-process measured iterations per run.
    pub iterations: u32,
}

/// What a budget limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetMetric {
    /// Median wall time of a whole run.
    WallMs,
    /// Median CPU time of a whole run.
    CpuMs,
    /// Median peak RSS.
    PeakRssMib,
    /// Median time to `#bm ready`.
    StartupMs,
    /// Median of the in-process iterations.
    IterationP50Ms,
    /// 95th percentile of the in-process iterations.
    IterationP95Ms,
}

impl BudgetMetric {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetMetric::WallMs => "wall_ms",
            BudgetMetric::CpuMs => "cpu_ms",
            BudgetMetric::PeakRssMib => "peak_rss_mib",
            BudgetMetric::StartupMs => "startup_ms",
            BudgetMetric::IterationP50Ms => "iteration_p50_ms",
            BudgetMetric::IterationP95Ms => "iteration_p95_ms",
        }
    }
}

/// A goal such as "one iteration under 100 ms at p95", judged per target.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub description: String,
    /// The size the limit applies to; other sizes do not judge it.
    pub size: Size,
    pub metric: BudgetMetric,
    /// The largest acceptable value, in the metric's unit.
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Workload {
    pub name: String,
    pub summary: String,
    pub category: String,
    pub compare: CompareRule,
    /// A change `compare` must see beyond noise to call it a regression (0.05 = 5 %).
    pub regression_threshold: f64,
    pub budgets: Vec<Budget>,
    pub sizes: BTreeMap<Size, SizeSpec>,
    /// `workloads/<name>/`.
    #[serde(skip)]
    pub dir: PathBuf,
}

impl Workload {
    /// The implementation directory for a target's source language, e.g. `workloads/nbody/rust`.
    pub fn source_dir(&self, source: &str) -> PathBuf {
        self.dir.join(source)
    }

    pub fn size(&self, size: Size) -> &SizeSpec {
        // Loading guarantees every size is present.
        &self.sizes[&size]
    }
}

// The file's shape, as written; checked and turned into a `Workload` by `load`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    name: toml::Spanned<String>,
    summary: String,
    category: String,
    compare: toml::Spanned<RawCompare>,
    regression_threshold: Option<toml::Spanned<f64>>,
    #[serde(default)]
    budgets: Vec<toml::Spanned<Budget>>,
    sizes: BTreeMap<String, RawSize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompare {
    rule: toml::Spanned<String>,
    tolerance: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSize {
    params: Option<toml::Spanned<toml::Table>>,
    expected: Option<String>,
    timeout_secs: Option<toml::Spanned<f64>>,
    warmup: Option<u32>,
    iterations: Option<toml::Spanned<u32>>,
}

const SIZE_FIX: &str = "each of [sizes.quick], [sizes.standard] and [sizes.full] needs `params`, `expected` and `timeout_secs`";

/// Loads `workloads/<dir name>/workload.toml`; the directory name must equal `name`.
pub fn load(dir: &Path) -> Result<Workload, SpecError> {
    let file = dir.join("workload.toml");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        SpecError::new(&file, format!("cannot read: {e}"), "every directory under workloads/ needs a workload.toml (see workloads/README.md)")
    })?;
    let raw: RawWorkload = toml::from_str(&text).map_err(|e| from_toml(&file, &text, e, "see workloads/README.md for the fields a workload.toml takes"))?;
    let line = |span: std::ops::Range<usize>| Some(line_of(&text, span.start));

    let name = raw.name.get_ref().clone();
    if !is_safe_name(&name) {
        return Err(SpecError::new(&file, format!("`{name}` is not a safe directory name"), "use lowercase letters, digits, `-` and `_`, starting with a letter or digit")
            .at(line(raw.name.span()))
            .field("name"));
    }
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name != dir_name {
        return Err(SpecError::new(&file, format!("name `{name}` differs from its directory `{dir_name}`"), format!("set name = \"{dir_name}\" or rename the directory"))
            .at(line(raw.name.span()))
            .field("name"));
    }

    let compare_line = line(raw.compare.span());
    let raw_compare = raw.compare.into_inner();
    let compare = match raw_compare.rule.get_ref().as_str() {
        "exact" => CompareRule::Exact,
        "numeric" => match raw_compare.tolerance {
            Some(t) if t >= 0.0 && t.is_finite() => CompareRule::Numeric { tolerance: t },
            Some(t) => return Err(SpecError::new(&file, format!("tolerance {t} is not a finite number >= 0"), "set e.g. tolerance = 1e-9").at(compare_line).field("compare.tolerance")),
            None => return Err(SpecError::new(&file, "rule \"numeric\" needs a tolerance", "add e.g. tolerance = 1e-9 (the largest absolute difference accepted per number)").at(compare_line).field("compare.tolerance")),
        },
        other => {
            return Err(SpecError::new(&file, format!("unknown comparison rule `{other}`"), "use rule = \"exact\" or rule = \"numeric\" (with a tolerance)")
                .at(line(raw_compare.rule.span()))
                .field("compare.rule"))
        }
    };

    let sizes_line = text.find("[sizes").map(|o| line_of(&text, o));
    let mut sizes = BTreeMap::new();
    // Check sizes in their natural order, so the first error named is the smallest size's.
    let mut raw_sizes = Vec::new();
    for (key, raw_size) in raw.sizes {
        let size: Size = key.parse().map_err(|e: String| {
            let at = text.find(&format!("sizes.{key}")).map(|o| line_of(&text, o));
            SpecError::new(&file, e, "sizes are quick, standard and full").at(at).field(format!("sizes.{key}"))
        })?;
        raw_sizes.push((size, raw_size));
    }
    raw_sizes.sort_by_key(|(size, _)| *size);
    for (size, raw_size) in raw_sizes {
        let size_line = text.find(&format!("[sizes.{size}]")).map(|o| line_of(&text, o));
        let field = |f: &str| format!("sizes.{size}.{f}");
        let params_spanned = raw_size
            .params
            .ok_or_else(|| SpecError::new(&file, format!("size `{size}` has no parameters"), format!("add `params = {{ ... }}` under [sizes.{size}]")).at(size_line).field(field("params")))?;
        let params_line = line(params_spanned.span());
        let mut params = BTreeMap::new();
        for (k, v) in params_spanned.into_inner() {
            let value = match &v {
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::String(s) if !s.is_empty() && !s.chars().any(char::is_whitespace) => s.clone(),
                _ => return Err(SpecError::new(&file, format!("parameter `{k}` must be an integer or a string without spaces, not {v}"), "write e.g. steps = 1000000").at(params_line).field(field(&format!("params.{k}")))),
            };
            if !is_safe_name(&k) {
                return Err(SpecError::new(&file, format!("parameter name `{k}` is not a safe name"), "use lowercase letters, digits, `-` and `_`").at(params_line).field(field("params")));
            }
            params.insert(k, value);
        }
        if params.is_empty() {
            return Err(SpecError::new(&file, format!("size `{size}` has an empty parameter table"), "give at least one parameter, e.g. params = { steps = 1000 }").at(params_line).field(field("params")));
        }
        let expected = raw_size.expected.filter(|e| !e.trim().is_empty()).ok_or_else(|| {
            SpecError::new(&file, format!("size `{size}` has no expected output"), format!("add expected = \"\"\"...\"\"\" under [sizes.{size}]: the canonical output, e.g. from the C++ implementation")).at(size_line).field(field("expected"))
        })?;
        let timeout = raw_size.timeout_secs.ok_or_else(|| {
            SpecError::new(&file, format!("size `{size}` has no timeout"), format!("add timeout_secs = 60 under [sizes.{size}]")).at(size_line).field(field("timeout_secs"))
        })?;
        let t = *timeout.get_ref();
        if !(t > 0.0 && t <= 86_400.0) {
            return Err(SpecError::new(&file, format!("timeout_secs {t} is out of range"), "give a number of seconds between 0 and 86400").at(line(timeout.span())).field(field("timeout_secs")));
        }
        let iterations = match raw_size.iterations {
            Some(i) if *i.get_ref() == 0 => return Err(SpecError::new(&file, "iterations must be at least 1", "set iterations = 1 or more").at(line(i.span())).field(field("iterations"))),
            Some(i) => i.into_inner(),
            None => 1,
        };
        sizes.insert(size, SizeSpec { params, expected, timeout: Duration::from_secs_f64(t), warmup: raw_size.warmup.unwrap_or(0), iterations });
    }
    if let Some(missing) = Size::ALL.into_iter().find(|s| !sizes.contains_key(s)) {
        return Err(SpecError::new(&file, format!("size `{missing}` is missing"), SIZE_FIX).at(sizes_line).field(format!("sizes.{missing}")));
    }

    let regression_threshold = match raw.regression_threshold {
        None => 0.05,
        Some(t) if (0.0..1.0).contains(t.get_ref()) => *t.get_ref(),
        Some(t) => return Err(SpecError::new(&file, format!("regression_threshold {} is not a fraction in [0, 1)", t.get_ref()), "write e.g. regression_threshold = 0.05 for 5 %").at(line(t.span())).field("regression_threshold")),
    };
    let mut budgets = Vec::new();
    for b in raw.budgets {
        if !(b.get_ref().max > 0.0 && b.get_ref().max.is_finite()) {
            return Err(SpecError::new(&file, format!("budget max {} is not a positive number", b.get_ref().max), "give the limit in the metric's unit, e.g. max = 100").at(line(b.span())).field("budgets.max"));
        }
        budgets.push(b.into_inner());
    }
    Ok(Workload { name, summary: raw.summary, category: raw.category, compare, regression_threshold, budgets, sizes, dir: dir.to_path_buf() })
}

/// Every workload under `dir`, each loaded on its own so one broken file spoils only itself.
pub fn load_all(dir: &Path) -> Result<Vec<(String, Result<Workload, SpecError>)>, SpecError> {
    let dirs = super::sorted_entries(dir, |p| p.is_dir())?;
    Ok(dirs
        .into_iter()
        .map(|d| {
            let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, load(&d))
        })
        .collect())
}
