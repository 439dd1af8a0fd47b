//! The state every handler reads, built once at start-up and shared by all workers: the config,
//! the rule sets, random faults, the rate limiter and the journal.

use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::error::ApiError;
use crate::faults::{Chaos, RateLimit};
use crate::fixtures::{LoadError, RuleSet};
use crate::journal::Journal;
use crate::sync::lock;

/// State every handler reads; built once at start-up and shared by all workers.
pub(crate) struct App {
    pub config: Config,
    /// `system_fingerprint`: fixed for the life of the process, as the real one is per deployment.
    pub fingerprint: String,
    /// The `--fixtures` rules, loaded whole at start-up.
    pub rules: Option<RuleSet>,
    /// Rules added through `POST /_oaimock/fixtures`, matched before the file's, oldest first.
    pub runtime_rules: Mutex<Vec<Arc<RuleSet>>>,
    /// Random faults (`--fault-rate`, `--seed`).
    pub chaos: Chaos,
    /// `--rpm` / `--tpm`.
    pub limits: RateLimit,
    pub journal: Journal,
    /// Whether the `/_oaimock/*` admin paths answer.
    pub admin: bool,
}

impl App {
    /// Loads `--fixtures` when given; every problem in them is an error, so no rule set is half-loaded.
    pub(crate) fn new(config: Config) -> Result<App, LoadError> {
        let rules = match &config.fixtures {
            Some(path) => Some(crate::fixtures::load(path)?),
            None => None,
        };
        let seed = config.seed.unwrap_or_else(crate::ids::next_u64);
        let loopback = config.host == "localhost"
            || config
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        Ok(App {
            chaos: Chaos::new(config.fault_rate, config.fault_statuses.clone(), seed),
            limits: RateLimit::new(config.rpm, config.tpm),
            journal: Journal::new(config.journal_size, &config.redact_headers),
            admin: !config.no_admin && (loopback || config.api_key.is_some()),
            runtime_rules: Mutex::new(Vec::new()),
            fingerprint: crate::ids::hex("fp_", 10),
            rules,
            config,
        })
    }

    /// The rules added at run time, as they are now (a copy of the list, not of the rules).
    pub(crate) fn runtime_rules(&self) -> Vec<Arc<RuleSet>> {
        crate::sync::lock(&self.runtime_rules).clone()
    }

    /// Adds a rule set after those added before (the oldest matching rule answers); returns its
    /// rule count and the run-time total.
    pub(crate) fn add_rules(&self, rules: RuleSet) -> (usize, usize) {
        let added = rules.rules.len();
        let mut runtime = lock(&self.runtime_rules);
        runtime.push(Arc::new(rules));
        (added, runtime.iter().map(|r| r.rules.len()).sum())
    }

    /// Removes every rule added at run time; returns how many there were.
    pub(crate) fn clear_rules(&self) -> usize {
        let removed = std::mem::take(&mut *lock(&self.runtime_rules));
        removed.iter().map(|r| r.rules.len()).sum()
    }

    /// Starts sequences, rate-limit counters and the journal over, for one scope or all (all also
    /// restarts the random faults' draws).
    pub(crate) fn reset(&self, scope: Option<&str>) {
        for rules in self.runtime_rules() {
            rules.reset(scope);
        }
        if let Some(rules) = &self.rules {
            rules.reset(scope);
        }
        self.limits.reset(scope);
        if scope.is_none() {
            self.chaos.reset();
        }
        self.journal.clear(scope);
    }

    /// The script over the rules as they are now.
    pub(crate) fn script(&self) -> crate::script::Script<'_> {
        crate::script::Script {
            rules: self.runtime_rules(),
            file_rules: self.rules.as_ref(),
            reply: self.config.reply.as_deref(),
            auto_tool_calls: self.config.auto_tool_calls,
        }
    }

    /// Whether any fixture rule is loaded, from `--fixtures` or at run time.
    pub(crate) fn has_rules(&self) -> bool {
        self.rules.is_some() || !crate::sync::lock(&self.runtime_rules).is_empty()
    }

    /// With `--strict-models`, a model that is not listed is a 404 as on the real API.
    pub(crate) fn check_model(&self, model: &str) -> Result<(), ApiError> {
        if self.config.strict_models && !self.config.models.iter().any(|m| m == model) {
            return Err(ApiError::model_not_found(model));
        }
        Ok(())
    }
}
