//! `fed311 categories`: the category crosswalk of the store (each city's listed services →
//! canonical category, and how that was decided) as an aligned table, for people curating
//! it. The service name comes last so long names do not break the columns.

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::store::CrosswalkRow;
use crate::taxonomy::UNMAPPED;

/// Options of `fed311 categories`.
#[derive(Debug, Clone, clap::Args)]
pub struct CategoriesArgs {
    /// Only this jurisdiction (repeatable); all by default.
    #[arg(long = "jurisdiction", value_name = "ID")]
    pub only: Vec<String>,
    /// Only services no rule or override placed (or not classified yet).
    #[arg(long)]
    pub unmapped: bool,
}

const HEADER: [&str; 5] = ["JURISDICTION", "SERVICE_CODE", "CATEGORY", "HOW", "SERVICE_NAME"];

/// Prints the crosswalk of the store in `data`.
pub fn categories(location: &crate::store::StoreLocation, args: &CategoriesArgs) -> Result<()> {
    let store = super::open_existing(location)?;
    let rows = store.crosswalk(None).context("reading the crosswalk")?;
    if let Some(unknown) = args.only.iter().find(|id| !rows.iter().any(|r| &r.jurisdiction_id == *id)) {
        bail!("jurisdiction `{unknown}` has no services in the store");
    }
    let total = rows.len();
    let shown: Vec<&CrosswalkRow> = rows
        .iter()
        .filter(|r| args.only.is_empty() || args.only.contains(&r.jurisdiction_id))
        .filter(|r| !args.unmapped || is_unmapped(r))
        .collect();
    print!("{}", table(&shown));
    let unmapped = rows.iter().filter(|r| is_unmapped(r)).count();
    println!("{} of {total} services shown; {unmapped} unmapped in all", shown.len());
    Ok(())
}

fn is_unmapped(r: &CrosswalkRow) -> bool {
    r.category.as_deref().is_none_or(|c| c == UNMAPPED)
}

/// The rows as text, columns padded to their widest cell.
fn table(rows: &[&CrosswalkRow]) -> String {
    let cells: Vec<[String; 5]> = rows.iter().map(|r| cells(r)).collect();
    let header = HEADER.map(String::from);
    let mut widths = [0usize; 5];
    for row in std::iter::once(&header).chain(&cells) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&cells) {
        let padded: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn cells(r: &CrosswalkRow) -> [String; 5] {
    let category = r.category.clone().unwrap_or_else(|| "-".into());
    [r.jurisdiction_id.clone(), r.service_code.clone(), category, how(r.how.as_deref()), r.service_name.clone()]
}

/// The decision in words: `rule service_name~pothole*`, `override`, `unmapped`, `-`.
fn how(json: Option<&str>) -> String {
    let Some(how) = json.and_then(|j| serde_json::from_str::<Value>(j).ok()) else { return "-".into() };
    let text = |key: &str| how.get(key).and_then(Value::as_str).unwrap_or("?").to_string();
    match text("kind").as_str() {
        "rule" => format!("rule {}~{}", text("field"), text("pattern")),
        kind => kind.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_read_as_words() {
        assert_eq!(
            how(Some(r#"{"kind":"rule","pattern":"pothole*","field":"service_name"}"#)),
            "rule service_name~pothole*"
        );
        assert_eq!(how(Some(r#"{"kind":"override"}"#)), "override");
        assert_eq!(how(None), "-");
    }

    #[test]
    fn columns_line_up() {
        let row = |code: &str, name: &str| CrosswalkRow {
            jurisdiction_id: "a".into(),
            service_code: code.into(),
            service_name: name.into(),
            category: Some("pothole".into()),
            how: None,
        };
        let (one, two) = (row("1", "Pothole"), row("1234567890123", "Schlagloch"));
        let text = table(&[&one, &two]);
        let starts: Vec<usize> = text.lines().map(|l| l.find("pothole").unwrap_or(0)).skip(1).collect();
        assert_eq!(starts[0], starts[1], "{text}");
    }
}
