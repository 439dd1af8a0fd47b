//! The state every handler reads, built once at start-up and shared by all workers: the config,
//! the rule sets, random faults, the rate limiter and the journal.

use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::error::ApiError;
use crate::faults::{Chaos, RateLimit};
use crate::fixtures::{LoadError, RuleSet};
use crate::journal::Journal;

/// State every handler reads; built once at start-up and shared by all workers.
pub struct App {
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
    pub fn new(config: Config) -> Result<App, LoadError> {
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
            journal: Journal::new(config.journal_size),
            admin: !config.no_admin && (loopback || config.api_key.is_some()),
            runtime_rules: Mutex::new(Vec::new()),
            fingerprint: crate::ids::hex("fp_", 10),
            rules,
            config,
        })
    }

    /// The rules added at run time, as they are now (a copy of the list, not of the rules).
    pub fn runtime_rules(&self) -> Vec<Arc<RuleSet>> {
        crate::sync::lock(&self.runtime_rules).clone()
    }

    /// Whether any fixture rule is loaded, from `--fixtures` or at run time.
    pub fn has_rules(&self) -> bool {
        self.rules.is_some() || !crate::sync::lock(&self.runtime_rules).is_empty()
    }

    /// With `--strict-models`, a model that is not listed is a 404 as on the real API.
    pub fn check_model(&self, model: &str) -> Result<(), ApiError> {
        if self.config.strict_models && !self.config.models.iter().any(|m| m == model) {
            return Err(ApiError::model_not_found(model));
        }
        Ok(())
    }
}
