//! Every way a run leaves benchmatrix: one `Exporter` per format (the HTML report, the
//! Markdown summary, the terminal summary, JSON, CSV, BMF, gab, Prometheus, JUnit), plus the comparison's renderings and the report site. Each
//! format is a pure function of results.json.

pub mod bmf;
pub mod comparison;
pub mod csv;
pub mod escape;
pub mod gab;
pub mod html;
pub mod json;
pub mod junit;
pub mod live;
pub mod markdown;
pub mod points;
pub mod prometheus;
pub mod push;
pub mod service;
pub mod site;
pub mod sparks;
pub mod summary;
pub mod terminal;
pub mod view;

use crate::results::Results;
use std::path::{Path, PathBuf};

/// One output format of a run.
pub trait Exporter {
    /// The format's name (`--format`).
    fn name(&self) -> &'static str;
    fn render(&self, results: &Results) -> anyhow::Result<String>;
}

/// The formats `export --format` and `matrix --export F=PATH` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
    Markdown,
    Bmf,
    Gab,
    Prometheus,
    Junit,
}

impl Format {
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Json => Box::new(json::Json),
            Format::Csv => Box::new(csv::Csv),
            Format::Markdown => Box::new(markdown::Markdown),
            Format::Bmf => Box::new(bmf::Bmf),
            Format::Gab => Box::new(gab::Gab),
            Format::Prometheus => Box::new(prometheus::Prometheus),
            Format::Junit => Box::new(junit::Junit),
        }
    }
}

/// `matrix --export F=PATH`: a format and where to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSpec {
    pub format: Format,
    pub path: PathBuf,
}

impl std::str::FromStr for ExportSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<ExportSpec, String> {
        use clap::ValueEnum;
        let (f, path) = s.split_once('=').ok_or_else(|| format!("`{s}` is not FORMAT=PATH (e.g. csv=out.csv, junit=-)"))?;
        let format = Format::from_str(f, true).map_err(|_| {
            let names: Vec<String> =
                Format::value_variants().iter().filter_map(|v| v.to_possible_value()).map(|v| v.get_name().to_string()).collect();
            format!("`{f}` is not a format; use one of {}", names.join(", "))
        })?;
        if path.is_empty() {
            return Err(format!("`{s}` has no path after `=`"));
        }
        Ok(ExportSpec { format, path: PathBuf::from(path) })
    }
}

/// Writes each export of a run (`matrix --export`); every one is tried, the first error kept.
pub fn write_exports(specs: &[ExportSpec], results: &Results) -> anyhow::Result<()> {
    let mut first = None;
    for spec in specs {
        let written = spec.format.exporter().render(results).and_then(|text| write_to(&spec.path, &text));
        if let Err(e) = written {
            first.get_or_insert(anyhow::anyhow!("--export {}: {e}", spec.path.display()));
        }
    }
    first.map_or(Ok(()), Err)
}

/// Writes `text` to `path`, or to stdout for `-`.
pub fn write_to(path: &Path, text: &str) -> anyhow::Result<()> {
    if path == Path::new("-") {
        print!("{text}");
        Ok(())
    } else {
        std::fs::write(path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    }
}

/// The files every run directory gets: `index.html` and `summary.md`. Returns the report's path.
pub fn write_run_reports(templates: &Path, results: &Results, dir: &Path) -> anyhow::Result<PathBuf> {
    let index = dir.join("index.html");
    write_to(&index, &html::Html { templates: templates.to_path_buf() }.render(results)?)?;
    write_to(&dir.join("summary.md"), &markdown::Markdown.render(results)?)?;
    Ok(index)
}
