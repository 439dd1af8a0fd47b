//! The four prompt shapes legacy completions and embeddings share: a string, strings, one token
//! array, or token arrays. Each endpoint words the errors its own way.

use serde_json::Value;

/// Where an array of prompts breaks the shape of its first item.
#[derive(Debug, PartialEq)]
pub(crate) enum ShapeError<'v> {
    /// The first item is none of a string, a number or an array.
    First(&'v Value),
    /// Item `at` of a list of strings is not a string (`None`), or is empty where that is refused.
    NotString {
        at: usize,
        got: &'v Value,
    },
    EmptyString {
        at: usize,
    },
    /// Item `at` of a list of token arrays is not an array, or is an empty one.
    NotTokens {
        at: usize,
        got: &'v Value,
    },
    EmptyTokens {
        at: usize,
    },
    /// Token `index` (of token array `at`, when there are several) is not a non-negative integer.
    BadToken {
        at: Option<usize>,
        index: usize,
        got: &'v Value,
    },
}

/// The prompts of a non-empty array, as text; `empty_strings` says whether `""` is a prompt.
pub(crate) fn read(items: &[Value], empty_strings: bool) -> Result<Vec<String>, ShapeError<'_>> {
    match &items[0] {
        Value::Number(_) => {
            let text = token_text(items).map_err(|index| ShapeError::BadToken {
                at: None,
                index,
                got: &items[index],
            })?;
            Ok(vec![text])
        }
        Value::String(_) => items
            .iter()
            .enumerate()
            .map(|(at, item)| match item {
                Value::String(s) if s.is_empty() && !empty_strings => {
                    Err(ShapeError::EmptyString { at })
                }
                Value::String(s) => Ok(s.clone()),
                got => Err(ShapeError::NotString { at, got }),
            })
            .collect(),
        Value::Array(_) => items
            .iter()
            .enumerate()
            .map(|(at, item)| match item {
                Value::Array(tokens) if tokens.is_empty() => Err(ShapeError::EmptyTokens { at }),
                Value::Array(tokens) => token_text(tokens).map_err(|index| ShapeError::BadToken {
                    at: Some(at),
                    index,
                    got: &tokens[index],
                }),
                got => Err(ShapeError::NotTokens { at, got }),
            })
            .collect(),
        other => Err(ShapeError::First(other)),
    }
}

/// The mock has no tokenizer, so a token array reads as its numbers joined by spaces
/// (`[1212, 318]` → `"1212 318"`): one word per token, which keeps `usage` honest. `Err` holds the
/// index of the first item that is not a non-negative integer.
pub(crate) fn token_text(tokens: &[Value]) -> Result<String, usize> {
    let mut text = String::with_capacity(tokens.len() * 6);
    for (i, token) in tokens.iter().enumerate() {
        let id = token.as_u64().ok_or(i)?;
        if i > 0 {
            text.push(' ');
        }
        text.push_str(&id.to_string());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn token_prompts_read_as_numbers_joined_by_spaces() {
        assert_eq!(
            token_text(&[json!(1212), json!(318)]),
            Ok("1212 318".into())
        );
        assert_eq!(token_text(&[json!(7)]), Ok("7".into()));
        assert_eq!(token_text(&[json!(1), json!(-2)]), Err(1));
        assert_eq!(token_text(&[json!(1.5)]), Err(0));
    }

    #[test]
    fn errors_point_at_the_first_bad_item() {
        let items = [json!("a"), json!(""), json!(1)];
        assert_eq!(read(&items, false), Err(ShapeError::EmptyString { at: 1 }));
        assert_eq!(
            read(&items, true),
            Err(ShapeError::NotString {
                at: 2,
                got: &json!(1)
            })
        );
        let nested = [json!([1]), json!([2, "x"])];
        assert_eq!(
            read(&nested, true),
            Err(ShapeError::BadToken {
                at: Some(1),
                index: 1,
                got: &json!("x")
            })
        );
    }
}
