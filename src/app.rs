//! The state every handler reads, built once at start-up and shared by all workers: the config,
//! the rule sets, random faults, the rate limiter and the journal.

use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::error::ApiError;
use crate::faults::{Chaos, RateLimit, Scoped};
use crate::fixtures::{Counters, LoadError, RuleSet};
use crate::journal::Journal;
use crate::store::{Limits, Store};
use crate::sync::lock;

/// The most rules `POST /_oaimock/fixtures` may leave added at run time, counting the rules
/// mounted in-process: every request tries each of them, and 20,000 posts slowed every chat
/// request to 4 ms. Past it, a post is a 400 naming the limit; `DELETE` makes room.
pub(crate) const MAX_RUNTIME_RULES: usize = 1000;

/// The most fixture text the rules added at run time may come from, counted the same way: a
/// 7.4 MiB post of a 599,000-item sequence peaked at 1.9 GiB. A larger post is refused before
/// it is read.
pub(crate) const MAX_RUNTIME_BYTES: usize = 1024 * 1024;

/// State every handler reads; built once at start-up and shared by all workers.
pub(crate) struct App {
    pub config: Config,
    /// `system_fingerprint`: fixed for the life of the process, as the real one is per deployment.
    pub fingerprint: String,
    /// The `--fixtures` rules, loaded whole at start-up.
    pub rules: Option<RuleSet>,
    /// Rules added through `POST /_oaimock/fixtures`, matched before the file's, oldest first.
    pub runtime_rules: Mutex<Vec<Arc<RuleSet>>>,
    /// The sequences' counters, of every rule set.
    sequences: Counters,
    /// Random faults (`--fault-rate`, `--seed`).
    pub chaos: Chaos,
    /// `--rpm` / `--tpm`.
    pub limits: RateLimit,
    pub journal: Journal,
    /// The stateful API's objects, per scope.
    pub store: Store,
    /// Whether the `/_oaimock/*` admin paths answer.
    pub admin: bool,
    /// `--upstream`: where a request no rule answers goes.
    pub upstream: Option<crate::upstream::Upstream>,
    /// The images `url` answers point to, bounded in count, bytes and age.
    pub images: crate::imaging::store::Gallery,
}

impl App {
    /// Loads `--fixtures` when given; every problem in them is an error, so no rule set is half-loaded.
    pub(crate) fn new(mut config: Config) -> Result<App, LoadError> {
        // `--token-delay-ms` is checked as it is read; a `Config` built in Rust is held to the
        // same limit here, so no stream's arithmetic meets a delay beyond it.
        let most = std::time::Duration::from_millis(crate::faults::MAX_DELAY_MS);
        config.token_delay = config.token_delay.min(most);
        let sequences = Counters::new(Mutex::new(Scoped::with_capacity(config.max_scopes)));
        let rules = match &config.fixtures {
            Some(path) => Some(RuleSet {
                counters: sequences.clone(),
                ..crate::fixtures::load(path)?
            }),
            None => None,
        };
        let seed = config.seed.unwrap_or_else(crate::ids::next_u64);
        let loopback = config.host == "localhost"
            || config
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let upstream = crate::upstream::Upstream::new(&config).map_err(|problem| LoadError {
            problems: vec![problem],
        })?;
        Ok(App {
            upstream,
            chaos: Chaos::new(config.fault_rate, config.fault_statuses.clone(), seed),
            limits: RateLimit::new(config.rpm, config.tpm, config.max_scopes),
            journal: Journal::new(config.journal_size, &config.redact_headers),
            store: Store::new(Limits {
                objects: config.store_objects,
                bytes: config.store_bytes,
                scope_objects: config.store_scope_objects,
                scope_bytes: config.store_scope_bytes,
            }),
            admin: !config.no_admin && (loopback || config.api_key.is_some()),
            runtime_rules: Mutex::new(Vec::new()),
            images: Default::default(),
            sequences,
            fingerprint: crate::ids::hex("fp_", 10),
            rules,
            config,
        })
    }

    /// The rules added at run time, as they are now (a copy of the list, not of the rules).
    pub(crate) fn runtime_rules(&self) -> Vec<Arc<RuleSet>> {
        lock(&self.runtime_rules).clone()
    }

    /// Adds a rule set after those added before (the oldest matching rule answers); returns its
    /// rule count and the run-time total. An empty set is not kept. In-process mounts come here
    /// unchecked: the code that mounts them is trusted as the `--fixtures` files are.
    pub(crate) fn add_rules(&self, mut rules: RuleSet) -> (usize, usize) {
        rules.counters = self.sequences.clone();
        let added = rules.rules.len();
        let mut runtime = lock(&self.runtime_rules);
        if added > 0 {
            runtime.push(Arc::new(rules));
        }
        (added, runtime.iter().map(|r| r.rules.len()).sum())
    }

    /// The rules and fixture bytes added at run time so far.
    pub(crate) fn runtime_size(&self) -> (usize, usize) {
        let runtime = lock(&self.runtime_rules);
        let rules = runtime.iter().map(|r| r.rules.len()).sum();
        (rules, runtime.iter().map(|r| r.bytes).sum())
    }

    /// [`App::add_rules`] for a post, within [`MAX_RUNTIME_RULES`] and [`MAX_RUNTIME_BYTES`]
    /// counted with the rules added before: past either, nothing is added and the 400 names it.
    pub(crate) fn post_rules(&self, mut rules: RuleSet) -> Result<(usize, usize), ApiError> {
        rules.counters = self.sequences.clone();
        let mut runtime = lock(&self.runtime_rules);
        let count: usize = runtime.iter().map(|r| r.rules.len()).sum();
        let bytes: usize = runtime.iter().map(|r| r.bytes).sum();
        check_runtime(count + rules.rules.len(), bytes + rules.bytes)?;
        let added = rules.rules.len();
        if added > 0 {
            runtime.push(Arc::new(rules));
        }
        Ok((added, count + added))
    }

    /// Removes every rule added at run time; returns how many there were.
    pub(crate) fn clear_rules(&self) -> usize {
        let removed = std::mem::take(&mut *lock(&self.runtime_rules));
        removed.iter().map(|r| r.rules.len()).sum()
    }

    /// Starts sequences, rate-limit counters, the journal and the stored objects over, for one
    /// scope or all (all also restarts the random faults' draws).
    pub(crate) fn reset(&self, scope: Option<&str>) {
        self.reset_sequences(scope);
        self.limits.reset(scope);
        if scope.is_none() {
            self.chaos.reset();
            self.images.clear();
        }
        self.journal.clear(scope);
        self.store.clear(scope);
    }

    /// The script over the rules as they are now.
    pub(crate) fn script(&self) -> crate::script::Script<'_> {
        crate::script::Script {
            rules: self.runtime_rules(),
            file_rules: self.rules.as_ref(),
            ..self.built_in_script()
        }
    }

    /// The script without rules, for a caller that has seen none are loaded: no lock, no copy.
    pub(crate) fn built_in_script(&self) -> crate::script::Script<'_> {
        crate::script::Script {
            rules: Vec::new(),
            file_rules: None,
            reply: self.config.reply.as_deref(),
            auto_tool_calls: self.config.auto_tool_calls,
            unmatched: if self.config.upstream.is_some() {
                crate::script::Unmatched::Forward
            } else if self.config.strict {
                crate::script::Unmatched::Refuse
            } else {
                crate::script::Unmatched::BuiltIn
            },
        }
    }

    /// Whether any fixture rule is loaded, from `--fixtures` or at run time, or a request no
    /// rule matches is not answered by the built-in reply (`--upstream`, `--strict`): either way
    /// every request goes through the script.
    pub(crate) fn has_rules(&self) -> bool {
        self.rules.is_some()
            || self.config.upstream.is_some()
            || self.config.strict
            || !lock(&self.runtime_rules).is_empty()
    }

    /// Starts sequences over, for one scope or all.
    fn reset_sequences(&self, scope: Option<&str>) {
        let mut counters = lock(&self.sequences);
        match scope {
            Some(scope) => counters.retain(|(_, s)| s != scope),
            None => counters.clear(),
        }
    }

    /// With `--strict-models`, a model that is not listed is a 404 as on the real API.
    pub(crate) fn check_model(&self, model: &str) -> Result<(), ApiError> {
        if self.config.strict_models && !self.config.models.iter().any(|m| m == model) {
            return Err(ApiError::model_not_found(model));
        }
        Ok(())
    }
}

/// The 400 when `rules` rules from `bytes` bytes of fixture text would be added at run time.
pub(crate) fn check_runtime(rules: usize, bytes: usize) -> Result<(), ApiError> {
    let over = if rules > MAX_RUNTIME_RULES {
        format!("{rules} rules, more than the limit of {MAX_RUNTIME_RULES} rules added at run time")
    } else if bytes > MAX_RUNTIME_BYTES {
        format!(
            "{bytes} bytes of fixture text, more than the limit of {MAX_RUNTIME_BYTES} bytes added at run time"
        )
    } else {
        return Ok(());
    };
    Err(ApiError::invalid(
        "body",
        "too_many_rules",
        format!(
            "Adding these rules would keep {over}. Remove rules with DELETE /_oaimock/fixtures first."
        ),
    ))
}
