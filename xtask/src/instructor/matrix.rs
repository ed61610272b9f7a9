//! The matrix (`chapters/MATRIX.md`): every exercise against every condition the real
//! network creates, each cell naming the cases that test it or saying why the
//! condition does not apply. `verify` keeps it honest: every exercise and condition
//! has its cell, every case it names exists, and every such case really sets up the
//! condition — its steps (or a function of the test file they call) use the harness
//! call that creates it.

use crate::instructor::layout::Rule;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use xtask::manifest::Manifest;

/// Where the matrix lives, from the workspace root.
pub const MATRIX_FILE: &str = "chapters/MATRIX.md";

/// How a cell says a condition does not apply.
const NOT_MEANINGFUL: &str = "not meaningful:";

/// A cell `cargo xtask new` leaves for the instructor to decide.
const UNDECIDED: &str = "TODO";

/// A new exercise's table, every cell [`UNDECIDED`]: the exercise is written against
/// the matrix from the start, and `verify` refuses it until each cell is decided.
pub fn undecided_table(exercise: &xtask::manifest::Exercise) -> String {
    let mut table = format!(
        "\n## {} · {}\n\n| condition | tested by, or why it is not meaningful |\n|---|---|\n",
        exercise.id, exercise.title
    );
    for condition in CONDITIONS {
        table.push_str(&format!("| {} | {UNDECIDED} |\n", condition.key));
    }
    table
}

/// One condition of the real network, and what in a case's code proves the case
/// creates it.
pub struct Condition {
    /// The key in the matrix's first column.
    pub key: &'static str,
    /// Harness calls (or names) that create the condition: a case citing it must use
    /// one of them.
    pub calls: &'static [&'static str],
    /// Text that creates it inside a string literal (`\r\n`, `::1`).
    pub literals: &'static [&'static str],
}

/// The conditions, in the order every table lists them.
pub const CONDITIONS: &[Condition] = &[
    Condition {
        key: "pieces",
        calls: &["send_in_pieces", "send_slowly", "Pieces"],
        literals: &[],
    },
    Condition {
        key: "burst",
        calls: &["send_burst"],
        literals: &[],
    },
    Condition {
        key: "pause",
        calls: &["send_with_pause", "Slow"],
        literals: &[],
    },
    Condition {
        key: "interleaving",
        calls: &["send_unfinished"],
        literals: &[],
    },
    Condition {
        key: "crlf",
        calls: &["send_line_crlf"],
        literals: &["\\r\\n"],
    },
    Condition {
        key: "ipv6",
        calls: &["listen_v6", "Ipv6Addr"],
        literals: &["::1"],
    },
    Condition {
        key: "first-address-refuses",
        calls: &["listen_behind_refusing_address"],
        literals: &[],
    },
    Condition {
        key: "reset",
        calls: &["reset"],
        literals: &[],
    },
    Condition {
        key: "half-close",
        calls: &["shutdown_write"],
        literals: &[],
    },
    Condition {
        key: "many-clients",
        calls: &["connect_many", "connect_many_unix"],
        literals: &[],
    },
    Condition {
        key: "stray-datagram",
        calls: &["send_stray"],
        literals: &[],
    },
    Condition {
        key: "lost-datagram",
        calls: &["lose"],
        literals: &[],
    },
    Condition {
        key: "large-body",
        calls: &["expect_peak_memory_below"],
        literals: &[],
    },
    Condition {
        key: "symlink",
        calls: &["symlink"],
        literals: &[],
    },
    Condition {
        key: "other-filesystem",
        calls: &["other_filesystem_dir"],
        literals: &[],
    },
    Condition {
        key: "stdout-closed",
        calls: &["set_stdout"],
        literals: &[],
    },
    Condition {
        key: "stderr-closed",
        calls: &["set_stderr"],
        literals: &[],
    },
];

/// One exercise's table: condition key → the cell's text.
type Table = Vec<(String, String)>;

/// `cargo xtask matrix [ID]`: the rule's problems, for every exercise or one.
pub fn run(root: &Path, only: Option<&str>) -> std::process::ExitCode {
    let manifest = match Manifest::load(root) {
        Ok(manifest) => manifest,
        Err(why) => {
            eprintln!("error: {why}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let problems = match matrix_is_honest(root, &manifest) {
        Ok(()) => Vec::new(),
        Err(problems) => problems,
    };
    // Problems start with the exercise they are about (`ch1-6 × crlf: …`).
    let shown: Vec<&String> = problems
        .iter()
        .filter(|p| {
            only.is_none_or(|id| {
                p.starts_with(&format!("{id}:"))
                    || p.starts_with(&format!("{id} ×"))
                    || p.contains(&format!("for {id}"))
            })
        })
        .collect();
    for problem in &shown {
        println!("✗ {problem}");
    }
    if shown.is_empty() {
        println!("✓ {MATRIX_FILE}: {} holds", only.unwrap_or("every table"));
        std::process::ExitCode::SUCCESS
    } else {
        println!(
            "\n{} in {MATRIX_FILE}",
            harness::report::plural(shown.len(), "problem")
        );
        std::process::ExitCode::FAILURE
    }
}

/// `verify`'s rule: the matrix covers every exercise and condition, and its cases are
/// real and create their condition.
pub fn matrix_is_honest(root: &Path, manifest: &Manifest) -> Rule {
    let text = std::fs::read_to_string(root.join(MATRIX_FILE))
        .map_err(|e| vec![format!("cannot read {MATRIX_FILE}: {e}")])?;
    let tables = parse_tables(&text);
    let mut problems = Vec::new();
    for exercise in &manifest.exercises {
        let id = exercise.id.to_string();
        let Some(table) = tables.get(&id) else {
            problems.push(format!(
                "{MATRIX_FILE} has no table for {id}: add a `## {id} · {}` section with a row per \
                 condition",
                exercise.title
            ));
            continue;
        };
        let test_file = root.join(exercise.id.test_file());
        let cases = match std::fs::read_to_string(&test_file)
            .map_err(|e| e.to_string())
            .and_then(|source| TestFile::parse(&source))
        {
            Ok(cases) => cases,
            Err(why) => {
                problems.push(format!("cannot read {}: {why}", test_file.display()));
                continue;
            }
        };
        problems.extend(check_table(&id, table, &cases));
    }
    for id in tables.keys() {
        if !manifest.exercises.iter().any(|e| e.id.to_string() == *id) {
            problems.push(format!(
                "{MATRIX_FILE} has a table for {id}, which exercises.toml does not list: remove it"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The tables of the matrix, by exercise: `## chN-M …` starts one, and each row
/// `| key | cell |` after it (but the header and its rule) is a cell.
fn parse_tables(text: &str) -> BTreeMap<String, Table> {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            current = heading
                .split_whitespace()
                .next()
                .filter(|word| word.parse::<harness::ExerciseId>().is_ok())
                .map(str::to_string);
            if let Some(id) = &current {
                tables.entry(id.clone()).or_default();
            }
            continue;
        }
        let (Some(id), Some(row)) = (&current, line.trim().strip_prefix('|')) else {
            continue;
        };
        let cells: Vec<&str> = row
            .trim_end_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        let [key, cell] = cells[..] else { continue };
        if key == "condition" || key.starts_with("---") {
            continue;
        }
        if let Some(table) = tables.get_mut(id) {
            table.push((key.to_string(), cell.to_string()));
        }
    }
    tables
}

/// The problems of one exercise's table.
fn check_table(id: &str, table: &Table, file: &TestFile) -> Vec<String> {
    let mut problems = Vec::new();
    let keys: Vec<&str> = table.iter().map(|(key, _)| key.as_str()).collect();
    let expected: Vec<&str> = CONDITIONS.iter().map(|c| c.key).collect();
    if keys != expected {
        problems.push(format!(
            "{id}: the rows must be the conditions, once each, in this order: {} (the table has: \
             {})",
            expected.join(", "),
            keys.join(", ")
        ));
    }
    for (key, cell) in table {
        let Some(condition) = CONDITIONS.iter().find(|c| c.key == key) else {
            continue;
        };
        problems.extend(check_cell(id, condition, cell, file));
    }
    problems
}

/// The problems of one cell: a reason that says something, or cases that exist and
/// create the condition.
fn check_cell(id: &str, condition: &Condition, cell: &str, file: &TestFile) -> Vec<String> {
    let key = condition.key;
    if cell == UNDECIDED {
        return vec![format!(
            "{id} × {key}: not decided yet: name the cases that create the condition (“case \
             title”), writing one if the program can meet it, or say `{NOT_MEANINGFUL}` and why"
        )];
    }
    if let Some(reason) = cell.strip_prefix(NOT_MEANINGFUL) {
        return if reason.split_whitespace().count() < 5 {
            vec![format!(
                "{id} × {key}: say why the condition does not apply, in a sentence after \
                 `{NOT_MEANINGFUL}`"
            )]
        } else {
            Vec::new()
        };
    }
    let titles = quoted_titles(cell);
    let leftover = strip_quoted(cell);
    if titles.is_empty()
        || !leftover
            .trim_matches(|c: char| c == ',' || c.is_whitespace())
            .is_empty()
    {
        return vec![format!(
            "{id} × {key}: a cell names cases as “case title” (curly quotes, commas between), or \
             starts with `{NOT_MEANINGFUL}` and says why; found: {cell}"
        )];
    }
    let mut problems = Vec::new();
    for title in titles {
        let Some(steps) = file.cases.get(&title) else {
            problems.push(format!(
                "{id} × {key}: no case is named “{title}” in its test file (copy the name from \
                 `Case::new`)"
            ));
            continue;
        };
        if !file.reaches(steps, condition) {
            problems.push(format!(
                "{id} × {key}: the case “{title}” (fn {steps}) never uses {} — it does not create \
                 the condition it is listed for",
                describe_evidence(condition)
            ));
        }
    }
    problems
}

/// `send_in_pieces, send_slowly or a string holding \r\n`: what a case must use.
fn describe_evidence(condition: &Condition) -> String {
    let mut parts: Vec<String> = condition.calls.iter().map(|c| format!("`{c}`")).collect();
    parts.extend(
        condition
            .literals
            .iter()
            .map(|l| format!("a string holding `{l}`")),
    );
    parts.join(" or ")
}

/// The titles between curly quotes in a cell.
fn quoted_titles(cell: &str) -> Vec<String> {
    cell.split('“')
        .skip(1)
        .filter_map(|rest| rest.split_once('”').map(|(title, _)| title.to_string()))
        .collect()
}

/// The cell without its quoted titles: what remains must be separators.
fn strip_quoted(cell: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in cell.chars() {
        match c {
            '“' => inside = true,
            '”' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// What the rule needs of a test file: its cases (title → the function of their
/// steps) and, for each function of the file, the names and strings it uses.
struct TestFile {
    cases: BTreeMap<String, String>,
    functions: BTreeMap<String, Uses>,
}

/// The identifiers and string literals one function's body holds.
#[derive(Default)]
struct Uses {
    idents: BTreeSet<String>,
    literals: Vec<String>,
}

impl TestFile {
    /// Reads the case table (`Case::new("title", steps)`) and every top-level function.
    fn parse(source: &str) -> Result<TestFile, String> {
        let file = syn::parse_file(source).map_err(|e| e.to_string())?;
        let mut functions = BTreeMap::new();
        let mut cases = BTreeMap::new();
        for item in &file.items {
            if let syn::Item::Fn(function) = item {
                let tokens = quote::ToTokens::to_token_stream(&function.block);
                find_cases(tokens.clone(), &mut cases);
                let mut uses = Uses::default();
                collect_uses(tokens, &mut uses);
                functions.insert(function.sig.ident.to_string(), uses);
            }
        }
        Ok(TestFile { cases, functions })
    }

    /// Whether the function `start`, or a function of the file it calls (at any
    /// depth), uses what creates `condition`.
    fn reaches(&self, start: &str, condition: &Condition) -> bool {
        let mut seen = BTreeSet::new();
        let mut to_visit = vec![start.to_string()];
        while let Some(name) = to_visit.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let Some(uses) = self.functions.get(&name) else {
                continue;
            };
            let by_call = condition.calls.iter().any(|c| uses.idents.contains(*c));
            let by_literal = uses
                .literals
                .iter()
                .any(|lit| condition.literals.iter().any(|l| lit.contains(l)));
            if by_call || by_literal {
                return true;
            }
            to_visit.extend(
                uses.idents
                    .iter()
                    .filter(|i| self.functions.contains_key(*i))
                    .cloned(),
            );
        }
        false
    }
}

/// Finds `Case::new("title", steps)` anywhere in `tokens` (the table sits inside the
/// `run!` macro, which syn leaves as tokens).
fn find_cases(tokens: TokenStream, cases: &mut BTreeMap<String, String>) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (at, tree) in trees.iter().enumerate() {
        if let TokenTree::Group(group) = tree {
            let is_case_new = at >= 4
                && matches!(&trees[at - 1], TokenTree::Ident(i) if i == "new")
                && matches!(&trees[at - 4], TokenTree::Ident(i) if i == "Case");
            if is_case_new && group.delimiter() == Delimiter::Parenthesis {
                let args: Vec<TokenTree> = group.stream().into_iter().collect();
                if let (Some(TokenTree::Literal(title)), Some(TokenTree::Ident(steps))) =
                    (args.first(), args.get(2))
                {
                    let title = TokenStream::from(TokenTree::Literal(title.clone()));
                    if let Ok(title) = syn::parse2::<syn::LitStr>(title) {
                        cases.insert(title.value(), steps.to_string());
                    }
                }
            }
            find_cases(group.stream(), cases);
        }
    }
}

/// Every identifier and string literal in `tokens`, at any depth.
fn collect_uses(tokens: TokenStream, uses: &mut Uses) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                uses.idents.insert(ident.to_string());
            }
            TokenTree::Literal(literal) => uses.literals.push(literal.to_string()),
            TokenTree::Group(group) => collect_uses(group.stream(), uses),
            TokenTree::Punct(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TESTS: &str = r#"
        fn main() -> ExitCode {
            harness::run!(&[
                Case::new("a line in pieces is one line", in_pieces).hint("x"),
                Case::new("a `\\r\\n` line", crlf),
                Case::new("nothing special", plain),
            ])
        }
        fn in_pieces(t: &mut Session) -> Outcome { send_split(t) }
        fn send_split(t: &mut Session) -> Outcome { peer.send_in_pieces(b"x", &[1]) }
        fn crlf(t: &mut Session) -> Outcome { peer.send_bytes(b"hi\r\n") }
        fn plain(t: &mut Session) -> Outcome { peer.send_line("x") }
    "#;

    fn condition(key: &str) -> &'static Condition {
        CONDITIONS.iter().find(|c| c.key == key).unwrap()
    }

    #[test]
    fn reads_the_case_table_with_titles_unescaped() {
        let file = TestFile::parse(TESTS).unwrap();
        assert_eq!(file.cases["a line in pieces is one line"], "in_pieces");
        assert_eq!(file.cases["a `\\r\\n` line"], "crlf");
        assert_eq!(file.cases.len(), 3);
    }

    #[test]
    fn a_case_creates_a_condition_through_a_helper_or_a_literal() {
        let file = TestFile::parse(TESTS).unwrap();
        assert!(file.reaches("in_pieces", condition("pieces")));
        assert!(file.reaches("crlf", condition("crlf")));
        assert!(!file.reaches("plain", condition("pieces")));
        assert!(!file.reaches("plain", condition("crlf")));
    }

    #[test]
    fn a_cell_must_name_real_cases_that_create_the_condition() {
        let file = TestFile::parse(TESTS).unwrap();
        let pieces = condition("pieces");
        assert!(check_cell("ch9-9", pieces, "“a line in pieces is one line”", &file).is_empty());
        let wrong = check_cell("ch9-9", pieces, "“nothing special”", &file);
        assert!(
            wrong[0].contains("never uses `send_in_pieces`"),
            "{wrong:?}"
        );
        let missing = check_cell("ch9-9", pieces, "“no such case”", &file);
        assert!(missing[0].contains("no case is named"), "{missing:?}");
        let bare = check_cell("ch9-9", pieces, "tested somewhere", &file);
        assert!(bare[0].contains("curly quotes"), "{bare:?}");
        let undecided = check_cell("ch9-9", pieces, "TODO", &file);
        assert!(undecided[0].contains("not decided yet"), "{undecided:?}");
        let terse = check_cell("ch9-9", pieces, "not meaningful: no", &file);
        assert!(terse[0].contains("say why"), "{terse:?}");
        let reasoned = "not meaningful: the program reads no stream at all";
        assert!(check_cell("ch9-9", pieces, reasoned, &file).is_empty());
    }

    #[test]
    fn a_new_exercise_gets_an_undecided_row_for_every_condition() {
        let exercise = xtask::manifest::Exercise {
            id: "ch9-9".parse().unwrap(),
            title: "A new one".into(),
            book: String::new(),
            source: String::new(),
            hints: Vec::new(),
        };
        let tables = parse_tables(&undecided_table(&exercise));
        let keys: Vec<&str> = tables["ch9-9"].iter().map(|(k, _)| k.as_str()).collect();
        let expected: Vec<&str> = CONDITIONS.iter().map(|c| c.key).collect();
        assert_eq!(keys, expected);
        assert!(tables["ch9-9"].iter().all(|(_, cell)| cell == UNDECIDED));
    }

    #[test]
    fn tables_are_read_by_exercise_and_rows_in_order() {
        let text = "# M\n\n## ch1-1 · A gopher client\n\n| condition | tested by |\n|---|---|\n\
                    | pieces | “a” |\n| burst | not meaningful: x y z w v |\n\n## Notes\n| a | b |\n";
        let tables = parse_tables(text);
        assert_eq!(tables.len(), 1);
        let keys: Vec<&str> = tables["ch1-1"].iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["pieces", "burst"]);
        let problems = check_table("ch1-1", &tables["ch1-1"], &TestFile::parse(TESTS).unwrap());
        assert!(
            problems[0].contains("once each, in this order"),
            "{problems:?}"
        );
    }
}
