//! The code a skeleton gives must be the solution's code: the two copies of one
//! exercise cannot drift apart.
//!
//! A skeleton carries, besides its `todo!()`s, the code the student builds on (an
//! accept loop, a CLI, a helper). A function of the skeleton whose body has no
//! `todo!()` is such given code, and must equal — signature and body, token for token —
//! the function of the same name, in the same file and the same `impl`, of the
//! solution. Comments and doc comments may differ: the skeleton's teach the contract,
//! the solution's explain the choices.

use quote::ToTokens;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A function's place: its `impl` (empty for a free function) and its name.
type Key = (String, String);

/// Every problem with the given code of one exercise: `skeleton` and `solution` are
/// the two packages' folders.
pub fn drift(skeleton: &Path, solution: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for file in rust_files(&skeleton.join("src")) {
        let relative = file.strip_prefix(skeleton).unwrap_or(&file).to_path_buf();
        let given = match functions(&file) {
            Ok(functions) => functions,
            Err(error) => {
                problems.push(format!("{}: {error}", relative.display()));
                continue;
            }
        };
        let theirs = functions(&solution.join(&relative)).unwrap_or_default();
        for (key, skeleton_fn) in given.iter().filter(|(_, f)| !has_todo(f)) {
            let name = describe(key);
            match theirs.get(key) {
                None => problems.push(format!(
                    "{}: the skeleton gives {name}, which the solution does not have: \
                     add it to the solution or make it a todo!() in the skeleton",
                    relative.display()
                )),
                Some(solution_fn) if code(solution_fn) != code(skeleton_fn) => {
                    problems.push(format!(
                        "{}: {name} is given in the skeleton but differs from the solution's: \
                         copy the right one over the other (or leave a todo!() in the skeleton)",
                        relative.display()
                    ))
                }
                Some(_) => {}
            }
        }
    }
    problems
}

/// The `.rs` files below `dir`, in a stable order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A function, free or in an `impl`, with everything but its attributes.
struct Function {
    sig: syn::Signature,
    block: syn::Block,
}

/// Every function of a file, by place.
fn functions(file: &Path) -> Result<BTreeMap<Key, Function>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read it: {e}"))?;
    let parsed = syn::parse_file(&text).map_err(|e| format!("cannot parse it: {e}"))?;
    let mut found = BTreeMap::new();
    collect(&parsed.items, "", &mut found);
    Ok(found)
}

/// Collects functions from items, descending into inline modules and impls.
fn collect(items: &[syn::Item], module: &str, found: &mut BTreeMap<Key, Function>) {
    for item in items {
        match item {
            syn::Item::Fn(f) => {
                found.insert(
                    (module.to_string(), f.sig.ident.to_string()),
                    Function {
                        sig: f.sig.clone(),
                        block: (*f.block).clone(),
                    },
                );
            }
            syn::Item::Impl(block) => {
                let place = format!("{module}impl {}", impl_name(block));
                for inner in &block.items {
                    if let syn::ImplItem::Fn(f) = inner {
                        found.insert(
                            (place.clone(), f.sig.ident.to_string()),
                            Function {
                                sig: f.sig.clone(),
                                block: f.block.clone(),
                            },
                        );
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect(inner, &format!("{module}{}::", m.ident), found);
                }
            }
            _ => {}
        }
    }
}

/// `Trait for Type` or `Type`, as tokens.
fn impl_name(block: &syn::ItemImpl) -> String {
    let ty = block.self_ty.to_token_stream().to_string();
    match &block.trait_ {
        Some((_, path, _)) => format!("{} for {ty}", path.to_token_stream()),
        None => ty,
    }
}

/// The function's code as tokens: what must match.
fn code(function: &Function) -> String {
    format!(
        "{} {}",
        function.sig.to_token_stream(),
        function.block.to_token_stream()
    )
}

/// Whether the body calls `todo!()`: then it is the student's work, not given code.
fn has_todo(function: &Function) -> bool {
    function
        .block
        .to_token_stream()
        .to_string()
        .contains("todo !")
}

/// `serve` or `Chat::serve`, for a message.
fn describe((place, name): &Key) -> String {
    if place.is_empty() {
        format!("`{name}`")
    } else {
        format!("`{name}` (in `{place}`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A skeleton and a solution in a temporary folder, one file each.
    fn pair(skeleton: &str, solution: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        for (package, text) in [("skeleton", skeleton), ("solution", solution)] {
            std::fs::create_dir_all(dir.path().join(package).join("src")).unwrap();
            std::fs::write(dir.path().join(package).join("src/main.rs"), text).unwrap();
        }
        drift(&dir.path().join("skeleton"), &dir.path().join("solution"))
    }

    #[test]
    fn given_code_equal_to_the_solution_passes_whatever_its_comments() {
        let skeleton =
            "/// Given.\nfn add(a: u8) -> u8 { a + 1 }\nfn work() { todo!(\"yours\") }\n";
        let solution = "/// Why.\nfn add(a: u8) -> u8 {\n    // one more\n    a + 1\n}\nfn work() { add(1); }\n";
        assert_eq!(pair(skeleton, solution), Vec::<String>::new());
    }

    #[test]
    fn given_code_that_drifted_is_named() {
        let problems = pair(
            "struct S;\nimpl S { fn run(&self) -> u8 { 1 } }\n",
            "struct S;\nimpl S { fn run(&self) -> u8 { 2 } }\n",
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("`run` (in `impl S`)"), "{problems:?}");
    }

    #[test]
    fn given_code_missing_from_the_solution_is_named() {
        let problems = pair("fn helper() {}\n", "fn other() {}\n");
        assert!(
            problems[0].contains("`helper`, which the solution does not have"),
            "{problems:?}"
        );
    }
}
