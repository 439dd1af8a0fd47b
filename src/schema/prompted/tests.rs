//! Prompts shaped as instructor, pydantic-ai, LangChain and dspy write them, and prompts built
//! to make the scan slow.

use serde_json::{Value, json};

use super::{Found, MAX_JSON_DEPTH, MAX_SCANNED_BYTES, scan};

fn found(texts: &[&str]) -> Option<Found> {
    scan(texts).map(|s| s.found)
}

const USER_DETAIL: &str = r#"{
  "properties": {
    "name": {
      "title": "Name",
      "type": "string"
    },
    "age": {
      "title": "Age",
      "type": "integer"
    }
  },
  "required": [
    "name",
    "age"
  ],
  "title": "UserDetail",
  "type": "object"
}"#;

fn user_detail() -> Value {
    serde_json::from_str(USER_DETAIL).unwrap()
}

#[test]
fn instructor_json_mode_pastes_the_schema_inline() {
    let system = format!(
        "\n        As a genius expert, your task is to understand the content and provide\n        \
         the parsed objects in json that match the following json_schema:\n\n\n        \
         {USER_DETAIL}\n\n        Make sure to return an instance of the JSON, not the schema \
         itself\n"
    );
    let got = scan(&["Extract Jason is 25 years old", &system]).unwrap();
    assert_eq!(got.found, Found::Schema(user_detail()));
    assert_eq!(got.text, system);
    assert!(
        got.rest().ends_with("not the schema itself"),
        "{}",
        got.rest()
    );
}

#[test]
fn pydantic_ai_prompted_output_pastes_compact_json() {
    let schema = json!({"properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"], "title": "CityLocation", "type": "object"});
    let instructions = format!(
        "\nAlways respond with a JSON object that's compatible with this schema:\n\n{schema}\n\n\
         Don't include any text or Markdown fencing before or after.\n"
    );
    assert_eq!(
        found(&["Where were the olympics held in 2012?", &instructions]),
        Some(Found::Schema(schema))
    );
}

#[test]
fn langchain_format_instructions_fence_the_schema_after_an_inline_example() {
    let schema = json!({"properties": {"setup": {"description": "question to set up a joke",
        "title": "Setup", "type": "string"}, "punchline": {"title": "Punchline", "type": "string"}},
        "required": ["setup", "punchline"]});
    let instructions = format!(
        "The output should be formatted as a JSON instance that conforms to the JSON schema below.\n\n\
         As an example, for the schema {{\"properties\": {{\"foo\": {{\"title\": \"Foo\", \
         \"description\": \"a list of strings\", \"type\": \"array\", \"items\": {{\"type\": \
         \"string\"}}}}}}, \"required\": [\"foo\"]}}\nthe object {{\"foo\": [\"bar\", \"baz\"]}} is a \
         well-formatted instance of the schema. The object {{\"properties\": {{\"foo\": [\"bar\", \
         \"baz\"]}}}} is not well-formatted.\n\nHere is the output schema:\n```\n{schema}\n```"
    );
    let prompt = format!("Answer the user query.\n{instructions}\nTell me a joke about cats");
    assert_eq!(found(&[&prompt]), Some(Found::Schema(schema)));
}

#[test]
fn dspy_json_adapter_shows_an_example_whose_values_describe_the_fields() {
    let system = "Your input fields are:\n1. `question` (str):\nYour output fields are:\n\
        1. `reasoning` (str):\n2. `answer` (int):\n3. `ok` (bool):\n4. `mood` (Literal['calm', 'wild']):\n\
        All interactions will be structured in the following way, with the appropriate values filled in.\n\n\
        Inputs will have the following structure:\n\n[[ ## question ## ]]\n{question}\n\n\
        Outputs will be a JSON object with the following fields.\n\n{\n  \"reasoning\": \"{reasoning}\",\n  \
        \"answer\": \"{answer}        # note: the value you produce must be a single int value\",\n  \
        \"ok\": \"{ok}        # note: the value you produce must be True or False\",\n  \
        \"mood\": \"{mood}        # note: the value you produce must exactly match (no extra characters) one of: calm; wild\"\n}";
    let user = "[[ ## question ## ]]\nWhat is 2+2?\n\nRespond with a JSON object in the following \
        order of fields: `reasoning`, then `answer` (must be formatted as a valid Python int).";
    let got = found(&[user, system]).unwrap();
    assert!(matches!(got, Found::Example(_)), "{got:?}");
    assert_eq!(
        got.schema()["properties"],
        json!({"reasoning": {"type": "string"}, "answer": {"type": "integer"},
               "ok": {"type": "boolean"}, "mood": {"type": "string", "enum": ["calm", "wild"]}})
    );
}

#[test]
fn an_example_object_gives_its_shape() {
    let prompt = r#"Reply in JSON like {"name": "Ann", "age": 30, "born": "1994-05-01",
        "tags": ["a", "b"], "home": {"lat": 1.5, "email": "a@b.co"}, "vip": false}"#;
    let got = found(&[prompt]).unwrap();
    let schema = got.schema();
    assert_eq!(
        schema["required"],
        json!(["age", "born", "home", "name", "tags", "vip"])
    );
    assert_eq!(schema["properties"]["age"], json!({"type": "integer"}));
    assert_eq!(
        schema["properties"]["born"],
        json!({"type": "string", "format": "date"})
    );
    assert_eq!(
        schema["properties"]["home"]["properties"]["lat"],
        json!({"type": "number"})
    );
    assert_eq!(
        schema["properties"]["home"]["properties"]["email"]["format"],
        "email"
    );
    assert_eq!(schema["properties"]["tags"]["minItems"], 2);
}

#[test]
fn a_schema_anywhere_wins_over_a_newer_example_and_prose_is_nothing() {
    let schema_message = format!("Use this schema: {USER_DETAIL}");
    let example = r#"Here is a record: {"id": 3}"#;
    assert_eq!(
        found(&[example, &schema_message]),
        Some(Found::Schema(user_detail()))
    );
    for prose in [
        "Reply in JSON.",
        "Fill {name} and {age} in",
        "{ unclosed",
        "```json\nnot json\n```",
        "",
    ] {
        assert_eq!(found(&[prose]), None, "{prose}");
    }
    // Braces around the schema that do not make JSON are looked past.
    let messy = format!("{{ see below: {USER_DETAIL}");
    assert_eq!(found(&[&messy]), Some(Found::Schema(user_detail())));
}

#[test]
fn the_scan_is_bounded_in_bytes_depth_and_work() {
    // Past the byte limit, a schema is not seen.
    let far = format!("{}{USER_DETAIL}", " ".repeat(MAX_SCANNED_BYTES));
    assert_eq!(found(&[&far]), None);
    let near = format!(
        "{}{USER_DETAIL}",
        " ".repeat(MAX_SCANNED_BYTES - USER_DETAIL.len())
    );
    assert!(found(&[&near]).is_some());
    // The limit is over all messages, newest first.
    let half = " ".repeat(MAX_SCANNED_BYTES / 2 + 1);
    assert_eq!(found(&[&half, &half, USER_DETAIL]), None);
    // Too deep to be taken whole: only an inner object within the depth limit is.
    let deep = format!("{}1{}", r#"{"a":"#.repeat(100), "}".repeat(100));
    let Some(Found::Example(inner)) = found(&[&deep]) else {
        panic!("the inner object is an example")
    };
    assert_eq!(super::depth(&inner), MAX_JSON_DEPTH);
    // Unclosed braces make every brace a rescan: the work limit ends it.
    let braces = "{\"a\":[".repeat(MAX_SCANNED_BYTES / 6);
    let started = std::time::Instant::now();
    assert_eq!(found(&[&braces]), None);
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}
