//! `usage` as chat and legacy completions report it, with the token-detail objects the SDKs read.

use serde::Serialize;

use crate::conversation::UsageOverride;

#[derive(Serialize, Debug, Clone, Copy)]
pub(crate) struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub prompt_tokens_details: PromptDetails,
    pub completion_tokens_details: CompletionDetails,
}

#[derive(Serialize, Debug, Clone, Copy, Default)]
pub(crate) struct PromptDetails {
    pub cached_tokens: u64,
    pub audio_tokens: u64,
}

#[derive(Serialize, Debug, Clone, Copy, Default)]
pub(crate) struct CompletionDetails {
    pub reasoning_tokens: u64,
    pub audio_tokens: u64,
    pub accepted_prediction_tokens: u64,
    pub rejected_prediction_tokens: u64,
}

impl Usage {
    /// The counts after a fixture's override (`total` = the sum unless it sets one).
    pub(crate) fn new(overridden: Option<UsageOverride>, prompt: u64, completion: u64) -> Usage {
        let (prompt_tokens, completion_tokens, total_tokens) =
            UsageOverride::apply(overridden, prompt, completion);
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens,
            prompt_tokens_details: PromptDetails::default(),
            completion_tokens_details: CompletionDetails::default(),
        }
    }
}
