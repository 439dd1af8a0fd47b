//! Structured output over HTTP: plausible values inside zod 4's safe-integer bounds (chat
//! `json_schema`, Responses `text.format`, tool-call arguments), and JSON mode answering the
//! schema or example the prompt shows, as instructor, pydantic-ai, LangChain and dspy write it.

mod common;

use common::{post, start};
use oaimock::Server;
use serde_json::{Value, json};

const SAFE: i64 = 9_007_199_254_740_991;

/// What zod 4's `toJSONSchema` writes for an object of `z.number().int()` fields, a
/// `.positive()` one, a string `.email()`, a `.datetime()` and an array of ints.
fn zod_schema() -> Value {
    let int = json!({"type": "integer", "minimum": -SAFE, "maximum": SAFE});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": int,
            "quantity": {"type": "integer", "exclusiveMinimum": 0, "maximum": SAFE},
            "email": {"type": "string", "format": "email",
                "pattern": "^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$"},
            "created": {"type": "string", "format": "date-time"},
            "ratings": {"type": "array", "items": int}
        },
        "required": ["name", "age", "quantity", "email", "created", "ratings"],
        "additionalProperties": false
    })
}

/// Every integer of `value` is inside the safe-integer range, off its ends, and small.
fn check_zod_instance(value: &Value) {
    let obj = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"));
    let mut ints = vec![&obj["age"], &obj["quantity"]];
    ints.extend(obj["ratings"].as_array().unwrap());
    for v in ints {
        let i = v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"));
        assert!(i.abs() < SAFE, "{i} is a bound");
        assert!(
            (1..=1000).contains(&i),
            "{i} is not a plausible number ({value})"
        );
    }
    let email = obj["email"].as_str().unwrap();
    assert!(
        email.contains('@') && email.ends_with("example.com"),
        "{email}"
    );
    assert!(obj["created"].as_str().unwrap().ends_with('Z'));
}

fn chat(server: &Server, body: &Value) -> Value {
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &body.to_string(),
    );
    assert_eq!(got.status, 200, "{}", got.body);
    got.json()
}

fn content(reply: &Value) -> Value {
    let text = reply["choices"][0]["message"]["content"].as_str().unwrap();
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn zod_safe_integer_bounds_give_plausible_integers_everywhere() {
    let server = start(|_| {});
    let format = json!({"type": "json_schema", "json_schema": {"name": "order", "schema": zod_schema(), "strict": true}});
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "An order"}],
        "response_format": format});
    let first = content(&chat(&server, &body));
    check_zod_instance(&first);
    assert_eq!(
        first["name"], "An order",
        "the first free string carries the message"
    );
    assert_eq!(content(&chat(&server, &body)), first, "deterministic");
    // The Responses API's text.format.
    let body = json!({"model": "m", "input": "An order", "text": {"format":
        {"type": "json_schema", "name": "order", "schema": zod_schema(), "strict": true}}});
    let got = post(&format!("{}/v1/responses", server.url()), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    let text = got.json()["output"][0]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), first);
    // Tool-call arguments, as the Vercel AI SDK or LangChain JS send a zod tool.
    let body = json!({"model": "m", "messages": [{"role": "user", "content": "Order it"}],
        "tools": [{"type": "function", "function": {"name": "place_order", "parameters": zod_schema()}}],
        "tool_choice": "required"});
    let reply = chat(&server, &body);
    let arguments = reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
        .as_str()
        .unwrap();
    check_zod_instance(&serde_json::from_str(arguments).unwrap());
}

/// A chat request in JSON mode with these messages.
fn json_mode(messages: Value) -> Value {
    json!({"model": "gpt-4o-mini", "messages": messages, "response_format": {"type": "json_object"}})
}

const USER_DETAIL: &str = "{\n  \"properties\": {\n    \"name\": {\n      \"title\": \"Name\",\n      \
    \"type\": \"string\"\n    },\n    \"age\": {\n      \"title\": \"Age\",\n      \"type\": \
    \"integer\"\n    }\n  },\n  \"required\": [\n    \"name\",\n    \"age\"\n  ],\n  \"title\": \
    \"UserDetail\",\n  \"type\": \"object\"\n}";

#[test]
fn json_mode_answers_the_schema_instructor_puts_in_the_system_message() {
    let server = start(|_| {});
    let system = format!(
        "\n        As a genius expert, your task is to understand the content and provide\n        \
         the parsed objects in json that match the following json_schema:\n\n\n        {USER_DETAIL}\n\n        \
         Make sure to return an instance of the JSON, not the schema itself\n"
    );
    let body = json_mode(json!([
        {"role": "system", "content": system},
        {"role": "user", "content": "Extract Jason is 25 years old"}
    ]));
    let reply = chat(&server, &body);
    let user = content(&reply);
    assert_eq!(user.as_object().unwrap().len(), 2, "{user}");
    assert_eq!(user["name"], "Extract Jason is 25 years old");
    let age = user["age"].as_i64().unwrap();
    assert!((18..68).contains(&age), "{age}");
    assert_eq!(reply["choices"][0]["finish_reason"], "stop");
    // Streamed, the same text arrives in pieces.
    let mut streamed = body.clone();
    streamed["stream"] = json!(true);
    let got = post(
        &format!("{}/v1/chat/completions", server.url()),
        &streamed.to_string(),
    );
    let text: String = got
        .chunks()
        .iter()
        .filter_map(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), user);
}

#[test]
fn json_mode_answers_pydantic_ai_prompted_output_on_the_responses_api() {
    let server = start(|_| {});
    let schema = json!({"properties": {"city": {"type": "string"}, "country": {"type": "string"},
        "population": {"type": "integer", "minimum": 0}}, "required": ["city", "country", "population"],
        "title": "CityLocation", "type": "object"});
    let instructions = format!(
        "\nAlways respond with a JSON object that's compatible with this schema:\n\n{schema}\n\n\
         Don't include any text or Markdown fencing before or after.\n"
    );
    let body = json!({"model": "gpt-4o", "instructions": instructions,
        "input": [{"role": "user", "content": "Where were the olympics held in 2012?"}],
        "text": {"format": {"type": "json_object"}}});
    let got = post(&format!("{}/v1/responses", server.url()), &body.to_string());
    assert_eq!(got.status, 200, "{}", got.body);
    let text = got.json()["output"][0]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["city"], "Where were the olympics held in 2012?");
    assert!(
        v["country"]
            .as_str()
            .is_some_and(|c| !c.is_empty() && c != "text")
    );
    assert!(v["population"].as_i64().unwrap() > 0);
    assert_eq!(v.as_object().unwrap().len(), 3);
}

#[test]
fn json_mode_finds_langchain_s_fenced_schema_in_the_user_message() {
    let server = start(|_| {});
    let schema = json!({"properties": {"setup": {"description": "question to set up a joke",
        "title": "Setup", "type": "string"}, "punchline": {"description": "answer to resolve the joke",
        "title": "Punchline", "type": "string"}, "rating": {"type": "integer", "minimum": 1, "maximum": 10}},
        "required": ["setup", "punchline", "rating"]});
    let prompt = format!(
        "Answer the user query.\nThe output should be formatted as a JSON instance that conforms to \
         the JSON schema below.\n\nAs an example, for the schema {{\"properties\": {{\"foo\": \
         {{\"title\": \"Foo\", \"description\": \"a list of strings\", \"type\": \"array\", \"items\": \
         {{\"type\": \"string\"}}}}}}, \"required\": [\"foo\"]}}\nthe object {{\"foo\": [\"bar\", \
         \"baz\"]}} is a well-formatted instance of the schema. The object {{\"properties\": \
         {{\"foo\": [\"bar\", \"baz\"]}}}} is not well-formatted.\n\nHere is the output schema:\n\
         ```\n{schema}\n```\nTell me a joke about cats"
    );
    let v = content(&chat(
        &server,
        &json_mode(json!([{"role": "user", "content": prompt}])),
    ));
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["punchline", "rating", "setup"]);
    let rating = v["rating"].as_i64().unwrap();
    assert!((2..=9).contains(&rating), "{rating}");
    // The message minus the schema is the caller's text: the first free string carries it.
    let punchline = v["punchline"].as_str().unwrap();
    assert!(
        punchline.starts_with("Answer the user query."),
        "{punchline}"
    );
    assert!(
        punchline.ends_with("Tell me a joke about cats"),
        "{punchline}"
    );
    assert!(!punchline.contains("```"), "{punchline}");
}

#[test]
fn json_mode_answers_dspy_s_example_with_the_types_its_notes_ask_for() {
    let server = start(|_| {});
    let system = "Your input fields are:\n1. `question` (str):\nYour output fields are:\n1. `reasoning` (str):\n\
        2. `answer` (int):\nAll interactions will be structured in the following way, with the appropriate \
        values filled in.\n\nInputs will have the following structure:\n\n[[ ## question ## ]]\n{question}\n\n\
        Outputs will be a JSON object with the following fields.\n\n{\n  \"reasoning\": \"{reasoning}\",\n  \
        \"answer\": \"{answer}        # note: the value you produce must be a single int value\"\n}\n\
        In adhering to this structure, your objective is: \n        Given the fields `question`, produce the fields `answer`.";
    let user = "[[ ## question ## ]]\nWhat is 2+2?\n\nRespond with a JSON object in the following order \
        of fields: `reasoning`, then `answer` (must be formatted as a valid Python int).";
    let body = json_mode(
        json!([{"role": "system", "content": system}, {"role": "user", "content": user}]),
    );
    let v = content(&chat(&server, &body));
    assert!(v["answer"].is_i64(), "{v}");
    assert_eq!(v["reasoning"], user);
    assert_eq!(v.as_object().unwrap().len(), 2);
}

#[test]
fn json_mode_copies_the_shape_of_an_example_object() {
    let server = start(|_| {});
    let prompt = r#"List a person as JSON, e.g. {"name": "Ann Lee", "age": 41, "email": "ann@corp.io", "tags": ["x", "y"], "active": true}"#;
    let v = content(&chat(
        &server,
        &json_mode(json!([{"role": "user", "content": prompt}])),
    ));
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["active", "age", "email", "name", "tags"]);
    assert!(v["active"].is_boolean() && v["age"].is_i64());
    assert!(v["email"].as_str().unwrap().contains('@'));
    assert_eq!(v["tags"].as_array().unwrap().len(), 2);
    assert!(v["tags"].as_array().unwrap().iter().all(Value::is_string));
}

#[test]
fn json_mode_without_a_schema_or_example_still_echoes_in_an_object() {
    let server = start(|_| {});
    for prompt in [
        "Reply in JSON",
        "Use {placeholders} freely",
        "```json\nnot json\n```",
    ] {
        let v = content(&chat(
            &server,
            &json_mode(json!([{"role": "user", "content": prompt}])),
        ));
        assert_eq!(v, json!({"echo": prompt}));
    }
    // A schema past a generation limit is not a request error: the echo object answers.
    let huge = json!({"type": "array", "minItems": 1024, "items": {"$ref": "#"}});
    let prompt = format!("Answer with this schema: {huge}");
    let v = content(&chat(
        &server,
        &json_mode(json!([{"role": "user", "content": prompt}])),
    ));
    assert_eq!(v, json!({"echo": prompt}));
}

/// instructor's MD_JSON mode: no `response_format`, the schema in the system message, and a last
/// user message asking for a ```json block, which instructor then cuts out and validates.
#[test]
fn a_request_for_a_json_block_gets_an_instance_of_the_prompt_s_schema_fenced() {
    let server = start(|_| {});
    let system = format!(
        "As a genius expert, your task is to understand the content and provide the parsed \
         objects in json that match the following json_schema:\n\n{USER_DETAIL}\n\nMake sure to \
         return an instance of the JSON, not the schema itself"
    );
    let ask = "Return the correct JSON response within a ```json codeblock. not the JSON_SCHEMA";
    let body = json!({"model": "gpt-4o-mini", "messages": [
        {"role": "system", "content": system},
        {"role": "user", "content": "Extract Jason is 25 years old"},
        {"role": "user", "content": ask}
    ]});
    let reply = chat(&server, &body);
    let text = reply["choices"][0]["message"]["content"].as_str().unwrap();
    let inner = text
        .strip_prefix("```json\n")
        .and_then(|t| t.strip_suffix("\n```"))
        .unwrap_or_else(|| panic!("not a fenced json block: {text}"));
    let user: Value = serde_json::from_str(inner).unwrap();
    assert_eq!(user.as_object().unwrap().len(), 2, "{user}");
    assert!(user["name"].is_string(), "{user}");
    let age = user["age"].as_i64().unwrap();
    assert!((18..68).contains(&age), "{age}");
    // Without a schema or an example in the prompt, the same ask is echoed as any text is.
    let plain = json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": ask}]});
    let echoed = chat(&server, &plain);
    assert_eq!(
        echoed["choices"][0]["message"]["content"],
        format!("As a mock AI Assistant, I can only echo your last message: {ask}")
    );
}
