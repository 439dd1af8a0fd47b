//! Scratch directories removed when dropped, and the real binary's subcommands over a directory.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A directory of its own under the system's temporary one, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh (empty, not yet created) directory named after `name` and this process.
pub(crate) fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("oaimock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    TempDir(dir)
}

/// `oaimock SUBCOMMAND DIR` with the real binary: whether it succeeded, and stdout then stderr.
pub(crate) fn oaimock_on(subcommand: &str, dir: &Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_oaimock"))
        .arg(subcommand)
        .arg(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}
