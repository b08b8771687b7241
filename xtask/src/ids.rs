//! Identities: a column (a workload, or one value of its parameter axis) and a cell (a column
//! measured on one target), ordered and printed one way everywhere.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One value of a workload's parameter axis, e.g. `payload=M`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AxisValue {
    pub param: String,
    pub value: String,
}

impl fmt::Display for AxisValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.param, self.value)
    }
}

/// A column of the matrix: a workload, or one axis value of it (`jsonchat[payload=M]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Column {
    pub workload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<AxisValue>,
}

impl Column {
    pub fn new(workload: &str, axis: Option<AxisValue>) -> Column {
        Column { workload: workload.to_string(), axis }
    }

    pub fn plain(workload: &str) -> Column {
        Column::new(workload, None)
    }

    pub fn cell(&self, target: &str) -> CellId {
        CellId { workload: self.workload.clone(), axis: self.axis.clone(), target: target.to_string() }
    }

    /// The axis value alone (`M`), when there is one.
    pub fn axis_value(&self) -> Option<&str> {
        self.axis.as_ref().map(|a| a.value.as_str())
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.axis {
            Some(a) => write!(f, "{}[{a}]", self.workload),
            None => f.write_str(&self.workload),
        }
    }
}

/// A cell: one column on one target. The order is workload, axis value, target.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellId {
    pub workload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub axis: Option<AxisValue>,
    pub target: String,
}

impl CellId {
    pub fn new(workload: &str, axis: Option<AxisValue>, target: &str) -> CellId {
        CellId { workload: workload.to_string(), axis, target: target.to_string() }
    }

    pub fn column(&self) -> Column {
        Column { workload: self.workload.clone(), axis: self.axis.clone() }
    }

    /// A stable key for maps on disk and in seeds: `workload[param=value]/target`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.column(), self.target)
    }
}

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} × {}", self.column(), self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(v: &str) -> Option<AxisValue> {
        Some(AxisValue { param: "payload".into(), value: v.into() })
    }

    #[test]
    fn cells_print_and_order_one_way() {
        let plain = CellId::new("nbody", None, "rust");
        assert_eq!(plain.to_string(), "nbody × rust");
        assert_eq!(plain.key(), "nbody/rust");
        let m = CellId::new("jsonchat", axis("M"), "cpp");
        assert_eq!(m.to_string(), "jsonchat[payload=M] × cpp");
        assert_eq!(m.column().to_string(), "jsonchat[payload=M]");
        let mut cells = [CellId::new("jsonchat", axis("S"), "cpp"), m.clone(), CellId::new("jsonchat", axis("M"), "c"), plain.clone()];
        cells.sort();
        let names: Vec<String> = cells.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["jsonchat[payload=M] × c", "jsonchat[payload=M] × cpp", "jsonchat[payload=S] × cpp", "nbody × rust"]);
    }

    #[test]
    fn a_cell_without_an_axis_serialises_without_the_field() {
        let json = serde_json::to_string(&CellId::new("nbody", None, "rust")).unwrap();
        assert_eq!(json, r#"{"workload":"nbody","target":"rust"}"#);
        let back: CellId = serde_json::from_str(&json).unwrap();
        assert_eq!(back.axis, None);
    }
}
