//! What the `oaimock` binary needs from the library and a test does not: the flag parser, `--help`,
//! `oaimock check` and `oaimock drift`. Not a stable API.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub use crate::config::{Command, help, parse};
use crate::fixtures;
pub use crate::fixtures::LoadError;

/// Each fixture problem on its own line of stderr.
pub fn report(error: &LoadError) {
    let mut stderr = std::io::stderr().lock();
    for problem in &error.problems {
        let _ = writeln!(stderr, "oaimock: {problem}");
    }
}

/// `oaimock check PATH`: one OK line and exit 0, or every problem and exit 1.
pub fn check(path: &Path) -> ExitCode {
    match fixtures::load(path) {
        Ok(rules) => {
            let (n, files) = (rules.rules.len(), rules.files);
            let plural =
                |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            println!(
                "{}: OK, {} in {}",
                path.display(),
                plural(n, "rule"),
                plural(files, "file")
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            report(&error);
            ExitCode::FAILURE
        }
    }
}

/// `oaimock drift DIR`: per endpoint, each way the built-in answers differ in shape from the
/// recorded ones. Exit 0 when none does, 1 when some do (or the recordings cannot be read).
pub fn drift(dir: &Path) -> ExitCode {
    let (report, compared) = match crate::drift::drift(dir) {
        Ok(found) => found,
        Err(problem) => {
            for line in problem.lines() {
                eprintln!("oaimock: {line}");
            }
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout().lock();
    if report.is_empty() {
        let plural = if compared == 1 { "" } else { "s" };
        let _ = writeln!(
            stdout,
            "{}: no drift in {compared} recorded exchange{plural}",
            dir.display()
        );
        return ExitCode::SUCCESS;
    }
    for (endpoint, found) in &report {
        let _ = writeln!(stdout, "{endpoint}:");
        for difference in found {
            let _ = writeln!(stdout, "  {difference}");
        }
    }
    ExitCode::FAILURE
}
