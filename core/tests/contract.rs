//! The README documents every option and every error code the core has,
//! and nothing else: the core's lists are the one source.

use std::collections::BTreeSet;
use std::path::PathBuf;

use tokenward::{ErrorCode, OPTIONS};

fn readme() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md")).expect("read README.md")
}

/// The table rows (split into cells) of the README section headed `heading`.
fn table(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let section = readme.split(&format!("\n## {heading}\n")).nth(1).expect("section present");
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_owned()).collect())
        .collect()
}

fn backticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[test]
fn the_readme_options_table_names_every_option_in_python_and_node_spelling_and_no_other() {
    let rows = table(&readme(), "Options");
    let python: BTreeSet<String> = rows.iter().flat_map(|r| backticked(&r[1])).collect();
    let node: BTreeSet<String> = rows.iter().flat_map(|r| backticked(&r[2])).collect();
    let snake: BTreeSet<String> = OPTIONS.iter().map(|o| o.name.to_owned()).collect();
    let camel: BTreeSet<String> = OPTIONS.iter().map(|o| o.camel.to_owned()).collect();
    assert_eq!(python, snake);
    assert_eq!(node, camel);
}

#[test]
fn the_readme_error_table_lists_every_code_and_no_other() {
    let rows = table(&readme(), "Error codes");
    let listed: BTreeSet<String> = rows.iter().flat_map(|r| backticked(&r[0])).collect();
    let codes: BTreeSet<String> = ErrorCode::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    assert_eq!(listed, codes);
}
