//! The real binary: the `listening on` line, flags and `OAIMOCK_*` variables, the access log, and
//! one-line errors with a non-zero exit for bad flags and a port in use.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Command;

use common::{Binary, chat_body, get, post};

fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_oaimock"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

#[test]
fn prints_one_listening_line_with_the_real_port_then_serves() {
    let server = Binary::start(&["--quiet", "--reply", "from the binary"]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert_ne!(server.url, "http://127.0.0.1:0");
    let v = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body("x", ""),
    )
    .json();
    assert_eq!(v["choices"][0]["message"]["content"], "from the binary");
}

#[test]
fn logs_one_line_per_request_on_stderr_unless_quiet() {
    let mut server = Binary::start(&[]);
    assert_eq!(get(&format!("{}/v1/models", server.url)).status, 200);
    assert_eq!(get(&format!("{}/nope?secret=1", server.url)).status, 404);
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    // A line is written once its answer has left, so two quick requests may log in either order.
    let mut two = [
        lines.next().unwrap().unwrap(),
        lines.next().unwrap().unwrap(),
    ];
    two.sort();
    let [nope, models] = two;
    assert!(
        nope.starts_with("GET /nope 404 "),
        "query strings stay out of the log: {nope}"
    );
    assert!(
        models.starts_with("GET /v1/models 200 ") && models.ends_with("ms"),
        "{models}"
    );
}

#[test]
fn environment_variables_set_flags_and_flags_win() {
    let server = Binary::start_with_env(
        &["--quiet"],
        &[("OAIMOCK_REPLY", "from env"), ("OAIMOCK_MODELS", "a,b")],
    );
    let v = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body("x", ""),
    )
    .json();
    assert_eq!(v["choices"][0]["message"]["content"], "from env");
    assert_eq!(
        get(&format!("{}/v1/models", server.url)).json()["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let server = Binary::start_with_env(
        &["--quiet", "--reply", "from flag"],
        &[("OAIMOCK_REPLY", "from env")],
    );
    let v = post(
        &format!("{}/v1/chat/completions", server.url),
        &chat_body("x", ""),
    )
    .json();
    assert_eq!(v["choices"][0]["message"]["content"], "from flag");
}

#[test]
fn bad_flags_are_a_one_line_error_and_exit_2() {
    for (args, env, message) in [
        (
            vec!["--bogus"],
            vec![],
            "oaimock: unknown flag '--bogus' (see --help)\n",
        ),
        (
            vec!["--port", "http"],
            vec![],
            "oaimock: --port: expected a port number 0-65535, got 'http'\n",
        ),
        (
            vec![],
            vec![("OAIMOCK_MAX_BODY_BYTES", "lots")],
            "oaimock: OAIMOCK_MAX_BODY_BYTES: expected a byte count, got 'lots'\n",
        ),
    ] {
        let out = run(&args, &env);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_port_in_use_is_a_one_line_error_and_a_failure_exit() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = run(&["--port", &port], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("oaimock: cannot listen on 127.0.0.1:{port}: ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn help_and_version_print_and_exit_0() {
    let out = run(&["--help"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--token-delay-ms MS") && text.contains("OAIMOCK_"),
        "{text}"
    );
    let out = run(&["--version"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("oaimock {}\n", env!("CARGO_PKG_VERSION"))
    );
}
