//! The `oaimock` binary: parse flags, start the server, print where it listens, serve forever.

use std::io::Write;
use std::process::ExitCode;

use oaimock::StartError;
use oaimock::cli::{self, Command};

fn main() -> ExitCode {
    let command = cli::parse(std::env::args().skip(1), |name| std::env::var(name).ok());
    let config = match command {
        Ok(Command::Serve(config)) => *config,
        Ok(Command::Help) => {
            print!("{}", cli::help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Check(path)) => return cli::check(&path),
        Ok(Command::Drift(path)) => return cli::drift(&path),
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
        Err(StartError::Fixtures(error)) => {
            cli::report(&error);
            return ExitCode::FAILURE;
        }
        Err(StartError::Bind(e)) => {
            eprintln!(
                "oaimock: cannot listen on {}:{}: {e}",
                config.host, config.port
            );
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("oaimock: {e}");
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
