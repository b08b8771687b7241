//! What a session produces as it goes: build and run records, each cell's state, and the
//! append-only journal (`runs.jsonl`) every record is written to the moment it exists.
//! results.json is assembled from these (see `results`); nothing here is derived.

use crate::ids::CellId;
use crate::measure::protocol::Transcript;
use crate::measure::RawRun;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Not yet built or run (only seen in a run that was interrupted).
    Pending,
    Ok,
    /// The target's toolchain is missing here.
    Skipped,
    /// The workload has no implementation for this target's language (it says why).
    NotImplemented,
    /// The workload or target file is broken.
    Invalid,
    BuildFailed,
    RunFailed,
    Timeout,
    WrongOutput,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Pending,
        Status::Ok,
        Status::Skipped,
        Status::NotImplemented,
        Status::Invalid,
        Status::BuildFailed,
        Status::RunFailed,
        Status::Timeout,
        Status::WrongOutput,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::NotImplemented => "not-implemented",
            Status::Invalid => "invalid",
            Status::BuildFailed => "build-failed",
            Status::RunFailed => "run-failed",
            Status::Timeout => "timeout",
            Status::WrongOutput => "wrong-output",
        }
    }

    /// A failure of the thing measured (skips, gaps and pending cells are not failures).
    pub fn is_failure(self) -> bool {
        !matches!(self, Status::Ok | Status::Skipped | Status::NotImplemented | Status::Pending)
    }
}

/// Where a result first differs from the expected output: bounded excerpts, never the whole
/// output (that is kept once, in the run's raw stdout).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    /// 1-based line of the first difference, after normalisation.
    pub line: usize,
    /// Byte offset of that line in the normalised output.
    pub offset: usize,
    /// A few hundred characters of the expected text around the difference.
    pub expected: String,
    /// The same stretch of what the program printed (untrusted).
    pub got: String,
}

/// How one run went, judged the moment it ended.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum RunOutcome {
    #[default]
    Ok,
    /// The session was interrupted during this run: it says nothing about the cell.
    Interrupted,
    Failed {
        status: Status,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mismatch: Option<Mismatch>,
    },
}

impl RunOutcome {
    /// A failed run with its status and reason (no output mismatch).
    pub fn failed(status: Status, reason: impl Into<String>) -> RunOutcome {
        RunOutcome::Failed { status, reason: reason.into(), mismatch: None }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self, RunOutcome::Ok)
    }
}

/// One run of a cell, raw: nothing here is computed after the fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Position of this run in the session's interleaved order (0-based, all cells).
    pub seq: u32,
    /// A discarded warm-up run.
    pub warmup: bool,
    pub argv: Vec<String>,
    /// The environment the program ran with (an allow-list; see docs/FAIRNESS.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<(String, String)>,
    pub raw: RawRun,
    pub transcript: Transcript,
    /// Absent in results of schema 2, whose runs were judged only at the cell level.
    #[serde(default)]
    pub outcome: RunOutcome,
    /// Service cells: what the load generator measured (boxed: most runs are batch runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Box<ServiceRun>>,
}

/// One run of a server under load: every level's figures, the error-route verdicts, the
/// held streams, and the server's resources sampled from /proc meanwhile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct ServiceRun {
    pub port: u16,
    pub levels: Vec<crate::load::LevelReport>,
    /// When each level began and ended, ns since the server was listening (to place samples).
    pub level_started_ns: Vec<u64>,
    pub level_ended_ns: Vec<u64>,
    pub routes: Vec<crate::load::RouteVerdict>,
    pub hold: Option<crate::load::HoldReport>,
    pub hold_started_ns: Option<u64>,
    pub hold_ended_ns: Option<u64>,
    pub samples: Vec<crate::load::ResourceSample>,
}

/// One build of a cell (shared by the axis values of a workload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildRecord {
    /// True when an earlier identical build was reused.
    pub cached: bool,
    pub ok: bool,
    pub key: String,
    pub seconds: f64,
    pub artifact_bytes: Option<u64>,
    /// SHA-256 of the artifact as built: a cached build is reused only while it still matches.
    #[serde(default)]
    pub artifact_sha256: Option<String>,
    /// Why an existing build of the same inputs was not reused (it was changed on disk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuilt_because: Option<String>,
    pub log_path: String,
    /// The end of the build log (untrusted text).
    pub log_tail: String,
    /// Each build step's argv, placeholders expanded, in order.
    #[serde(default)]
    pub commands: Vec<Vec<String>>,
}

/// A cell's state during a session: its build, its runs, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    #[serde(flatten)]
    pub id: CellId,
    pub status: Status,
    /// Why the cell is not ok, in one or a few lines.
    pub reason: Option<String>,
    /// What to do about it (install command, fix).
    pub hint: Option<String>,
    pub build: Option<BuildRecord>,
    pub runs: Vec<RunRecord>,
}

impl CellRecord {
    pub fn new(id: CellId) -> CellRecord {
        CellRecord { id, status: Status::Pending, reason: None, hint: None, build: None, runs: Vec::new() }
    }

    pub fn settle(&mut self, status: Status, reason: impl Into<String>) {
        self.status = status;
        self.reason = Some(reason.into());
    }

    /// The measured (non-warm-up) runs.
    pub fn measured(&self) -> impl Iterator<Item = &RunRecord> {
        self.runs.iter().filter(|r| !r.warmup)
    }

    /// Adds a run and, when it failed, takes its status and reason.
    pub fn push(&mut self, run: RunRecord) {
        if let RunOutcome::Failed { status, reason, .. } = &run.outcome {
            let reason = if run.warmup { format!("{reason} (in the warm-up run)") } else { reason.clone() };
            self.settle(*status, reason);
        }
        self.runs.push(run);
    }

    /// The mismatch of the failed run, if the cell failed on its output.
    pub fn mismatch(&self) -> Option<&Mismatch> {
        self.runs.iter().rev().find_map(|r| match &r.outcome {
            RunOutcome::Failed { mismatch: Some(m), .. } => Some(m),
            _ => None,
        })
    }
}

/// Which rotation a run belongs to: a cell of this session, or a baseline build re-run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Cell,
    Baseline,
}

/// One line of `runs.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Entry {
    Build { cell: CellId, record: BuildRecord },
    Run { cell: CellId, side: Side, record: Box<RunRecord> },
}

/// The append-only journal: one JSON line per record, written as each record is made.
pub struct Journal {
    file: std::fs::File,
}

impl Journal {
    /// Opens (creating or appending to) `path`.
    pub fn open(path: &Path) -> std::io::Result<Journal> {
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Journal { file })
    }

    pub fn append(&mut self, entry: &Entry) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        // One write per line: a reader (or a crash) sees whole lines or a torn last one.
        self.file.write_all(&line)
    }
}

/// Reads a journal; a torn last line (the writer was killed mid-write) is ignored.
pub fn read_journal(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let lines: Vec<String> = std::io::BufReader::new(file).lines().collect::<Result<_, _>>()?;
    let mut entries = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str(line) {
            Ok(e) => entries.push(e),
            Err(_) if i + 1 == lines.len() => break,
            Err(e) => anyhow::bail!("{}:{}: not a journal entry: {e}", path.display(), i + 1),
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_match_the_schema() {
        for s in Status::ALL {
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
        }
        assert!(Status::WrongOutput.is_failure() && !Status::Skipped.is_failure() && !Status::NotImplemented.is_failure());
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_a_torn_middle_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.jsonl");
        let entry = Entry::Build {
            cell: CellId::new("w", None, "t"),
            record: BuildRecord {
                cached: true,
                ok: true,
                key: "k".into(),
                seconds: 0.0,
                artifact_bytes: None,
                artifact_sha256: None,
                rebuilt_because: None,
                log_path: String::new(),
                log_tail: String::new(),
                commands: vec![vec!["cc".into()]],
            },
        };
        let mut j = Journal::open(&path).unwrap();
        j.append(&entry).unwrap();
        j.append(&entry).unwrap();
        drop(j);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"event\":\"bui");
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_journal(&path).unwrap(), vec![entry.clone(), entry.clone()]);
        std::fs::write(&path, format!("{{oops\n{text}")).unwrap();
        assert!(read_journal(&path).is_err());
    }
}
