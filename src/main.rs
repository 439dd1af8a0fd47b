//! The `oaimock` binary: parse flags, start the server, print where it listens, serve forever.

use std::io::Write;
use std::process::ExitCode;

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
                .and_then(|inner| inner.downcast_ref::<cli::LoadError>());
            match fixtures {
                Some(error) => cli::report(error),
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
