//! Fixture rules built in Rust: the same vocabulary as a fixture file (see
//! `tests/fixtures/README.md`), checked by the same code when mounted.

use std::time::Duration;

use serde_json::{Map, Value, json};

/// One scripted reply and the requests it answers. Start from [`Rule::new`] (every request),
/// narrow it with the matchers, and give it a reply; then
/// [`Server::mount`](crate::Server::mount) it. Mounted rules are tried oldest first, before any
/// `--fixtures` file's rules; the first that matches answers.
///
/// ```
/// use oaimock::Rule;
/// let rule = Rule::new()
///     .named("weather")
///     .endpoint("chat")
///     .user("*weather*")
///     .reply_tool_call("get_weather", serde_json::json!({"city": "Paris"}));
/// # let _ = rule;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rule {
    name: Option<String>,
    when: Map<String, Value>,
    reply: Map<String, Value>,
}

impl Rule {
    /// A rule that matches every request and has no reply yet (mounting it without one fails).
    pub fn new() -> Rule {
        Rule::default()
    }

    /// A name for the journal's `answered_by` (`rule 0 (name)`).
    pub fn named(mut self, name: &str) -> Rule {
        self.name = Some(name.to_string());
        self
    }

    fn when(mut self, key: &str, value: Value) -> Rule {
        self.when.insert(key.to_string(), value);
        self
    }

    fn say(mut self, key: &str, value: Value) -> Rule {
        self.reply.insert(key.to_string(), value);
        self
    }

    /// Only requests to this endpoint: `chat`, `completions`, `responses`, `embeddings`,
    /// `moderations`, `speech`, `transcriptions`, `translations` or `images`.
    pub fn endpoint(self, endpoint: &str) -> Rule {
        self.when("endpoint", json!(endpoint))
    }

    /// Only requests whose `model` matches this glob (`*` any run, `?` one character).
    pub fn model(self, glob: &str) -> Rule {
        self.when("model", json!(glob))
    }

    /// Only requests whose last user message matches this glob.
    pub fn user(self, glob: &str) -> Rule {
        self.when("user", json!({ "glob": glob }))
    }

    /// Only requests whose last user message contains this text.
    pub fn user_contains(self, text: &str) -> Rule {
        self.when("user", json!({ "contains": text }))
    }

    /// Only requests whose system and developer text matches this glob.
    pub fn system(self, glob: &str) -> Rule {
        self.when("system", json!({ "glob": glob }))
    }

    /// Only requests that offer a function tool of this name.
    pub fn tool(self, name: &str) -> Rule {
        self.when("tool", json!(name))
    }

    /// Only requests with exactly this many assistant turns so far.
    pub fn assistant_turns(self, turns: u32) -> Rule {
        self.when("assistant_turns", json!(turns))
    }

    /// Only requests that carry this header with exactly this value (names case-insensitive).
    pub fn header(mut self, name: &str, value: &str) -> Rule {
        let headers = self
            .when
            .entry("headers")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(headers) = headers {
            headers.insert(name.to_string(), json!(value));
        }
        self
    }

    /// Only requests whose JSON body contains this object as a subset.
    pub fn body(self, subset: Value) -> Rule {
        self.when("body", subset)
    }

    /// Answers with this assistant text.
    pub fn reply_text(self, text: &str) -> Rule {
        self.say("text", json!(text))
    }

    /// Answers with this value as the assistant's JSON text.
    pub fn reply_json(self, value: Value) -> Rule {
        self.say("json", value)
    }

    /// Answers with a call of this function (call it again for parallel calls).
    pub fn reply_tool_call(mut self, name: &str, arguments: Value) -> Rule {
        let call = json!({ "name": name, "arguments": arguments });
        match self.reply.get_mut("tool_calls") {
            Some(Value::Array(calls)) => calls.push(call),
            _ => {
                self.reply.insert("tool_calls".into(), json!([call]));
            }
        }
        self
    }

    /// Answers with a refusal.
    pub fn reply_refusal(self, text: &str) -> Rule {
        self.say("refusal", json!(text))
    }

    /// Answers with an HTTP error (400–599) in OpenAI's envelope.
    pub fn reply_error(self, status: u16, message: &str) -> Rule {
        self.say("error", json!({ "status": status, "message": message }))
    }

    /// Waits this long before the first byte of the answer.
    pub fn ttft(self, ttft: Duration) -> Rule {
        self.say("ttft_ms", json!(ttft.as_millis() as u64))
    }

    /// Pauses this long before each streamed token.
    pub fn token_delay(self, delay: Duration) -> Rule {
        self.say("token_delay_ms", json!(delay.as_millis() as u64))
    }

    /// Any other reply key of the fixture format (`sequence`, `usage`, `finish_reason`, `fault`…).
    pub fn reply_with(self, key: &str, value: Value) -> Rule {
        self.say(key, value)
    }

    /// The rule as a fixture file would hold it.
    pub fn to_json(&self) -> Value {
        let mut rule = Map::new();
        if let Some(name) = &self.name {
            rule.insert("name".into(), json!(name));
        }
        rule.insert("match".into(), Value::Object(self.when.clone()));
        rule.insert("reply".into(), Value::Object(self.reply.clone()));
        Value::Object(rule)
    }
}
