//! The few git commands the grader needs: hash files as git would store them, and read
//! a stored file back by its hash.
//!
//! The course's skeletons are kept in git's object store as blobs; a blob's id is the
//! hash of its content, so it names one exact version of a file whatever was committed
//! since (see `skeletons.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why git cannot be used here.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// No `git` program on the PATH.
    #[error("git is not installed")]
    NotInstalled,
    /// The course folder is not inside a git repository (a download, not a clone).
    #[error("{} is not a git repository", .0.display())]
    NotARepository(PathBuf),
    /// git ran and failed.
    #[error("`git {command}` failed: {message}")]
    Failed {
        /// The arguments given to git.
        command: String,
        /// What git printed on stderr.
        message: String,
    },
}

/// git, working in the repository that holds the course.
pub struct Git {
    root: PathBuf,
}

impl Git {
    /// git for the repository holding `root`, once it is known that git is installed
    /// and that `root` is in a repository.
    pub fn open(root: &Path) -> Result<Git, Unavailable> {
        let git = Git {
            root: root.to_path_buf(),
        };
        match git.run(&["rev-parse", "--git-dir"], None) {
            Ok(_) => Ok(git),
            Err(Unavailable::Failed { message, .. })
                if message.contains("not a git repository") =>
            {
                Err(Unavailable::NotARepository(root.to_path_buf()))
            }
            Err(other) => Err(other),
        }
    }

    /// git for hashing only: that needs no repository, so it works in a download too.
    pub fn outside_repository(root: &Path) -> Git {
        Git {
            root: root.to_path_buf(),
        }
    }

    /// The blob id of each file (paths relative to the root), as `git add` would
    /// compute it. With `store`, the blobs are also written to the repository, so they
    /// can be read back before anything is committed.
    pub fn hash_files(&self, files: &[PathBuf], store: bool) -> Result<Vec<String>, Unavailable> {
        let mut args = vec!["hash-object", "--stdin-paths"];
        if store {
            args.push("-w");
        }
        let mut paths = Vec::new();
        for file in files {
            paths.extend_from_slice(file.as_os_str().as_encoded_bytes());
            paths.push(b'\n');
        }
        let output = self.run(&args, Some(&paths))?;
        Ok(String::from_utf8_lossy(&output)
            .lines()
            .map(str::to_string)
            .collect())
    }

    /// The content of blob `id`, or `None` if the repository does not have it.
    pub fn blob(&self, id: &str) -> Result<Option<Vec<u8>>, Unavailable> {
        match self.run(&["cat-file", "blob", id], None) {
            Ok(content) => Ok(Some(content)),
            Err(Unavailable::Failed { .. }) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Runs `git ARGS` in the root with `input` on its stdin; returns its stdout.
    fn run(&self, args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, Unavailable> {
        let mut child = Command::new("git")
            .current_dir(&self.root)
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => Unavailable::NotInstalled,
                _ => Unavailable::Failed {
                    command: args.join(" "),
                    message: error.to_string(),
                },
            })?;
        let output = std::thread::scope(|scope| {
            if let (Some(input), Some(mut stdin)) = (input, child.stdin.take()) {
                // Written from another thread: git answers while it reads, and would
                // stop once its output pipe is full if nobody were reading it.
                scope.spawn(move || stdin.write_all(input));
            }
            child.wait_with_output()
        })
        .map_err(|e| Unavailable::Failed {
            command: args.join(" "),
            message: e.to_string(),
        })?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(Unavailable::Failed {
                command: args.join(" "),
                message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            })
        }
    }
}
