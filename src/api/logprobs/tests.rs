//! Logprob values, rankings and costs.

use serde_json::Value;

use super::*;

fn entries(tokens: &[&str], first: usize, top: usize) -> Value {
    serde_json::to_value(Entries::new(tokens, first, top)).unwrap()
}

#[test]
fn values_are_deterministic_negative_and_depend_on_token_and_position() {
    assert_eq!(logprob(" hello", 3), logprob(" hello", 3));
    assert_ne!(logprob(" hello", 3), logprob(" hello", 4));
    for position in 0..2000 {
        let lp = logprob(" word", position);
        assert!((-2.5..=-0.000001).contains(&lp), "{lp}");
    }
}

#[test]
fn top_logprobs_are_sorted_hold_the_chosen_token_and_sum_to_at_most_one() {
    for (token, position) in [
        ("Hello", 0),
        (" there", 1),
        (" the", 7),
        ("the", 0),
        (" é", 9),
    ] {
        for top in 0..=MAX_TOP {
            let v = entries(&[token], position, top);
            let entry = &v[0];
            assert_eq!(entry["token"], token);
            assert_eq!(entry["bytes"], serde_json::json!(token.as_bytes()));
            let tops = entry["top_logprobs"].as_array().unwrap();
            assert_eq!(tops.len(), top);
            let lps: Vec<f64> = tops
                .iter()
                .map(|t| t["logprob"].as_f64().unwrap())
                .collect();
            assert!(lps.windows(2).all(|w| w[0] >= w[1]), "{lps:?}");
            assert!(lps.iter().all(|lp| *lp <= 0.0));
            let mass: f64 = lps.iter().map(|lp| lp.exp()).sum();
            assert!(mass <= 1.0 + 1e-6, "{mass}");
            if top > 0 {
                let chosen = tops.iter().find(|t| t["token"] == token).expect("chosen");
                assert_eq!(chosen["logprob"], entry["logprob"]);
            }
            let mut names: Vec<&str> = tops.iter().map(|t| t["token"].as_str().unwrap()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), top, "distinct tokens");
            for t in tops {
                let text = t["token"].as_str().unwrap();
                assert_eq!(t["bytes"], serde_json::json!(text.as_bytes()));
            }
        }
    }
}

#[test]
fn entries_count_positions_from_first_and_can_leave_bytes_out() {
    let whole = entries(&["Hi", " you"], 0, 2);
    let second = entries(&[" you"], 1, 2);
    assert_eq!(whole[1], second[0]);
    let bare = serde_json::to_value(Entries::new(&[" you"], 1, 2).without_bytes()).unwrap();
    assert!(bare[0].get("bytes").is_none());
    assert!(bare[0]["top_logprobs"][0].get("bytes").is_none());
    assert_eq!(bare[0]["logprob"], second[0]["logprob"]);
}

#[test]
fn costs_bound_what_is_written() {
    for token in ["a", " hello", "\"\n\u{1}", " 日本語", &"w".repeat(300)] {
        for top in [0, 1, 5, MAX_TOP] {
            let tokens = [token];
            let written = serde_json::to_string(&Entries::new(&tokens, 12_345, top)).unwrap();
            // The written list is `[entry]`; the cost counts the entry and a comma.
            assert!(written.len() - 1 <= entry_cost(token, top), "{written}");
        }
    }
    assert_eq!(affordable(["a", "b", "c"].into_iter(), 0, 1, 0, 0), 0);
    let one = 1 + entry_cost("a", 3);
    assert_eq!(affordable(["a", "a", "a"].into_iter(), 3, 1, 0, 2 * one), 2);
    assert_eq!(json_len("a\"\n"), 5);
    assert_eq!(json_len("\u{1}é"), 8);
}

#[test]
fn legacy_maps_list_the_top_tokens() {
    let map = serde_json::to_value(TopMap {
        token: " hi",
        position: 2,
        top: 3,
    })
    .unwrap();
    let map = map.as_object().unwrap();
    assert_eq!(map.len(), 3);
    assert_eq!(map[" hi"].as_f64(), Some(logprob(" hi", 2)));
}
