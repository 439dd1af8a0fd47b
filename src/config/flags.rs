//! The command line: the flag table, `--help` generated from it, and the parser that reads flags
//! over `OAIMOCK_*` environment values over [`Config::default`].

use std::path::PathBuf;
use std::time::Duration;

use super::Config;

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Serve(Box<Config>),
    /// `oaimock check PATH`: validate fixture files and exit.
    Check(PathBuf),
    /// `oaimock drift DIR`: compare recordings with the built-in answers and exit.
    Drift(PathBuf),
    Help,
    Version,
}

mod table;

use table::FLAGS;

/// The `--help` text, generated from the flag table so the two never disagree.
pub fn help() -> String {
    let mut out = String::from(
        "oaimock: a mock of the OpenAI HTTP API (echoes, scripted replies, faults)\n\n\
         usage: oaimock [FLAGS]\n       oaimock check PATH   validate fixture files and exit\n       oaimock drift DIR    compare recordings (--record) with the built-in answers\n\nflags (each also read from OAIMOCK_<NAME>, e.g. OAIMOCK_TOKEN_DELAY_MS):\n",
    );
    let left = |flag: &table::Flag| match flag.value {
        Some(v) => format!("--{} {}", flag.name, v),
        None => format!("--{}", flag.name),
    };
    // One column for the flags, as wide as the longest.
    let width = FLAGS.iter().map(|f| left(f).len()).max().unwrap_or(0);
    for flag in FLAGS {
        out.push_str(&format!("  {:<width$} {}\n", left(flag), flag.help));
    }
    out
}

/// The environment variable that mirrors a flag: `token-delay-ms` → `OAIMOCK_TOKEN_DELAY_MS`.
pub(super) fn env_name(flag: &str) -> String {
    format!("OAIMOCK_{}", flag.to_ascii_uppercase().replace('-', "_"))
}

/// Parses flags over environment values over defaults. `env` looks a variable up (tests pass a map).
pub fn parse<I, E>(args: I, env: E) -> Result<Command, String>
where
    I: IntoIterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    let mut config = Config::default();
    for flag in FLAGS
        .iter()
        .filter(|f| !matches!(f.name, "help" | "version"))
    {
        if let Some(value) = env(&env_name(flag.name)) {
            let value = if flag.value.is_none() {
                bool_env(&value, flag.name)?
            } else {
                value
            };
            apply(&mut config, flag.name, &value)
                .map_err(|e| format!("{}: {e}", env_name(flag.name)))?;
        }
    }
    // A repeatable flag on the command line replaces its variable's list rather than adding to it.
    let mut repeated: Vec<&str> = Vec::new();
    let mut args = args.into_iter().peekable();
    if let Some(sub) = args.next_if(|a| a == "check" || a == "drift") {
        return match (args.next(), args.next()) {
            (Some(path), None) if !path.starts_with("--") && sub == "check" => {
                Ok(Command::Check(path.into()))
            }
            (Some(path), None) if !path.starts_with("--") => Ok(Command::Drift(path.into())),
            _ if sub == "check" => Err("usage: oaimock check PATH".into()),
            _ => Err("usage: oaimock drift DIR".into()),
        };
    }
    while let Some(arg) = args.next() {
        let Some(body) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument '{arg}' (see --help)"));
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let flag = FLAGS
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| format!("unknown flag '--{name}' (see --help)"))?;
        match (flag.name, flag.value) {
            ("help", _) => return Ok(Command::Help),
            ("version", _) => return Ok(Command::Version),
            (_, None) => {
                let value = match inline {
                    Some(v) => bool_env(&v, flag.name)?,
                    None => "true".to_string(),
                };
                apply(&mut config, flag.name, &value)?;
            }
            (_, Some(_)) => {
                let value = match inline.or_else(|| args.next()) {
                    Some(v) => v,
                    None => return Err(format!("--{name} needs a value (see --help)")),
                };
                if flag.name == "redact-header" && !repeated.contains(&flag.name) {
                    repeated.push(flag.name);
                    config.redact_headers.clear();
                }
                apply(&mut config, flag.name, &value).map_err(|e| format!("--{name}: {e}"))?;
            }
        }
    }
    Ok(Command::Serve(Box::new(config)))
}

fn bool_env(value: &str, name: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok("true".into()),
        "0" | "false" | "no" | "off" | "" => Ok("false".into()),
        _ => Err(format!("--{name}: expected true or false, got '{value}'")),
    }
}

fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<T, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("expected {what}, got '{value}'"))
}

fn apply(config: &mut Config, name: &str, value: &str) -> Result<(), String> {
    match name {
        "host" if value.is_empty() => return Err("expected an address".into()),
        "host" => config.host = value.to_string(),
        "port" => config.port = number(value, "a port number 0-65535")?,
        "token-delay-ms" => {
            let ms = crate::faults::check_delay(number(value, "milliseconds")?)?;
            config.token_delay = Duration::from_millis(ms);
        }
        "reply" => config.reply = Some(value.to_string()),
        "api-key" if value.is_empty() => config.api_key = None,
        "api-key" => config.api_key = Some(value.to_string()),
        "max-body-bytes" => config.max_body_bytes = positive(number(value, "a byte count")?)?,
        "max-connections" => config.max_connections = positive(number(value, "a count")?)?,
        "write-timeout-ms" => {
            config.write_timeout = Duration::from_millis(positive(number(value, "milliseconds")?)?)
        }
        "read-timeout-ms" => {
            config.read_timeout = Duration::from_millis(positive(number(value, "milliseconds")?)?)
        }
        "models" => {
            config.models = value
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect();
            if config.models.is_empty() {
                return Err("expected a comma-separated list of model ids".into());
            }
        }
        "strict-models" => config.strict_models = value == "true",
        "quiet" => config.quiet = value == "true",
        "fixtures" if value.is_empty() => config.fixtures = None,
        "fixtures" => config.fixtures = Some(PathBuf::from(value)),
        "auto-tool-calls" => config.auto_tool_calls = value == "true",
        "fault-rate" => {
            let rate: f64 = number(value, "a share from 0 to 1")?;
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("expected a share from 0 to 1, got '{value}'"));
            }
            config.fault_rate = rate;
        }
        "fault-statuses" => {
            let statuses = value
                .split(',')
                .map(|s| number::<u16>(s, "statuses from 400 to 599"))
                .collect::<Result<Vec<_>, _>>()?;
            if statuses.is_empty() || statuses.iter().any(|s| !(400..=599).contains(s)) {
                return Err(format!("expected statuses from 400 to 599, got '{value}'"));
            }
            config.fault_statuses = statuses;
        }
        "seed" => config.seed = Some(number(value, "a whole number")?),
        "rpm" => config.rpm = Some(positive(number(value, "a count")?)?),
        "tpm" => config.tpm = Some(positive(number(value, "a count")?)?),
        "journal-size" => config.journal_size = number(value, "a count")?,
        "max-scopes" => config.max_scopes = positive(number(value, "a count")?)?,
        "store-objects" => config.store_objects = positive(number(value, "a count")?)?,
        "store-bytes" => config.store_bytes = positive(number(value, "a count")?)?,
        "store-scope-objects" => config.store_scope_objects = positive(number(value, "a count")?)?,
        "store-scope-bytes" => config.store_scope_bytes = positive(number(value, "a count")?)?,
        "batch-ms" => {
            let ms = positive(number(value, "milliseconds")?)?;
            if ms > crate::faults::MAX_BATCH_MS {
                return Err(format!(
                    "expected at most {} ms (24 hours), got '{value}'",
                    crate::faults::MAX_BATCH_MS
                ));
            }
            config.batch_ms = ms;
        }
        "no-admin" => config.no_admin = value == "true",
        "upstream" if value.is_empty() => config.upstream = None,
        "upstream" => {
            let url = value.trim_end_matches('/');
            let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
            if !scheme_ok || url.len() <= "https://".len() {
                return Err(format!(
                    "expected an http:// or https:// URL, got '{value}'"
                ));
            }
            if url.starts_with("https://") && !cfg!(feature = "tls") {
                return Err("https:// needs the `tls` feature (built without it)".into());
            }
            config.upstream = Some(url.to_string());
        }
        "upstream-key" if value.is_empty() => config.upstream_key = None,
        "upstream-key" => config.upstream_key = Some(value.to_string()),
        "upstream-ca" if value.is_empty() => config.upstream_ca = None,
        "upstream-ca" => config.upstream_ca = Some(PathBuf::from(value)),
        "upstream-connect-timeout-ms" => {
            config.upstream_connect_timeout = Duration::from_millis(upstream_ms(value)?)
        }
        "upstream-timeout-ms" => {
            config.upstream_timeout = Duration::from_millis(upstream_ms(value)?)
        }
        "record" if value.is_empty() => config.record = None,
        "record" => config.record = Some(PathBuf::from(value)),
        "record-timing" => config.record_timing = value == "true",
        "strict" => config.strict = value == "true",
        "redact-header" => {
            // Several names at once are comma-separated (the only way a variable gives several).
            for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                    return Err(format!("expected a header name, got '{name}'"));
                }
                config.redact_headers.push(name.to_ascii_lowercase());
            }
        }
        _ => unreachable!("flag table and apply() disagree on --{name}"),
    }
    Ok(())
}

/// An upstream timeout: above 0, at most `MAX_UPSTREAM_TIMEOUT_MS`.
fn upstream_ms(value: &str) -> Result<u64, String> {
    let ms = positive(number(value, "milliseconds")?)?;
    let most = super::MAX_UPSTREAM_TIMEOUT_MS;
    if ms > most {
        return Err(format!("{ms} ms is more than the limit of {most} ms"));
    }
    Ok(ms)
}

fn positive<T: PartialOrd + Default>(n: T) -> Result<T, String> {
    if n > T::default() {
        Ok(n)
    } else {
        Err("expected a number above 0".into())
    }
}

#[cfg(test)]
mod tests;
