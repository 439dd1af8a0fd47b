//! The flag parser against flags, environment values and defaults, and `--help` against the table.

use super::*;
use std::path::Path;

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn serve(list: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match parse(args(list), |k| {
        env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    })? {
        Command::Serve(c) => Ok(*c),
        other => panic!("expected serve, got {other:?}"),
    }
}

#[test]
fn flags_override_environment_which_overrides_defaults() {
    let c = serve(
        &["--port", "9001", "--models=a, b", "--quiet"],
        &[("OAIMOCK_PORT", "7000"), ("OAIMOCK_TOKEN_DELAY_MS", "5")],
    )
    .unwrap();
    assert_eq!(c.port, 9001);
    assert_eq!(c.token_delay, Duration::from_millis(5));
    assert_eq!(c.models, vec!["a", "b"]);
    assert!(c.quiet);
    assert!(!c.strict_models);
    let c = serve(
        &[],
        &[("OAIMOCK_STRICT_MODELS", "1"), ("OAIMOCK_REPLY", "hi")],
    )
    .unwrap();
    assert!(c.strict_models);
    assert_eq!(c.reply.as_deref(), Some("hi"));
}

#[test]
fn bad_flags_are_one_line_errors() {
    assert_eq!(
        serve(&["--nope"], &[]).unwrap_err(),
        "unknown flag '--nope' (see --help)"
    );
    assert_eq!(
        serve(&["--port"], &[]).unwrap_err(),
        "--port needs a value (see --help)"
    );
    assert_eq!(
        serve(&["--port", "99999"], &[]).unwrap_err(),
        "--port: expected a port number 0-65535, got '99999'"
    );
    assert_eq!(
        serve(&["--max-connections", "0"], &[]).unwrap_err(),
        "--max-connections: expected a number above 0"
    );
    assert_eq!(
        serve(&["--token-delay-ms", "60001"], &[]).unwrap_err(),
        "--token-delay-ms: 60001 ms, more than the limit of 60000 ms on a delay"
    );
    assert_eq!(
        serve(&[], &[("OAIMOCK_PORT", "x")]).unwrap_err(),
        "OAIMOCK_PORT: expected a port number 0-65535, got 'x'"
    );
    assert!(matches!(
        parse(args(&["--help"]), |_| None),
        Ok(Command::Help)
    ));
    assert!(matches!(
        parse(args(&["check", "f.json"]), |_| None),
        Ok(Command::Check(p)) if p == std::path::Path::new("f.json")
    ));
    assert_eq!(
        parse(args(&["check"]), |_| None).unwrap_err(),
        "usage: oaimock check PATH"
    );
}

#[test]
fn help_lists_every_flag() {
    let text = help();
    for flag in FLAGS {
        assert!(text.contains(&format!("--{}", flag.name)), "{}", flag.name);
    }
}

#[test]
fn redact_header_repeats_and_on_the_command_line_replaces_its_variable() {
    let env = [("OAIMOCK_REDACT_HEADER", "X-Env-A, x-env-b")];
    assert_eq!(
        serve(&[], &env).unwrap().redact_headers,
        ["x-env-a", "x-env-b"]
    );
    let c = serve(&["--redact-header", "X-One", "--redact-header=x-two"], &env).unwrap();
    assert_eq!(c.redact_headers, ["x-one", "x-two"]);
    assert_eq!(
        serve(&["--redact-header", "a b"], &[]).unwrap_err(),
        "--redact-header: expected a header name, got 'a b'"
    );
}

#[test]
fn upstream_flags_are_checked_and_capped() {
    let c = serve(
        &[
            "--upstream",
            "http://gw.internal:8080/v1/",
            "--upstream-timeout-ms",
            "600000",
            "--record",
            "cassettes",
            "--record-timing",
            "--strict",
        ],
        &[("OAIMOCK_UPSTREAM_KEY", "sk-env")],
    )
    .unwrap();
    assert_eq!(c.upstream.as_deref(), Some("http://gw.internal:8080/v1"));
    assert_eq!(c.upstream_key.as_deref(), Some("sk-env"));
    assert_eq!(c.upstream_timeout, Duration::from_secs(600));
    assert_eq!(c.record, Some(PathBuf::from("cassettes")));
    assert!(c.record_timing && c.strict);
    let too_long = serve(&["--upstream-connect-timeout-ms", "600001"], &[]).unwrap_err();
    assert!(too_long.contains("limit of 600000 ms"), "{too_long}");
    let bad = serve(&["--upstream", "ftp://x"], &[]).unwrap_err();
    assert!(bad.contains("expected an http:// or https:// URL"), "{bad}");
    let drift = parse(args(&["drift", "dir"]), |_| None).unwrap();
    assert!(matches!(drift, Command::Drift(p) if p == Path::new("dir")));
    assert!(parse(args(&["drift"]), |_| None).is_err());
}
