//! Unit tests of the Azure path split, the version check and the query reader.

use super::*;

#[test]
fn azure_paths_split_into_deployment_and_openai_path() {
    let p = split("/openai/deployments/gpt%2D4o/chat/completions").unwrap();
    assert_eq!(
        (p.deployment, p.rest, p.classic),
        (Some("gpt%2D4o"), "/chat/completions", true)
    );
    let p = split("/openai/deployments/only").unwrap();
    assert_eq!((p.deployment, p.rest), (Some("only"), ""));
    let p = split("/openai/v1/responses").unwrap();
    assert_eq!(
        (p.deployment, p.rest, p.classic),
        (None, "/responses", false)
    );
    let p = split("/openai/files").unwrap();
    assert_eq!((p.deployment, p.rest, p.classic), (None, "/files", true));
    assert!(split("/openaix/files").is_none());
    assert!(split("/v1/chat/completions").is_none());
}

#[test]
fn versions_are_dated_from_2022_12_01_or_v1_keywords() {
    assert!(check_version(Some("2024-10-21"), true).is_ok());
    assert!(check_version(Some("2025-04-01-preview"), true).is_ok());
    assert_eq!(check_version(None, true).unwrap_err().status, 404);
    assert_eq!(
        check_version(Some("2022-06-01"), true).unwrap_err().status,
        400
    );
    assert_eq!(
        check_version(Some("2024-1-21"), true).unwrap_err().status,
        400
    );
    assert!(check_version(None, false).is_ok());
    assert!(check_version(Some("preview"), false).is_ok());
    assert_eq!(
        check_version(Some("2024-10-21"), false).unwrap_err().status,
        400
    );
}

#[test]
fn the_query_value_is_found_and_decoded() {
    assert_eq!(
        query_value("a=1&api-version=2024%2D10%2D21", "api-version").as_deref(),
        Some("2024-10-21")
    );
    assert_eq!(
        query_value("api-version", "api-version").as_deref(),
        Some("")
    );
    assert_eq!(query_value("x=1", "api-version"), None);
}

#[test]
fn uuids_have_the_version_4_layout() {
    let id = uuid();
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(parts[2].starts_with('4'));
}
