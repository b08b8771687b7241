//! `workloads/<name>/workload.toml`: parameters, expected output and limits per size, an
//! optional parameter axis (each value its own column), an optional iteration cycle, and the
//! languages a workload does not support (with the reason).

use super::is_safe_name;
use crate::error::{from_toml, line_of, SpecError};
use crate::ids::{AxisValue, Column};
use crate::measure::Leftovers;
use crate::metric::Metric;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The three sizes every workload defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, Deserialize, clap::ValueEnum)]
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

/// The expected output of one size: one text, or one per axis value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Expected {
    One(String),
    PerAxis(BTreeMap<String, String>),
}

/// Everything one size of a workload says.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SizeSpec {
    /// Workload parameters, passed as `key=value` arguments in key order.
    pub params: BTreeMap<String, String>,
    pub expected: Expected,
    pub timeout: Duration,
    /// In-process warm-up iterations per run (see runners/PROTOCOL.md).
    pub warmup: u32,
    /// In-process measured iterations per run.
    pub iterations: u32,
    /// The axis values measured at this size (all of them when the size does not say).
    pub axis_values: Option<Vec<String>>,
    /// Service workloads: the load levels.
    pub load: Option<LoadSpec>,
    /// Client workloads: the levels, phases and the mock's timing.
    pub client: Option<ClientSpec>,
}

/// What a workload's program is: a batch run timed to its exit, or a server measured under
/// load (runners/SERVICE.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Batch,
    Service,
    /// An HTTP client run against the supervisor's mock API (workloads/chat-client/README.md).
    Client,
}

impl Kind {
    /// Service and client cells are measured per load level, not ranked with the batch cells.
    pub fn is_batch(self) -> bool {
        self == Kind::Batch
    }
}

/// How a client workload runs at one size (`[sizes.X.client]`): one fresh client process per
/// concurrency level, each sending the same phases of requests to a fresh mock.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClientSpec {
    pub concurrency: Vec<u32>,
    /// Plain chat requests sent first, not timed.
    pub warmup: u32,
    /// Plain chat requests measured.
    pub requests: u32,
    /// Streaming requests measured.
    pub streams: u32,
    pub stream_tokens: u32,
    /// Requests to each of the `:rate`, `:error` and `:malformed` routes.
    pub probe: u32,
    /// Retries allowed after a 429.
    pub retries: u32,
    pub payload: String,
    pub payload_bytes: usize,
    /// The mock's wait before each plain answer and before each stream event.
    pub latency: Duration,
    pub chunk: Duration,
}

/// Link libraries and extensions a workload adds to a language's build and run lines
/// (`[flags.<language>]`, expanded where a target file says `{flags}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Flags {
    #[serde(default)]
    pub build: Vec<String>,
    #[serde(default)]
    pub run: Vec<String>,
}

/// Whether `flag` only adds a library or an extension: `-l<lib>`, `-r:<Assembly>.dll`,
/// `-d` and `extension=<name>` (PHP). Optimisation and code-generation flags are the target
/// file's alone (METHODOLOGY.md, flag policy).
pub fn is_allowed_flag(flag: &str) -> bool {
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+-.".contains(&b));
    flag == "-d"
        || flag.strip_prefix("-l").is_some_and(word)
        || flag.strip_prefix("-r:").and_then(|a| a.strip_suffix(".dll")).is_some_and(word)
        || flag.strip_prefix("extension=").is_some_and(word)
}

/// How a service workload is loaded at one size (`[sizes.X.load]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoadSpec {
    /// Closed-loop concurrency levels, in order.
    pub concurrency: Vec<u32>,
    pub warmup: Duration,
    pub measure: Duration,
    /// Payload size class (S, M, L) and its request-body size in bytes.
    pub payload: String,
    pub payload_bytes: usize,
    /// Tokens per stream of the streaming level (0: no streaming level).
    pub stream_tokens: u32,
    /// Concurrent SSE streams held by the connection-scale test (0: none).
    pub hold_streams: u32,
    /// Open-loop levels, as fractions of the best closed-loop throughput.
    pub open_fractions: Vec<f64>,
}

/// The request-body sizes of the payload classes (runners/SERVICE.md, "Payloads").
pub const PAYLOADS: [(&str, usize); 3] = [("S", 1024), ("M", 32 * 1024), ("L", 256 * 1024)];

/// A workload's one parameter axis: each value becomes its own column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Axis {
    pub param: String,
    pub values: Vec<String>,
}

/// A goal such as "one iteration under 100 ms at p95", judged per target.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Budget {
    pub description: String,
    /// The size the limit applies to; other sizes do not judge it.
    pub size: Size,
    pub metric: Metric,
    /// The largest acceptable value, in the metric's unit (`peak_rss_mib` budgets are
    /// converted to KiB when loaded).
    pub max: f64,
    /// Only the column of this axis value (default: every column of the workload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<String>,
    /// Only the iterations of this cycle label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A ratio between two axis values of the same target (e.g. the streaming overhead: flushed
/// over buffered), with an optional limit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AxisRatio {
    pub description: String,
    pub numerator: String,
    pub denominator: String,
    /// A per-run metric (the ratio is of the medians over runs).
    pub metric: Metric,
    /// The largest acceptable ratio, judged like a budget (e.g. 1.05 for "under 5 %").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// The size the limit applies to (default: every size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Size>,
}

impl Budget {
    pub fn applies_to(&self, column: &Column) -> bool {
        self.axis.as_deref().is_none_or(|a| column.axis_value() == Some(a))
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Workload {
    pub name: String,
    pub kind: Kind,
    pub summary: String,
    pub category: String,
    pub compare: CompareRule,
    /// A change `compare` must see beyond noise to call it a regression (0.05 = 5 %).
    pub regression_threshold: f64,
    pub budgets: Vec<Budget>,
    /// Ratios between axis values, per target.
    pub ratios: Vec<AxisRatio>,
    pub sizes: BTreeMap<Size, SizeSpec>,
    pub axis: Option<Axis>,
    /// Iteration i works on unit i mod cycle (runners/PROTOCOL.md, `bm.cycle`).
    pub cycle: u32,
    /// One name per unit of the cycle, so each kind's iterations are reported apart.
    pub cycle_labels: Vec<String>,
    /// Implementation languages (source directory names), or single targets, this workload
    /// does not support, and why.
    pub unsupported: BTreeMap<String, String>,
    /// Whether processes left running after the program exits fail the run (the default).
    pub leftovers: Leftovers,
    /// Stdout lines starting with this are events, timestamped by the launcher (`stream`).
    pub events: Option<String>,
    /// Fairness rules the tidy test enforces on the implementations (docs/FAIRNESS.md).
    pub rules: Vec<String>,
    /// Extra libraries and extensions per implementation language.
    pub flags: BTreeMap<String, Flags>,
    /// `workloads/<name>/`.
    #[serde(skip)]
    pub dir: PathBuf,
}

/// One column at one size: everything a run of it needs to know.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub column: Column,
    /// Parameters in key order, the axis parameter included.
    pub params: BTreeMap<String, String>,
    pub expected: String,
    pub timeout: Duration,
    pub warmup: u32,
    pub iterations: u32,
    pub cycle: u32,
    pub compare: CompareRule,
    pub leftovers: Leftovers,
    pub event_prefix: Option<String>,
    pub kind: Kind,
    /// Boxed: only service variants have one, and a plan holds many variants.
    pub load: Option<Box<LoadSpec>>,
    /// Only client variants have one.
    pub client: Option<Box<ClientSpec>>,
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

    /// The workload's columns at `size`, in the order its file declares them (a size may
    /// measure only some axis values: `axis_values`).
    pub fn columns(&self, size: Size) -> Vec<Column> {
        match &self.axis {
            None => vec![Column::plain(&self.name)],
            Some(axis) => axis
                .values
                .iter()
                .filter(|v| self.size(size).axis_values.as_ref().is_none_or(|only| only.contains(v)))
                .map(|v| Column::new(&self.name, Some(AxisValue { param: axis.param.clone(), value: v.clone() })))
                .collect(),
        }
    }

    /// What a run of `column` at `size` needs. The column must be one of `columns()`.
    pub fn variant(&self, size: Size, column: &Column) -> Variant {
        let spec = self.size(size);
        let mut params = spec.params.clone();
        if let Some(a) = &column.axis {
            params.insert(a.param.clone(), a.value.clone());
        }
        let expected = match (&spec.expected, column.axis_value()) {
            (Expected::One(text), _) => text.clone(),
            (Expected::PerAxis(map), Some(v)) => map.get(v).cloned().unwrap_or_default(),
            (Expected::PerAxis(_), None) => String::new(),
        };
        Variant {
            column: column.clone(),
            params,
            expected,
            timeout: spec.timeout,
            warmup: spec.warmup,
            iterations: spec.iterations,
            cycle: self.cycle,
            compare: self.compare.clone(),
            leftovers: self.leftovers,
            event_prefix: self.events.clone(),
            kind: self.kind,
            load: spec.load.clone().map(Box::new),
            client: spec.client.clone().map(Box::new),
        }
    }

    /// The extra build and run flags for an implementation language (none by default).
    pub fn flags_for(&self, source: &str) -> Flags {
        self.flags.get(source).cloned().unwrap_or_default()
    }

    /// Why this workload has no implementation for `source` (or none that runs on `target`,
    /// when `[unsupported]` names the target itself: one Haxe file, a target without sockets).
    pub fn missing_implementation(&self, source: &str) -> Option<String> {
        self.missing_on(source, None)
    }

    /// As `missing_implementation`, for the cell of one target.
    pub fn missing_on(&self, source: &str, target: Option<&str>) -> Option<String> {
        if let Some((name, why)) = target.and_then(|t| self.unsupported.get_key_value(t)) {
            return Some(format!("{} does not support {name}: {why}", self.name));
        }
        if let Some(why) = self.unsupported.get(source) {
            return Some(format!("{} does not support {source}: {why}", self.name));
        }
        (!self.source_dir(source).is_dir())
            .then(|| format!("no {source} implementation ({} does not exist)", self.source_dir(source).display()))
    }
}

// The file's shape, as written; checked and turned into a `Workload` by `load`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    name: toml::Spanned<String>,
    kind: Option<toml::Spanned<String>>,
    summary: String,
    category: String,
    compare: Option<toml::Spanned<RawCompare>>,
    regression_threshold: Option<toml::Spanned<f64>>,
    #[serde(default)]
    budgets: Vec<toml::Spanned<RawBudget>>,
    #[serde(default)]
    ratios: Vec<toml::Spanned<RawRatio>>,
    axis: Option<toml::Spanned<RawAxis>>,
    cycle: Option<toml::Spanned<u32>>,
    cycle_labels: Option<toml::Spanned<Vec<String>>>,
    #[serde(default)]
    unsupported: BTreeMap<String, String>,
    leftovers: Option<toml::Spanned<String>>,
    events: Option<toml::Spanned<String>>,
    rules: Option<toml::Spanned<Vec<String>>>,
    #[serde(default)]
    flags: BTreeMap<String, toml::Spanned<RawFlags>>,
    sizes: BTreeMap<String, RawSize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlags {
    #[serde(default)]
    build: Vec<String>,
    #[serde(default)]
    run: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompare {
    rule: toml::Spanned<String>,
    tolerance: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAxis {
    param: String,
    values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRatio {
    description: String,
    numerator: String,
    denominator: String,
    metric: String,
    max: Option<f64>,
    size: Option<Size>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBudget {
    description: String,
    size: Size,
    metric: toml::Spanned<String>,
    max: f64,
    axis: Option<String>,
    label: Option<String>,
}

enum RawExpected {
    One(String),
    PerAxis(BTreeMap<String, String>),
    Neither,
}

impl RawExpected {
    fn from(value: toml::Value) -> RawExpected {
        match value {
            toml::Value::String(s) => RawExpected::One(s),
            toml::Value::Table(t) => t
                .into_iter()
                .map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect::<Option<BTreeMap<_, _>>>()
                .map_or(RawExpected::Neither, RawExpected::PerAxis),
            _ => RawExpected::Neither,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSize {
    params: Option<toml::Spanned<toml::Table>>,
    // Not spanned: toml cannot span a table written as dotted keys (`expected.S = ...`).
    expected: Option<toml::Value>,
    timeout_secs: Option<toml::Spanned<f64>>,
    warmup: Option<u32>,
    iterations: Option<toml::Spanned<u32>>,
    axis_values: Option<Vec<String>>,
    load: Option<toml::Spanned<RawLoad>>,
    client: Option<toml::Spanned<RawClient>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClient {
    concurrency: Vec<u32>,
    warmup: u32,
    requests: u32,
    streams: u32,
    stream_tokens: u32,
    probe: u32,
    retries: u32,
    payload: String,
    latency_us: u64,
    chunk_us: u64,
}

/// Checks one `[sizes.X.client]` table.
fn client_spec(raw: RawClient) -> Result<ClientSpec, (String, String, &'static str)> {
    let bad = |problem: String, fix: &str, field: &'static str| Err((problem, fix.to_string(), field));
    if raw.concurrency.is_empty() || raw.concurrency.iter().any(|&c| c == 0 || c > 4096) {
        return bad(
            format!("concurrency {:?} needs levels between 1 and 4096", raw.concurrency),
            "write e.g. concurrency = [1, 8, 32]",
            "concurrency",
        );
    }
    for (field, v, most) in [
        ("warmup", raw.warmup, 10_000_000),
        ("requests", raw.requests, 10_000_000),
        ("streams", raw.streams, 1_000_000),
        ("stream_tokens", raw.stream_tokens, 100_000),
        ("probe", raw.probe, 10_000),
        ("retries", raw.retries, 100),
    ] {
        if v > most {
            return bad(format!("{field} = {v} is too many"), &format!("give at most {most}"), field);
        }
    }
    if raw.requests == 0 {
        return bad("requests = 0 measures nothing".into(), "give the plain chat requests of each level, e.g. requests = 400", "requests");
    }
    if raw.streams > 0 && raw.stream_tokens == 0 {
        return bad("streams without tokens".into(), "give stream_tokens >= 1 (or streams = 0)", "stream_tokens");
    }
    if raw.probe > 0 && raw.retries == 0 {
        return bad(
            "retries = 0 with a probe: every rate-limited request would give up".into(),
            "give retries >= 1 (the mock limits every other request)",
            "retries",
        );
    }
    let Some(&(_, payload_bytes)) = PAYLOADS.iter().find(|(name, _)| *name == raw.payload) else {
        return bad(format!("unknown payload `{}`", raw.payload), "use payload = \"S\" (1 KB), \"M\" (32 KB) or \"L\" (256 KB)", "payload");
    };
    for (field, v) in [("latency_us", raw.latency_us), ("chunk_us", raw.chunk_us)] {
        if v > 10_000_000 {
            return bad(format!("{field} = {v} is more than 10 s"), "give microseconds up to 10000000", field);
        }
    }
    Ok(ClientSpec {
        concurrency: raw.concurrency,
        warmup: raw.warmup,
        requests: raw.requests,
        streams: raw.streams,
        stream_tokens: raw.stream_tokens,
        probe: raw.probe,
        retries: raw.retries,
        payload: raw.payload,
        payload_bytes,
        latency: Duration::from_micros(raw.latency_us),
        chunk: Duration::from_micros(raw.chunk_us),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLoad {
    concurrency: Vec<u32>,
    warmup_s: f64,
    measure_s: f64,
    payload: String,
    #[serde(default)]
    stream_tokens: u32,
    #[serde(default)]
    hold_streams: u32,
    #[serde(default)]
    open_fractions: Vec<f64>,
}

/// Checks one `[sizes.X.load]` table.
fn load_spec(raw: RawLoad) -> Result<LoadSpec, (String, String, &'static str)> {
    let bad = |problem: String, fix: &str, field: &'static str| Err((problem, fix.to_string(), field));
    if raw.concurrency.is_empty() || raw.concurrency.iter().any(|&c| c == 0 || c > 100_000) {
        return bad(
            format!("concurrency {:?} needs levels between 1 and 100000", raw.concurrency),
            "write e.g. concurrency = [1, 8, 32]",
            "concurrency",
        );
    }
    for (field, v) in [("warmup_s", raw.warmup_s), ("measure_s", raw.measure_s)] {
        let least = if field == "warmup_s" { 0.0 } else { 0.1 };
        if !(v >= least && v <= 3600.0) {
            return bad(
                format!("{field} = {v} is out of range"),
                "give seconds between 0.1 and 3600 (warmup_s may be 0)",
                if field == "warmup_s" { "warmup_s" } else { "measure_s" },
            );
        }
    }
    let Some(&(_, payload_bytes)) = PAYLOADS.iter().find(|(name, _)| *name == raw.payload) else {
        return bad(format!("unknown payload `{}`", raw.payload), "use payload = \"S\" (1 KB), \"M\" (32 KB) or \"L\" (256 KB)", "payload");
    };
    if raw.stream_tokens > 100_000 {
        return bad(format!("stream_tokens = {} is too many", raw.stream_tokens), "give at most 100000 tokens per stream", "stream_tokens");
    }
    if raw.hold_streams > 1_000_000 {
        return bad(format!("hold_streams = {} is too many", raw.hold_streams), "give at most 1000000 streams", "hold_streams");
    }
    if raw.open_fractions.iter().any(|f| !(*f > 0.0 && *f <= 1.0)) {
        return bad(
            format!("open_fractions {:?} must be in (0, 1]", raw.open_fractions),
            "write e.g. open_fractions = [0.5, 0.9]",
            "open_fractions",
        );
    }
    Ok(LoadSpec {
        concurrency: raw.concurrency,
        warmup: Duration::from_secs_f64(raw.warmup_s),
        measure: Duration::from_secs_f64(raw.measure_s),
        payload: raw.payload,
        payload_bytes,
        stream_tokens: raw.stream_tokens,
        hold_streams: raw.hold_streams,
        open_fractions: raw.open_fractions,
    })
}

/// The fairness rules a workload may ask the tidy test to enforce (docs/FAIRNESS.md).
pub const RULES: [&str; 1] = ["standard-maps"];

const SIZE_FIX: &str = "each of [sizes.quick], [sizes.standard] and [sizes.full] needs `params`, `expected` and `timeout_secs`";

/// An axis value or cycle label: used in argv and shown in column names.
fn is_safe_value(v: &str) -> bool {
    !v.is_empty() && v.len() <= 32 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Loads `workloads/<dir name>/workload.toml`; the directory name must equal `name`.
pub fn load(dir: &Path) -> Result<Workload, SpecError> {
    let file = dir.join("workload.toml");
    let text = std::fs::read_to_string(&file).map_err(|e| {
        SpecError::new(
            &file,
            format!("cannot read: {e}"),
            "every directory under workloads/ needs a workload.toml (see workloads/README.md)",
        )
    })?;
    parse(dir, &text)
}

/// Checks a workload.toml's text as if read from `dir` (whose name must be the workload's).
/// Pure: reads nothing from disk.
pub fn parse(dir: &Path, text: &str) -> Result<Workload, SpecError> {
    let file = dir.join("workload.toml");
    let raw: RawWorkload =
        toml::from_str(text).map_err(|e| from_toml(&file, text, e, "see workloads/README.md for the fields a workload.toml takes"))?;
    let line = |span: std::ops::Range<usize>| Some(line_of(text, span.start));
    let err = |problem: String, fix: &str| SpecError::new(&file, problem, fix);

    let name = raw.name.get_ref().clone();
    if !is_safe_name(&name) {
        return Err(err(
            format!("`{name}` is not a safe directory name"),
            "use lowercase letters, digits, `-` and `_`, starting with a letter or digit",
        )
        .at(line(raw.name.span()))
        .field("name"));
    }
    let dir_name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name != dir_name {
        // Only propose a name that would itself be accepted.
        let fix = if is_safe_name(dir_name) {
            format!("set name = \"{dir_name}\" or rename the directory to `{name}`")
        } else {
            format!("rename the directory to `{name}` (`{dir_name}` is not a safe name: lowercase letters, digits, `-` and `_`)")
        };
        return Err(err(format!("name `{name}` differs from its directory `{dir_name}`"), &fix).at(line(raw.name.span())).field("name"));
    }

    let kind =
        match raw.kind {
            None => Kind::Batch,
            Some(k) => match k.get_ref().as_str() {
                "batch" => Kind::Batch,
                "service" => Kind::Service,
                "client" => Kind::Client,
                other => return Err(err(
                    format!("unknown kind `{other}`"),
                    "use kind = \"batch\" (the default), \"service\" (runners/SERVICE.md) or \"client\" (workloads/chat-client/README.md)",
                )
                .at(line(k.span()))
                .field("kind")),
            },
        };
    let service = kind == Kind::Service;
    let client = kind == Kind::Client;
    let mut flags = BTreeMap::new();
    for (language, raw_flags) in raw.flags {
        let at = line(raw_flags.span());
        let raw_flags = raw_flags.into_inner();
        if let Some(bad) = raw_flags.build.iter().chain(&raw_flags.run).find(|f| !is_allowed_flag(f)) {
            return Err(err(
                format!("flag `{bad}` for {language} is not a library or an extension"),
                "flags may only add libraries and extensions (-lNAME, -r:NAME.dll, -d extension=NAME); optimisation flags belong to the target file",
            )
            .at(at)
            .field(format!("flags.{language}")));
        }
        flags.insert(language, Flags { build: raw_flags.build, run: raw_flags.run });
    }
    let raw_compare = match raw.compare {
        Some(c) => c,
        // A service's answers are verified by the load generator (runners/SERVICE.md).
        None if service || client => {
            toml::Spanned::new(0..0, RawCompare { rule: toml::Spanned::new(0..0, "exact".into()), tolerance: None })
        }
        None => {
            return Err(err(
                "missing [compare]".into(),
                "add [compare] with rule = \"exact\" (or rule = \"numeric\" with a tolerance): how outputs are checked",
            )
            .field("compare"))
        }
    };
    let compare_line = line(raw_compare.span());
    let raw_compare = raw_compare.into_inner();
    let compare = match raw_compare.rule.get_ref().as_str() {
        "exact" => CompareRule::Exact,
        "numeric" => match raw_compare.tolerance {
            Some(t) if t >= 0.0 && t.is_finite() => CompareRule::Numeric { tolerance: t },
            Some(t) => {
                return Err(err(format!("tolerance {t} is not a finite number >= 0"), "set e.g. tolerance = 1e-9")
                    .at(compare_line)
                    .field("compare.tolerance"))
            }
            None => {
                return Err(err(
                    "rule \"numeric\" needs a tolerance".into(),
                    "add e.g. tolerance = 1e-9 (the largest absolute difference accepted per number)",
                )
                .at(compare_line)
                .field("compare.tolerance"))
            }
        },
        other => {
            return Err(err(format!("unknown comparison rule `{other}`"), "use rule = \"exact\" or rule = \"numeric\" (with a tolerance)")
                .at(line(raw_compare.rule.span()))
                .field("compare.rule"))
        }
    };

    let axis = match raw.axis {
        None => None,
        Some(a) => {
            let at = line(a.span());
            let a = a.into_inner();
            if !is_safe_name(&a.param) {
                return Err(err(
                    format!("axis parameter `{}` is not a safe name", a.param),
                    "use lowercase letters, digits, `-` and `_`, e.g. param = \"payload\"",
                )
                .at(at)
                .field("axis.param"));
            }
            if a.values.is_empty() {
                return Err(err("the axis has no values".into(), "list them, e.g. values = [\"S\", \"M\", \"L\"]")
                    .at(at)
                    .field("axis.values"));
            }
            if let Some(bad) = a.values.iter().find(|v| !is_safe_value(v)) {
                return Err(err(
                    format!("axis value `{bad}` is not a plain word"),
                    "use letters, digits, `-`, `_` and `.`, at most 32 characters",
                )
                .at(at)
                .field("axis.values"));
            }
            if let Some(dup) = a.values.iter().enumerate().find(|(i, v)| a.values[..*i].contains(v)).map(|(_, v)| v) {
                return Err(err(format!("axis value `{dup}` is listed twice"), "list each value once").at(at).field("axis.values"));
            }
            Some(Axis { param: a.param, values: a.values })
        }
    };

    let cycle = match raw.cycle {
        None => 1,
        Some(c) if *c.get_ref() == 0 => {
            return Err(err(
                "cycle must be at least 1".into(),
                "set cycle = 1 (the default) or the number of units iterations cycle through",
            )
            .at(line(c.span()))
            .field("cycle"))
        }
        Some(c) => c.into_inner(),
    };
    let cycle_labels = match raw.cycle_labels {
        None => Vec::new(),
        Some(labels) => {
            let at = line(labels.span());
            let labels = labels.into_inner();
            if labels.len() != cycle as usize {
                return Err(err(
                    format!("{} cycle labels for a cycle of {cycle}", labels.len()),
                    "give one label per unit of the cycle, e.g. cycle = 3 with cycle_labels = [\"dtw\", \"lcs\", \"edit\"]",
                )
                .at(at)
                .field("cycle_labels"));
            }
            if let Some(bad) = labels.iter().find(|l| !is_safe_value(l)) {
                return Err(err(format!("cycle label `{bad}` is not a plain word"), "use letters, digits, `-`, `_` and `.`")
                    .at(at)
                    .field("cycle_labels"));
            }
            labels
        }
    };
    for (source, why) in &raw.unsupported {
        let at = text.find(&format!("{source} =")).map(|o| line_of(text, o));
        if !is_safe_name(source) || why.trim().is_empty() {
            return Err(err(
                format!("unsupported language `{source}` needs a safe name and a reason"),
                "write e.g. [unsupported] with cpp = \"no standard JSON library\"",
            )
            .at(at)
            .field(format!("unsupported.{source}")));
        }
    }

    let leftovers = match raw.leftovers {
        None => Leftovers::Kill,
        Some(l) => match l.get_ref().as_str() {
            "fail" => Leftovers::Kill,
            "allowed" => Leftovers::Wait,
            other => return Err(err(format!("unknown leftovers policy `{other}`"), "use leftovers = \"fail\" (the default: processes left running fail the run) or \"allowed\" (they are waited for and flagged)").at(line(l.span())).field("leftovers")),
        },
    };
    let events = match raw.events {
        None => None,
        Some(e) if e.get_ref().trim().is_empty() || e.get_ref().starts_with("#bm") => {
            return Err(err(
                format!("`{}` cannot mark events", e.get_ref()),
                "give the prefix event lines start with, e.g. events = \"data: \"",
            )
            .at(line(e.span()))
            .field("events"))
        }
        Some(e) => Some(e.into_inner()),
    };

    let rules = match raw.rules {
        None => Vec::new(),
        Some(r) => {
            let at = line(r.span());
            let r = r.into_inner();
            if let Some(bad) = r.iter().find(|x| !RULES.contains(&x.as_str())) {
                return Err(err(format!("unknown rule `{bad}`"), &format!("the rules are {} (docs/FAIRNESS.md)", RULES.join(", ")))
                    .at(at)
                    .field("rules"));
            }
            r
        }
    };

    let sizes_line = text.find("[sizes").map(|o| line_of(text, o));
    let mut sizes = BTreeMap::new();
    // Check sizes in their natural order, so the first error named is the smallest size's.
    let mut raw_sizes = Vec::new();
    for (key, raw_size) in raw.sizes {
        let size: Size = key.parse().map_err(|e: String| {
            let at = text.find(&format!("sizes.{key}")).map(|o| line_of(text, o));
            SpecError::new(&file, e, "sizes are quick, standard and full").at(at).field(format!("sizes.{key}"))
        })?;
        raw_sizes.push((size, raw_size));
    }
    raw_sizes.sort_by_key(|(size, _)| *size);
    for (size, raw_size) in raw_sizes {
        let size_line = text.find(&format!("[sizes.{size}]")).map(|o| line_of(text, o));
        let field = |f: &str| format!("sizes.{size}.{f}");
        let load = match (raw_size.load, service) {
            (Some(l), true) => {
                let at = line(l.span());
                Some(load_spec(l.into_inner()).map_err(|(problem, fix, f)| err(problem, &fix).at(at).field(field(&format!("load.{f}"))))?)
            }
            (None, true) => {
                return Err(err(
                    format!("service size `{size}` has no load table"),
                    &format!("add [sizes.{size}.load] with concurrency, warmup_s, measure_s and payload (workloads/README.md)"),
                )
                .at(size_line)
                .field(field("load")))
            }
            (Some(l), false) => {
                return Err(err(
                    format!("size `{size}` has a load table, but the workload is not a service"),
                    "add kind = \"service\" or drop the load table",
                )
                .at(line(l.span()))
                .field(field("load")))
            }
            (None, false) => None,
        };
        let client_table = match (raw_size.client, client) {
            (Some(c), true) => {
                let at = line(c.span());
                Some(client_spec(c.into_inner()).map_err(|(problem, fix, f)| err(problem, &fix).at(at).field(field(&format!("client.{f}"))))?)
            }
            (None, true) => {
                return Err(err(
                    format!("client size `{size}` has no client table"),
                    &format!("add [sizes.{size}.client] with concurrency, warmup, requests, streams, stream_tokens, probe, retries, payload, latency_us and chunk_us (workloads/chat-client/README.md)"),
                )
                .at(size_line)
                .field(field("client")))
            }
            (Some(c), false) => {
                return Err(err(
                    format!("size `{size}` has a client table, but the workload is not a client"),
                    "add kind = \"client\" or drop the client table",
                )
                .at(line(c.span()))
                .field(field("client")))
            }
            (None, false) => None,
        };
        if service || client {
            // A server's parameters are its port (set by the driver) and whatever the file
            // gives; its answers are checked by the load generator, not against a text.
            let mut params = BTreeMap::new();
            if let Some(p) = raw_size.params {
                for (k, v) in p.into_inner() {
                    params.insert(k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
                }
            }
            let t = raw_size.timeout_secs.map(|t| *t.get_ref()).unwrap_or(600.0);
            if !(t > 0.0 && t <= 86_400.0) {
                return Err(err(format!("timeout_secs {t} is out of range"), "give a number of seconds between 0 and 86400")
                    .at(size_line)
                    .field(field("timeout_secs")));
            }
            let expected = Expected::One(String::new());
            sizes.insert(
                size,
                SizeSpec {
                    params,
                    expected,
                    timeout: Duration::from_secs_f64(t),
                    warmup: 0,
                    iterations: 1,
                    axis_values: None,
                    load,
                    client: client_table,
                },
            );
            continue;
        }
        let params_spanned = raw_size.params.ok_or_else(|| {
            err(format!("size `{size}` has no parameters"), &format!("add `params = {{ ... }}` under [sizes.{size}]"))
                .at(size_line)
                .field(field("params"))
        })?;
        let params_line = line(params_spanned.span());
        let mut params = BTreeMap::new();
        for (k, v) in params_spanned.into_inner() {
            let value = match &v {
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::String(s) if !s.is_empty() && !s.chars().any(char::is_whitespace) => s.clone(),
                _ => {
                    return Err(err(
                        format!("parameter `{k}` must be an integer or a string without spaces, not {v}"),
                        "write e.g. steps = 1000000",
                    )
                    .at(params_line)
                    .field(field(&format!("params.{k}"))))
                }
            };
            if !is_safe_name(&k) {
                return Err(err(format!("parameter name `{k}` is not a safe name"), "use lowercase letters, digits, `-` and `_`")
                    .at(params_line)
                    .field(field("params")));
            }
            if axis.as_ref().is_some_and(|a| a.param == k) {
                return Err(err(
                    format!("parameter `{k}` is the axis parameter"),
                    "drop it from params: each axis value is passed as its own column",
                )
                .at(params_line)
                .field(field(&format!("params.{k}"))));
            }
            params.insert(k, value);
        }
        if params.is_empty() {
            return Err(err(
                format!("size `{size}` has an empty parameter table"),
                "give at least one parameter, e.g. params = { steps = 1000 }",
            )
            .at(params_line)
            .field(field("params")));
        }
        let missing_expected = || {
            err(
                format!("size `{size}` has no expected output"),
                &format!("add expected = \"\"\"...\"\"\" under [sizes.{size}]: the canonical output, e.g. from the C++ implementation"),
            )
            .at(size_line)
            .field(field("expected"))
        };
        let raw_expected = raw_size.expected.ok_or_else(missing_expected)?;
        let expected_line =
            text.find(&format!("[sizes.{size}]")).and_then(|o| text[o..].find("expected").map(|e| line_of(text, o + e))).or(size_line);
        let axis_values = match (raw_size.axis_values, &axis) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(err(
                    format!("size `{size}` selects axis values, but there is no [axis]"),
                    "drop axis_values or declare the [axis]",
                )
                .at(size_line)
                .field(field("axis_values")))
            }
            (Some(v), Some(a)) => {
                if v.is_empty() || v.iter().any(|x| !a.values.contains(x)) {
                    return Err(err(
                        format!("size `{size}`: axis_values must be some of {}", a.values.join(", ")),
                        "list the axis values this size measures, e.g. axis_values = [\"100\", \"500\"]",
                    )
                    .at(size_line)
                    .field(field("axis_values")));
                }
                Some(v)
            }
        };
        // The axis values this size measures, in the axis's order.
        let selected: Option<Vec<String>> =
            axis.as_ref().map(|a| a.values.iter().filter(|v| axis_values.as_ref().is_none_or(|only| only.contains(v))).cloned().collect());
        let expected = match (RawExpected::from(raw_expected), &axis) {
            (RawExpected::Neither, _) => {
                return Err(err(
                    format!("size `{size}`: expected is neither a text nor a table of texts"),
                    "write expected = \"\"\"...\"\"\" (or one expected.VALUE = \"\"\"...\"\"\" per axis value)",
                )
                .at(expected_line)
                .field(field("expected")))
            }
            (RawExpected::One(text), None) if !text.trim().is_empty() => Expected::One(text),
            (RawExpected::One(_), None) => return Err(missing_expected()),
            (RawExpected::One(_), Some(a)) => {
                return Err(err(
                    format!("size `{size}` has one expected output but the axis `{}` has {} values", a.param, a.values.len()),
                    &format!("give one per value: expected.{} = \"\"\"...\"\"\"", a.values[0]),
                )
                .at(expected_line)
                .field(field("expected")))
            }
            (RawExpected::PerAxis(_), None) => {
                return Err(err(
                    format!("size `{size}` has expected outputs per axis value, but there is no [axis]"),
                    "write expected = \"\"\"...\"\"\" or declare the [axis]",
                )
                .at(expected_line)
                .field(field("expected")))
            }
            (RawExpected::PerAxis(map), Some(a)) => {
                let selected = selected.clone().unwrap_or_else(|| a.values.clone());
                if let Some(v) = selected.iter().find(|v| map.get(*v).is_none_or(|t| t.trim().is_empty())) {
                    return Err(err(
                        format!("size `{size}` has no expected output for axis value `{v}`"),
                        &format!("add expected.{v} = \"\"\"...\"\"\" under [sizes.{size}]"),
                    )
                    .at(expected_line)
                    .field(field(&format!("expected.{v}"))));
                }
                if let Some(extra) = map.keys().find(|k| !selected.contains(k)) {
                    return Err(err(
                        format!("expected output for `{extra}`, which is not an axis value measured at this size"),
                        &format!("the axis values measured at {size} are {}", selected.join(", ")),
                    )
                    .at(expected_line)
                    .field(field(&format!("expected.{extra}"))));
                }
                Expected::PerAxis(map)
            }
        };
        let timeout = raw_size.timeout_secs.ok_or_else(|| {
            err(format!("size `{size}` has no timeout"), &format!("add timeout_secs = 60 under [sizes.{size}]"))
                .at(size_line)
                .field(field("timeout_secs"))
        })?;
        let t = *timeout.get_ref();
        if !(t > 0.0 && t <= 86_400.0) {
            return Err(err(format!("timeout_secs {t} is out of range"), "give a number of seconds between 0 and 86400")
                .at(line(timeout.span()))
                .field(field("timeout_secs")));
        }
        let (iterations, iterations_line) = match raw_size.iterations {
            Some(i) if *i.get_ref() == 0 => {
                return Err(err("iterations must be at least 1".into(), "set iterations = 1 or more")
                    .at(line(i.span()))
                    .field(field("iterations")))
            }
            Some(i) => (*i.get_ref(), line(i.span())),
            None => (1, size_line),
        };
        let warmup = raw_size.warmup.unwrap_or(0);
        if iterations % cycle != 0 || warmup % cycle != 0 {
            return Err(err(
                format!("warmup {warmup} and iterations {iterations} must be multiples of the cycle {cycle}"),
                "so that every unit of the cycle is measured equally often",
            )
            .at(iterations_line)
            .field(field("iterations")));
        }
        sizes.insert(
            size,
            SizeSpec { params, expected, timeout: Duration::from_secs_f64(t), warmup, iterations, axis_values, load, client: None },
        );
    }
    if let Some(missing) = Size::ALL.into_iter().find(|s| !sizes.contains_key(s)) {
        return Err(err(format!("size `{missing}` is missing"), SIZE_FIX).at(sizes_line).field(format!("sizes.{missing}")));
    }

    let regression_threshold = match raw.regression_threshold {
        None => 0.05,
        Some(t) if (0.0..1.0).contains(t.get_ref()) => *t.get_ref(),
        Some(t) => {
            return Err(err(
                format!("regression_threshold {} is not a fraction in [0, 1)", t.get_ref()),
                "write e.g. regression_threshold = 0.05 for 5 %",
            )
            .at(line(t.span()))
            .field("regression_threshold"))
        }
    };
    let mut budgets = Vec::new();
    for b in raw.budgets {
        let at = line(b.span());
        let b = b.into_inner();
        // Memory limits read better in MiB; on disk the metric is always peak_rss_kib.
        let (metric, scale) = match b.metric.get_ref().as_str() {
            "peak_rss_mib" => (Metric::PeakRssKib, 1024.0),
            name => match Metric::from_name(name) {
                Some(m) => (m, 1.0),
                None => {
                    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).chain(["peak_rss_mib"]).collect();
                    return Err(err(format!("unknown budget metric `{name}`"), &format!("use one of {}", names.join(", ")))
                        .at(line(b.metric.span()))
                        .field("budgets.metric"));
                }
            },
        };
        if !(b.max > 0.0 && b.max.is_finite()) {
            return Err(err(
                format!("budget max {} is not a positive number", b.max),
                "give the limit in the metric's unit, e.g. max = 100",
            )
            .at(at)
            .field("budgets.max"));
        }
        if let Some(v) = &b.axis {
            if !axis.as_ref().is_some_and(|a| a.values.contains(v)) {
                return Err(err(
                    format!("budget axis value `{v}` is not one of the workload's axis values"),
                    "name one of the values under [axis], or drop `axis`",
                )
                .at(at)
                .field("budgets.axis"));
            }
        }
        if let Some(l) = &b.label {
            if !cycle_labels.contains(l) {
                return Err(err(
                    format!("budget label `{l}` is not one of the cycle labels"),
                    "name one of `cycle_labels`, or drop `label`",
                )
                .at(at)
                .field("budgets.label"));
            }
        }
        budgets.push(Budget { description: b.description, size: b.size, metric, max: b.max * scale, axis: b.axis, label: b.label });
    }
    let mut ratios = Vec::new();
    for r in raw.ratios {
        let at = line(r.span());
        let r = r.into_inner();
        let Some(a) = &axis else {
            return Err(err("a ratio needs an [axis]: it compares two of its values".into(), "declare the [axis], or drop [[ratios]]")
                .at(at)
                .field("ratios"));
        };
        for (field, v) in [("numerator", &r.numerator), ("denominator", &r.denominator)] {
            if !a.values.contains(v) {
                return Err(err(
                    format!("`{v}` is not one of the axis values ({})", a.values.join(", ")),
                    "name two different axis values",
                )
                .at(at)
                .field(format!("ratios.{field}")));
            }
        }
        if r.numerator == r.denominator {
            return Err(err("a ratio of an axis value to itself".into(), "name two different axis values")
                .at(at)
                .field("ratios.denominator"));
        }
        let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
        let metric = Metric::from_name(&r.metric).ok_or_else(|| {
            err(format!("unknown metric `{}`", r.metric), &format!("use one of {}", names.join(", "))).at(at).field("ratios.metric")
        })?;
        if r.max.is_some_and(|m| !(m > 0.0 && m.is_finite())) {
            return Err(err("the ratio's max is not a positive number".into(), "write e.g. max = 1.05 for \"at most 5 % more\"")
                .at(at)
                .field("ratios.max"));
        }
        ratios.push(AxisRatio {
            description: r.description,
            numerator: r.numerator,
            denominator: r.denominator,
            metric,
            max: r.max,
            size: r.size,
        });
    }
    Ok(Workload {
        name,
        kind,
        summary: raw.summary,
        category: raw.category,
        compare,
        regression_threshold,
        budgets,
        ratios,
        sizes,
        axis,
        cycle,
        cycle_labels,
        unsupported: raw.unsupported,
        leftovers,
        events,
        rules,
        flags,
        dir: dir.to_path_buf(),
    })
}

/// Every workload under `dir`, each loaded on its own so one broken file spoils only itself.
pub fn load_all(dir: &Path) -> Result<super::Loaded<Workload>, SpecError> {
    let dirs = super::sorted_entries(dir, |p| p.is_dir())?;
    Ok(dirs
        .into_iter()
        .map(|d| {
            let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            (name, load(&d))
        })
        .collect())
}
