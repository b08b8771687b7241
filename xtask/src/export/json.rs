//! results.json itself, pretty-printed: the format every other one derives from.

use super::Exporter;
use crate::results::Results;

pub struct Json;

impl Exporter for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn render(&self, results: &Results) -> anyhow::Result<String> {
        Ok(serde_json::to_string_pretty(results)? + "\n")
    }
}
