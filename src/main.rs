//! The `oaimock` binary: parse flags, start the server, print where it listens, serve forever.

use std::io::Write;
use std::process::ExitCode;

use oaimock::config::{self, Command};
use oaimock::fixtures::{self, LoadError};

fn main() -> ExitCode {
    let command = config::parse(std::env::args().skip(1), |name| std::env::var(name).ok());
    let config = match command {
        Ok(Command::Serve(config)) => *config,
        Ok(Command::Help) => {
            print!("{}", config::help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Check(path)) => return check(&path),
        Ok(Command::Version) => {
            println!("oaimock {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("oaimock: {message}");
            return ExitCode::from(2);
        }
    };
    let server = match oaimock::Server::start(config.clone()) {
        Ok(server) => server,
        Err(e) => {
            let fixtures = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<LoadError>());
            match fixtures {
                Some(error) => report(error),
                None => eprintln!(
                    "oaimock: cannot listen on {}:{}: {e}",
                    config.host, config.port
                ),
            }
            return ExitCode::FAILURE;
        }
    };
    if !server.addr().ip().is_loopback() && config.api_key.is_none() {
        eprintln!(
            "oaimock: warning: listening on {} without --api-key: anyone who can reach this address can use it",
            server.addr()
        );
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", server.url());
    let _ = stdout.flush();
    drop(stdout);
    server.wait();
    ExitCode::SUCCESS
}

/// Each fixture problem on its own line of stderr.
fn report(error: &LoadError) {
    let mut stderr = std::io::stderr().lock();
    for problem in &error.problems {
        let _ = writeln!(stderr, "oaimock: {problem}");
    }
}

/// `oaimock check PATH`: one OK line and exit 0, or every problem and exit 1.
fn check(path: &std::path::Path) -> ExitCode {
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
