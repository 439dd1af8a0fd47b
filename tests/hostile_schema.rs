//! Hostile JSON Schemas against the real binary: each attack gets a 400 in OpenAI's envelope that
//! names the limit and the schema's parameter, while the server keeps answering, its threads
//! and descriptors come back, and its peak RSS stays within the `Watch` allowance. Each test
//! prints the RSS rise of every attack (KiB) and its worst.

mod common;

use std::time::Duration;

use common::hostile::Watch;
use common::post;
use serde_json::{Value, json};

const CHAT: &str = "/v1/chat/completions";
const RESPONSES: &str = "/v1/responses";

/// Where a schema goes, and the `param` a refusal names.
#[derive(Clone, Copy)]
enum Slot {
    /// Chat `response_format` (json_schema).
    ChatFormat,
    /// Responses `text.format` (json_schema).
    ResponsesFormat,
    /// Chat `tools[1].function.parameters` (after a custom tool) with `tool_choice: required`.
    ChatTool,
    /// Responses `tools[1].parameters` (after a built-in tool) with `tool_choice: required`.
    ResponsesTool,
}

impl Slot {
    const ALL: [Slot; 4] = [
        Slot::ChatFormat,
        Slot::ResponsesFormat,
        Slot::ChatTool,
        Slot::ResponsesTool,
    ];

    fn path(self) -> &'static str {
        match self {
            Slot::ChatFormat | Slot::ChatTool => CHAT,
            Slot::ResponsesFormat | Slot::ResponsesTool => RESPONSES,
        }
    }

    fn param(self) -> &'static str {
        match self {
            Slot::ChatFormat => "response_format",
            Slot::ResponsesFormat => "text.format",
            Slot::ChatTool => "tools[1].function.parameters",
            Slot::ResponsesTool => "tools[1].parameters",
        }
    }

    /// A request whose reply is an instance of `schema`.
    fn body(self, schema: &Value) -> String {
        let chat = |extra: Value| {
            let mut body = json!({"model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": "attack"}]});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            body
        };
        let responses = |extra: Value| {
            let mut body = json!({"model": "gpt-4o-mini", "input": "attack"});
            body.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            body
        };
        match self {
            Slot::ChatFormat => chat(json!({"response_format": {"type": "json_schema",
                "json_schema": {"name": "attack", "schema": schema}}})),
            Slot::ResponsesFormat => responses(json!({"text": {"format": {"type": "json_schema",
                "name": "attack", "schema": schema}}})),
            Slot::ChatTool => chat(json!({"tool_choice": "required", "tools": [
                {"type": "custom", "custom": {"name": "other"}},
                {"type": "function", "function": {"name": "f", "parameters": schema}}]})),
            Slot::ResponsesTool => responses(json!({"tool_choice": "required", "tools": [
                {"type": "web_search"},
                {"type": "function", "name": "f", "parameters": schema}]})),
        }
        .to_string()
    }
}

/// Posts `body` to `path` and asserts a 400 naming `param` whose message contains every one of
/// `names`; returns the body's length (the attack's bytes).
fn refused(watch: &Watch, path: &str, body: &str, param: &str, names: &[&str]) -> usize {
    let got = post(&format!("{}{path}", watch.url()), body);
    let head = &got.body[..got.body.len().min(400)];
    assert_eq!(got.status, 400, "{head}");
    let e = got.error();
    assert_eq!(e["type"], "invalid_request_error", "{head}");
    assert_eq!(e["param"], param, "{head}");
    let message = e["message"].as_str().unwrap();
    for name in names {
        assert!(message.contains(name), "{message:?} lacks {name:?}");
    }
    body.len()
}

/// Runs `attack` on another thread while a normal request must be answered within a second.
fn during<T: Send>(watch: &Watch, attack: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let running = s.spawn(attack);
        watch.answers_within(Duration::from_secs(1));
        running.join().expect("the attack thread")
    })
}

/// Sends the schema in every slot, each refused naming the limit; returns the bytes sent.
fn refused_everywhere(watch: &Watch, schema: &Value, names: &[&str]) -> usize {
    Slot::ALL
        .iter()
        .map(|slot| refused(watch, slot.path(), &slot.body(schema), slot.param(), names))
        .sum()
}

/// Prints every rise and the worst one.
fn report(test: &str, rises: &[(&str, u64)]) {
    for (attack, kib) in rises {
        eprintln!("{test}: {attack}: peak RSS rose {kib} KiB");
    }
    let worst = rises.iter().map(|(_, kib)| kib).max().unwrap_or(&0);
    eprintln!("{test}: worst peak RSS rise {worst} KiB");
}

// Each attack goes to all four slots and the server settles once after them: the harness's
// thread baseline is taken once, and any request that meets one of the Q1 janitor's pokes (one
// every 20 ms) gives the server a pool thread that lives about 12 s more, which `settles` waits
// out. Fewer settles, fewer such waits.

#[test]
fn a_pattern_of_ten_thousand_nested_groups_is_refused_not_a_stack_overflow() {
    let mut watch = Watch::start(&[]);
    let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let schema = json!({"type": "string", "pattern": deep});
    let bytes = refused_everywhere(&watch, &schema, &["MAX_PATTERN_DEPTH", "64"]);
    report("deep pattern", &[("4 slots", watch.settles(bytes))]);
}

#[test]
fn instances_whose_counts_multiply_are_refused_at_one_budget() {
    let mut watch = Watch::start(&[]);
    let product = json!({"type": "string", "pattern": "^(((a{1000}){1000}){1000}){1000}$"});
    let bytes = refused_everywhere(&watch, &product, &["MAX_INSTANCE_BYTES", "8388608"]);
    let product_rise = watch.settles(bytes);
    // The slowest refusal (about 0.2 s in a debug build, building 131072 values before the
    // limit): a normal request is answered while the first one is in flight. Only the first:
    // two connections at once are what most often leaves the server a pool thread to wait out.
    let recursive = json!({"type": "array", "minItems": 1024, "items": {"$ref": "#"}});
    let names = ["MAX_INSTANCE_VALUES", "131072"];
    let mut bytes = 0;
    for (i, slot) in Slot::ALL.into_iter().enumerate() {
        let body = slot.body(&recursive);
        let attack = || refused(&watch, slot.path(), &body, slot.param(), &names);
        bytes += if i == 0 {
            during(&watch, attack)
        } else {
            attack()
        };
    }
    let recursive_rise = watch.settles(bytes);
    report(
        "budget",
        &[
            (
                "pattern (((a{1000}){1000}){1000}){1000}, 4 slots",
                product_rise,
            ),
            (
                "minItems 1024 of $ref #, 4 slots, the first in flight",
                recursive_rise,
            ),
        ],
    );
}

#[test]
fn a_ref_cycle_through_all_of_is_refused_at_once() {
    let mut watch = Watch::start(&[]);
    let cycle = json!({"allOf": [{"$ref": "#/allOf/0"}]});
    let bytes = refused_everywhere(&watch, &cycle, &["$ref", "#/allOf/0", "cycle"]);
    report("$ref cycle", &[("4 slots", watch.settles(bytes))]);
}

/// A chat request for `strings` strings of 1024 bytes as tool-call arguments, in `n` choices.
fn kilobyte_strings(strings: u32, n: u32) -> String {
    json!({"model": "gpt-4o-mini", "n": n, "tool_choice": "required",
        "messages": [{"role": "user", "content": "go"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters":
            {"type": "object", "properties": {"a": {"type": "array", "minItems": strings,
                "items": {"type": "string", "minLength": 1024}}}, "required": ["a"]}}}]})
    .to_string()
}

#[test]
fn tool_call_arguments_of_all_choices_fit_the_response_budget() {
    let mut watch = Watch::start(&[]);
    let param = "tools[0].function.parameters";
    let names = ["262144 bytes", "n = 128", "MAX_RESPONSE_BYTES", "33554432"];
    // 128 choices of a megabyte each would be 128 MB: refused at each choice's share, also
    // when `n` is written as a float.
    let body = kilobyte_strings(1024, 128);
    assert!(body.len() < 400, "a {}-byte request", body.len());
    let mut bytes = refused(&watch, CHAT, &body, param, &names);
    let float = body.replace(r#""n":128"#, r#""n":128.0"#);
    assert!(float.contains("128.0"), "{float}");
    bytes += refused(&watch, CHAT, &float, param, &names);
    // Within the share, every choice carries the same arguments.
    let got = post(&format!("{}{CHAT}", watch.url()), &kilobyte_strings(100, 2));
    assert_eq!(got.status, 200, "{}", &got.body[..got.body.len().min(400)]);
    let choices = got.json()["choices"].as_array().unwrap().clone();
    assert_eq!(choices.len(), 2);
    for choice in &choices {
        let arguments = &choice["message"]["tool_calls"][0]["function"]["arguments"];
        assert!(
            arguments.as_str().unwrap().len() > 100 * 1024,
            "{arguments}"
        );
    }
    let generated = watch.settles(bytes + got.body.len());
    // Scripted arguments (a rule added at run time) cannot be cut either: refused naming `n`.
    let rule = json!({"rules": [{"match": {"user": {"contains": "scripted"}},
        "reply": {"tool_calls": [{"name": "f", "arguments": "x".repeat(300_000)}]}}]})
    .to_string();
    let added = post(&format!("{}/_oaimock/fixtures", watch.url()), &rule);
    assert_eq!(added.status, 200, "{}", added.body);
    let body = json!({"model": "gpt-4o-mini", "n": 128,
        "messages": [{"role": "user", "content": "scripted"}]})
    .to_string();
    let names = ["300000 bytes", "128 choices", "MAX_RESPONSE_BYTES"];
    let bytes = refused(&watch, CHAT, &body, "n", &names);
    let scripted = watch.settles(bytes + rule.len());
    report(
        "n x arguments",
        &[
            ("generated, n = 128", generated),
            ("scripted, n = 128", scripted),
        ],
    );
}

#[test]
fn integer_bounds_at_the_ends_of_the_64_bit_range_give_a_value_within_them_or_a_400() {
    let mut watch = Watch::start(&[]);
    // Only integers below i64::MIN are multiples of 7 under this maximum.
    let none = json!({"type": "integer", "maximum": i64::MIN, "multipleOf": 7});
    let mut bytes = refused_everywhere(&watch, &none, &["no integer", "multiple of 7"]);
    let near = json!({"type": "integer", "maximum": -9_223_372_036_854_775_800_i64,
        "multipleOf": 7});
    let body = Slot::ChatFormat.body(&near);
    let got = post(&format!("{}{CHAT}", watch.url()), &body);
    assert_eq!(got.status, 200, "{}", got.body);
    let content = got.json()["choices"][0]["message"]["content"].clone();
    let value: i64 = content.as_str().unwrap().parse().unwrap();
    assert!(
        value <= -9_223_372_036_854_775_800 && value % 7 == 0,
        "{value}"
    );
    bytes += body.len();
    report(
        "integers",
        &[("4 slots and near i64::MIN", watch.settles(bytes))],
    );
}

#[test]
fn json_mode_prompts_built_to_slow_the_scan_get_the_echo_object() {
    let mut watch = Watch::start(&[]);
    // Every brace opens and none closes, so each is a rescan until MAX_SCAN_STEPS; and a schema
    // that lies past MAX_SCANNED_BYTES of newer text.
    let braces = "{\"a\":[".repeat(1 << 18);
    let schema = json!({"type": "object", "properties": {"x": {"type": "integer"}}});
    let far = format!("{}{schema}", " ".repeat(300 * 1024));
    let mut bytes = 0;
    for prompt in [braces, far] {
        let body = json!({"model": "gpt-4o-mini", "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": prompt}, {"role": "user", "content": "attack"}]})
        .to_string();
        let got = during(&watch, || post(&format!("{}{CHAT}", watch.url()), &body));
        assert_eq!(got.status, 200, "{}", &got.body[..got.body.len().min(400)]);
        let content = got.json()["choices"][0]["message"]["content"].clone();
        assert_eq!(content, json!(r#"{"echo":"attack"}"#));
        bytes += body.len();
    }
    report(
        "json mode scan",
        &[(
            "1.5 MiB of unclosed braces, a schema past 256 KiB",
            watch.settles(bytes),
        )],
    );
}
