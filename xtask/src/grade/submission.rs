//! `cargo xtask check ID --path DIR`: grading what a course runner collects.
//!
//! A student's `exercises/ID` folder is not a package on its own: its Cargo.toml takes
//! its edition and dependency versions from the course's root Cargo.toml
//! (`edition.workspace = true`). So a submission is built as a standalone package in a
//! scratch folder, `target/netlab/submissions/ID-HASH/`: a mirror of its files, its
//! Cargo.toml with every inherited value written out, and the course's Cargo.lock, so
//! it builds with the versions the course was tested with. The folder may be:
//!
//! - a package: a Cargo.toml (inheriting or standalone) and `src/`;
//! - only the sources: `src/main.rs` and the rest of `src/`, built with the
//!   skeleton's Cargo.toml;
//! - anything else is refused with a sentence saying what it must contain.

use crate::files::paths;
use crate::files::tree;
use std::path::{Path, PathBuf};
use toml::{Table, Value};
use xtask::manifest::Exercise;

/// A submission made buildable: where its standalone manifest is, and its package.
#[derive(Debug)]
pub struct Submission {
    /// The scratch folder the package is built in.
    pub dir: PathBuf,
    /// The generated `Cargo.toml` in the scratch folder.
    pub manifest: PathBuf,
    /// The package's name, after which cargo names its binary.
    pub package: String,
}

/// The files a submission's own Cargo.toml and Cargo.lock are replaced by.
const GENERATED: [&str; 2] = ["Cargo.toml", "Cargo.lock"];

/// The tables of a manifest that list dependencies.
const DEPENDENCY_TABLES: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];

/// Prepares the submission in `dir` for grading as `exercise`, or says in a sentence
/// why the folder cannot be graded.
pub fn prepare(root: &Path, exercise: &Exercise, dir: &Path) -> Result<Submission, String> {
    let dir = std::fs::canonicalize(dir).map_err(|e| {
        format!(
            "cannot open {}: {e}; --path takes the folder of a submission",
            dir.display()
        )
    })?;
    let (manifest_path, base) = manifest_of(root, exercise, &dir)?;
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let manifest: Table = toml::from_str(&text)
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest_path.display()))?;
    let package = package_name(&manifest)
        .ok_or_else(|| format!("{} has no [package] name", manifest_path.display()))?;
    if !dir.join("src").join("main.rs").is_file() && !manifest.contains_key("bin") {
        return Err(format!(
            "{} has a Cargo.toml but no src/main.rs, where the program to grade starts",
            dir.display()
        ));
    }
    let workspace = Workspace::load(root)?;
    let standalone = workspace
        .standalone(manifest, &base)
        .map_err(|why| format!("{}: {why}", manifest_path.display()))?;
    let scratch = scratch_folder(root, exercise, &dir);
    write_scratch(root, &dir, &scratch, &manifest_path, &standalone)
        .map_err(|e| format!("cannot prepare {}: {e}", scratch.display()))?;
    Ok(Submission {
        manifest: scratch.join("Cargo.toml"),
        dir: scratch,
        package,
    })
}

/// The Cargo.toml to build `dir` with, and the folder its relative paths start from:
/// the folder's own, or the skeleton's when the folder holds only `src/`.
fn manifest_of(root: &Path, exercise: &Exercise, dir: &Path) -> Result<(PathBuf, PathBuf), String> {
    if dir.join("Cargo.toml").is_file() {
        return Ok((dir.join("Cargo.toml"), dir.to_path_buf()));
    }
    if dir.join("src").join("main.rs").is_file() {
        let skeleton = root.join(exercise.id.exercise_dir());
        return Ok((skeleton.join("Cargo.toml"), skeleton));
    }
    Err(format!(
        "{} holds neither a Cargo.toml nor a src/main.rs: --path takes a copy of a student's \
         {} folder (its Cargo.toml and src/), or a folder holding just its src/",
        dir.display(),
        exercise.id.exercise_dir().display()
    ))
}

/// `[package] name`.
fn package_name(manifest: &Table) -> Option<String> {
    manifest
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_string)
}

/// One scratch folder per submission folder, so that grading it again rewrites no
/// file. (cargo itself does not tell them apart: it keeps one build per package name,
/// which is why `check` takes a lock on that name and compares contents.)
fn scratch_folder(root: &Path, exercise: &Exercise, dir: &Path) -> PathBuf {
    let hash = tree::hash(dir.as_os_str().as_encoded_bytes());
    paths::scratch_dir(root)
        .join("submissions")
        .join(format!("{}-{hash:016x}", exercise.id))
}

/// Makes `scratch` mirror `dir`, with the standalone manifest and the course's
/// Cargo.lock. Only changed files are written: cargo rebuilds for exactly those,
/// whatever modification times the submission's files carry.
fn write_scratch(
    root: &Path,
    dir: &Path,
    scratch: &Path,
    manifest_path: &Path,
    standalone: &Table,
) -> std::io::Result<()> {
    let is_generated = |file: &Path| GENERATED.iter().any(|name| file == Path::new(name));
    let files: Vec<PathBuf> = tree::files(dir)?
        .into_iter()
        .filter(|file| !is_generated(file))
        .collect();
    for file in &files {
        tree::write_if_changed(&scratch.join(file), &std::fs::read(dir.join(file))?)?;
    }
    for old in tree::files(scratch)? {
        if !is_generated(&old) && !files.contains(&old) {
            std::fs::remove_file(scratch.join(old))?;
        }
    }
    let toml = toml::to_string(standalone).map_err(std::io::Error::other)?;
    let header = format!(
        "# Written by `cargo xtask check --path`: {} made standalone.\n",
        manifest_path.display()
    );
    tree::write_if_changed(&scratch.join("Cargo.toml"), (header + &toml).as_bytes())?;
    if let Ok(lock) = std::fs::read(root.join("Cargo.lock")) {
        tree::write_if_changed(&scratch.join("Cargo.lock"), &lock)?;
    }
    Ok(())
}

/// What a package of the course can inherit: the root Cargo.toml's `[workspace]`, and
/// its `[profile]` (cargo reads profiles only from a workspace's root, so a standalone
/// package would otherwise build with cargo's defaults: full debug info, slower to
/// build and link than the course's measured settings).
struct Workspace {
    root: PathBuf,
    package: Table,
    dependencies: Table,
    lints: Option<Value>,
    profile: Option<Value>,
}

impl Workspace {
    /// Reads the course's root Cargo.toml.
    fn load(root: &Path) -> Result<Workspace, String> {
        let path = root.join("Cargo.toml");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read the course's {}: {e}", path.display()))?;
        let mut manifest: Table = toml::from_str(&text)
            .map_err(|e| format!("the course's {} is not valid TOML: {e}", path.display()))?;
        let profile = manifest.remove("profile");
        let mut workspace = match manifest.remove("workspace") {
            Some(Value::Table(workspace)) => workspace,
            _ => Table::new(),
        };
        let mut take = |key: &str| match workspace.remove(key) {
            Some(Value::Table(table)) => table,
            _ => Table::new(),
        };
        Ok(Workspace {
            root: root.to_path_buf(),
            package: take("package"),
            dependencies: take("dependencies"),
            lints: workspace.remove("lints"),
            profile,
        })
    }

    /// `manifest` with every `workspace = true` replaced by the workspace's value,
    /// relative dependency paths made absolute (from `base`, the manifest's folder),
    /// the course's `[profile]`, and an empty `[workspace]`, which makes it a workspace of its own.
    fn standalone(&self, mut manifest: Table, base: &Path) -> Result<Table, String> {
        if let Some(Value::Table(package)) = manifest.get_mut("package") {
            for (key, value) in package.iter_mut() {
                if is_inherited(value) {
                    *value = self.package.get(key).cloned().ok_or_else(|| {
                        format!("`package.{key}` is inherited, and the course's [workspace.package] has no `{key}`")
                    })?;
                }
            }
        }
        self.resolve_dependency_tables(&mut manifest, base)?;
        if let Some(Value::Table(targets)) = manifest.get_mut("target") {
            for (_, target) in targets.iter_mut() {
                if let Value::Table(target) = target {
                    self.resolve_dependency_tables(target, base)?;
                }
            }
        }
        if manifest.get("lints").is_some_and(is_inherited) {
            match &self.lints {
                Some(lints) => manifest.insert("lints".to_string(), lints.clone()),
                None => manifest.remove("lints"),
            };
        }
        if let Some(profile) = &self.profile {
            manifest.insert("profile".to_string(), profile.clone());
        }
        manifest.insert("workspace".to_string(), Value::Table(Table::new()));
        Ok(manifest)
    }

    /// Resolves every dependency of the dependency tables in `table`.
    fn resolve_dependency_tables(&self, table: &mut Table, base: &Path) -> Result<(), String> {
        for key in DEPENDENCY_TABLES {
            if let Some(Value::Table(dependencies)) = table.get_mut(key) {
                for (name, spec) in dependencies.iter_mut() {
                    *spec = self.dependency(name, spec, base)?;
                }
            }
        }
        Ok(())
    }

    /// One dependency written out: the workspace's declaration plus what the package
    /// adds (features are added to the workspace's, as cargo does).
    fn dependency(&self, name: &str, spec: &Value, base: &Path) -> Result<Value, String> {
        if !is_inherited(spec) {
            return Ok(with_absolute_path(spec.clone(), base));
        }
        let mut resolved = match self.dependencies.get(name) {
            Some(Value::String(version)) => {
                Table::from_iter([("version".to_string(), Value::String(version.clone()))])
            }
            Some(Value::Table(table)) => table.clone(),
            _ => {
                return Err(format!(
                    "dependency `{name}` is inherited, and the course's [workspace.dependencies] has no `{name}`"
                ));
            }
        };
        if let Value::Table(local) = spec {
            for (key, value) in local.iter().filter(|(key, _)| *key != "workspace") {
                match (key.as_str(), resolved.get_mut(key), value) {
                    ("features", Some(Value::Array(features)), Value::Array(more)) => {
                        features.extend(more.iter().cloned());
                    }
                    _ => {
                        resolved.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        Ok(with_absolute_path(Value::Table(resolved), &self.root))
    }
}

/// Whether a value is `{ workspace = true }`: taken from the workspace.
fn is_inherited(value: &Value) -> bool {
    value.get("workspace").and_then(Value::as_bool) == Some(true)
}

/// A dependency with a relative `path` made absolute from `base`: the scratch folder
/// is elsewhere, so a relative path would point nowhere.
fn with_absolute_path(mut spec: Value, base: &Path) -> Value {
    if let Some(Value::String(path)) = spec.get_mut("path") {
        // `join` leaves an absolute path as it is.
        *path = base.join(path.as_str()).display().to_string();
    }
    spec
}
