//! `cargo xtask new chN-M`: scaffold an exercise that `verify` accepts at once — a
//! skeleton that fails, a solution that passes one case, the test file, a book page and
//! the manifest entry — so an instructor starts from a working frame.

use anyhow::{Context, bail};
use harness::ExerciseId;
use xtask::manifest::{Exercise, Manifest};

/// What `new` writes where only the instructor can say what belongs; `verify` refuses
/// an exercise that still has any of them.
pub const PLACEHOLDER_HINT: &str = "Write the hint: what to try when stuck.";
/// The placeholder for where the exercise comes from in the source notes.
pub const PLACEHOLDER_SOURCE: &str = "Say where in shared/seeds/ this comes from.";
/// The placeholder paragraph of a new page.
pub const PLACEHOLDER_PAGE: &str = "The idea, in your own words.";
use std::fs;
use std::path::Path;

/// Creates every file of a new exercise and registers it.
pub fn run(root: &Path, id: &str, title: &str) -> anyhow::Result<()> {
    let manifest = Manifest::load(root)?;
    let id: ExerciseId = id.parse()?;
    if manifest.exercises.iter().any(|e| e.id == id) {
        bail!("exercise {id} exists already");
    }
    let exercise = Exercise {
        id,
        title: title.to_string(),
        book: format!("{}/{id}.md", id.book_dir().display()),
        source: PLACEHOLDER_SOURCE.to_string(),
        hints: vec![PLACEHOLDER_HINT.to_string()],
    };
    write_new(
        &root.join(id.exercise_dir()).join("Cargo.toml"),
        &package_manifest(&id.package()),
    )?;
    write_new(
        &root.join(id.exercise_dir()).join("src/main.rs"),
        &program(id, title, true),
    )?;
    let solution = id.solution_package();
    write_new(
        &root.join(id.solution_dir()).join("Cargo.toml"),
        &package_manifest(&solution),
    )?;
    write_new(
        &root.join(id.solution_dir()).join("src/main.rs"),
        &program(id, title, false),
    )?;
    add_test(root, &exercise)?;
    add_page(root, &exercise)?;
    append(&root.join(Manifest::FILE), &manifest_entry(&exercise))?;
    append(
        &root.join(crate::instructor::matrix::MATRIX_FILE),
        &crate::instructor::matrix::undecided_table(&exercise),
    )?;
    crate::grade::cargo::run(
        root,
        &[
            "fmt",
            "-p",
            &id.package(),
            "-p",
            &solution,
            "-p",
            &id.test_package(),
        ],
    )?;
    // `reset` restores skeletons from the lock: the new one must be in it.
    if let Err(error) = crate::instructor::skeletons::write(root) {
        eprintln!("warning: {error:#}; run `cargo xtask lock` once git can record it");
    }
    println!(
        "created {id}: {}, {}, {}, book/src/{}",
        id.exercise_dir().display(),
        id.solution_dir().display(),
        id.test_file().display(),
        exercise.book
    );
    println!(
        "next: write the solution, its tests, the page and the hints (`verify` refuses \
         the placeholders), decide its row of every condition in chapters/MATRIX.md \
         (`cargo xtask matrix {id}`), then `cargo xtask verify`"
    );
    Ok(())
}

/// Writes a file that must not exist yet, creating its folder.
fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        bail!("{} exists already; not overwriting it", path.display());
    }
    fs::create_dir_all(path.parent().context("a file has a folder")?)?;
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Appends text to a file.
fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut content =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !content.ends_with('\n') {
        content.push('\n');
    }
    content.push_str(text);
    fs::write(path, content).with_context(|| format!("cannot write {}", path.display()))
}

/// The test file (a one-case table) and its `[[test]]` entry, creating the chapter's
/// test crate if this is its first exercise.
fn add_test(root: &Path, exercise: &Exercise) -> anyhow::Result<()> {
    let chapter = exercise.id.chapter();
    let crate_dir = root.join(exercise.id.chapter_dir());
    if !crate_dir.join("Cargo.toml").exists() {
        write_new(&crate_dir.join("Cargo.toml"), &chapter_manifest(chapter))?;
        write_new(
            &crate_dir.join("src/lib.rs"),
            &format!("//! Chapter {chapter}'s fixtures; its tests are in `tests/`.\n"),
        )?;
    }
    write_new(&root.join(exercise.id.test_file()), &test_file(exercise.id))?;
    append(
        &crate_dir.join("Cargo.toml"),
        &format!(
            "\n[[test]]\nname = \"{}\"\nharness = false\n",
            exercise.id.test_target()
        ),
    )
}

/// The book page and its line in SUMMARY.md.
fn add_page(root: &Path, exercise: &Exercise) -> anyhow::Result<()> {
    let chapter = exercise.id.chapter();
    let src = root.join("book/src");
    let page = format!(
        "# {} ({})\n\n{PLACEHOLDER_PAGE}\n\n## The exercise\n\nWhat to build, and what the grader checks: \
         `cargo xtask check {}`.\n\n## A reference solution\n\n```rust\n{{{{#include ../../../solutions/{}/src/main.rs:serve}}}}\n```\n",
        exercise.title, exercise.id, exercise.id, exercise.id
    );
    write_new(&src.join(&exercise.book), &page)?;
    let summary = src.join("SUMMARY.md");
    let text = fs::read_to_string(&summary).context("cannot read book/src/SUMMARY.md")?;
    if !text.contains(&format!("(ch{chapter}/README.md)")) {
        write_new(
            &src.join(format!("ch{chapter}/README.md")),
            &format!("# Chapter {chapter}\n"),
        )?;
        append(
            &summary,
            &format!("- [Chapter {chapter}](ch{chapter}/README.md)\n"),
        )?;
    }
    append(
        &summary,
        &format!(
            "  - [{} ({})]({})\n",
            exercise.title, exercise.id, exercise.book
        ),
    )
}

/// The exercise's entry in `exercises.toml`, with the placeholders `verify` refuses.
fn manifest_entry(e: &Exercise) -> String {
    let hints: String = e
        .hints
        .iter()
        .map(|h| format!("'''\n{h}\n''',\n"))
        .collect();
    format!(
        "\n[[exercise]]\nid = \"{}\"\ntitle = \"{}\"\nbook = \"{}\"\nsource = \"{}\"\nhints = [\n{hints}]\n",
        e.id, e.title, e.book, e.source
    )
}

fn package_manifest(name: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n\
         [dependencies]\nclap.workspace = true\nanyhow.workspace = true\n"
    )
}

fn chapter_manifest(chapter: u32) -> String {
    format!(
        "[package]\nname = \"ch{chapter}\"\nversion = \"0.1.0\"\ndescription = \"Chapter {chapter}'s black-box tests.\"\n\
         edition.workspace = true\nlicense.workspace = true\npublish.workspace = true\n\n[lib]\ntest = false\ndoctest = false\n\n\
         [dev-dependencies]\nharness.workspace = true\n"
    )
}

/// A line echo server, a thread per connection; in the skeleton, echoing is `todo!()`.
fn program(id: ExerciseId, title: &str, skeleton: bool) -> String {
    let (allow, body) = if skeleton {
        (
            "\n// Until the todo!() is done, its inputs and imports are unused.\n\
             #![allow(unused_variables, unused_imports)]\n",
            "    todo!(\"send every line back\")",
        )
    } else {
        (
            "",
            "    let mut writer = stream.try_clone()?;\n    for line in BufReader::new(stream).lines() {\n        \
         writer.write_all(format!(\"{}\\n\", line?).as_bytes())?;\n    }\n    Ok(())",
        )
    };
    format!(
        r#"//! {title} ({id}).
{allow}
use anyhow::Context;
use clap::{{Parser, Subcommand}};
use std::io::{{BufRead, BufReader, Write}};
use std::net::{{TcpListener, TcpStream}};

/// {title}.
#[derive(Parser)]
#[command(version, about)]
struct Cli {{
    #[command(subcommand)]
    role: Role,
}}

/// The program's roles.
#[derive(Subcommand)]
enum Role {{
    /// Serve clients.
    Server {{
        /// The address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The port to listen on (0 lets the system choose).
        #[arg(long, default_value_t = 0)]
        port: u16,
    }},
}}

fn main() -> anyhow::Result<()> {{
    let Role::Server {{ host, port }} = Cli::parse().role;
    serve(&host, port)
}}

// ANCHOR: serve
/// Binds, says where, and serves each client on a thread of its own.
fn serve(host: &str, port: u16) -> anyhow::Result<()> {{
    let listener = TcpListener::bind((host, port)).with_context(|| format!("cannot listen on {{host}}:{{port}}"))?;
    println!("listening on {{}}", listener.local_addr()?);
    for stream in listener.incoming() {{
        let stream = stream.context("accept failed")?;
        std::thread::spawn(move || {{
            if let Err(error) = echo(stream) {{
                eprintln!("error: {{error}}");
            }}
        }});
    }}
    Ok(())
}}
// ANCHOR_END: serve

/// Sends every line the client sends straight back.
fn echo(stream: TcpStream) -> std::io::Result<()> {{
{body}
}}
"#
    )
}

fn test_file(id: ExerciseId) -> String {
    format!(
        r#"//! Grades {id}.

use harness::prelude::*;
use std::process::ExitCode;

fn main() -> ExitCode {{
    harness::run!(&[
        Case::new("the server sends each line back", echoes),
    ])
}}

fn echoes(t: &mut Session) -> Outcome {{
    let (mut server, addr) = t.start_server("server", &["server", "--port", "0"])?;
    let mut client = t.connect(addr)?;
    let line = t.sentence(2);
    client.send_line(&line)?;
    client.expect_line(&line)?;
    server.expect_running()
}}
"#
    )
}
