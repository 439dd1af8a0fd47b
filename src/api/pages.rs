//! Cursor pagination as the stateful API lists objects (`after`, `limit`, `order`; `first_id`,
//! `last_id`, `has_more`), and the query string readers the listings share.

use serde::Serialize;

use crate::error::ApiError;
use crate::http::Head;

/// The most objects one page lists, as on the API (`limit` is 1 to 100).
pub(crate) const MAX_PAGE: usize = 100;

/// `name=value` pairs of the query string, percent-decoded (`+` is a space).
pub(crate) fn query_pairs(info: &Head) -> impl Iterator<Item = (String, String)> + '_ {
    info.query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .map(|(k, v)| {
            let decode = |s: &str| crate::api::percent_decode(&s.replace('+', " "));
            (decode(k), decode(v))
        })
}

/// The first value of `name` in the query string.
pub(crate) fn query(info: &Head, name: &str) -> Option<String> {
    query_pairs(info).find(|(k, _)| k == name).map(|(_, v)| v)
}

/// What a listing asks for.
pub(crate) struct PageQuery {
    pub after: Option<String>,
    pub limit: usize,
    pub descending: bool,
}

/// Reads `after`, `limit` (1 to 100, default 20) and `order` (`asc` or `desc`).
pub(crate) fn page_query(info: &Head, descending: bool) -> Result<PageQuery, ApiError> {
    page_query_within(info, descending, 20, MAX_PAGE)
}

/// [`page_query`] for a listing whose `limit` has another default and maximum (files: 10,000).
pub(crate) fn page_query_within(
    info: &Head,
    descending: bool,
    default: usize,
    max: usize,
) -> Result<PageQuery, ApiError> {
    let limit = match query(info, "limit") {
        None => default,
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    "integer_above_max_value",
                    format!(
                        "Invalid 'limit': expected an integer from 1 to {max}, but got '{text}' instead."
                    ),
                ));
            }
        },
    };
    let descending = match query(info, "order").as_deref() {
        None => descending,
        Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "order",
                "invalid_value",
                format!("Invalid value: '{other}'. Supported values are: 'asc' and 'desc'."),
            ));
        }
    };
    Ok(PageQuery {
        after: query(info, "after").filter(|a| !a.is_empty()),
        limit,
        descending,
    })
}

/// One page of a list.
#[derive(Serialize)]
pub(crate) struct Page<T> {
    pub object: &'static str,
    pub data: Vec<T>,
    /// `null` on an empty page.
    pub first_id: Option<String>,
    pub last_id: Option<String>,
    pub has_more: bool,
}

/// The page `q` asks for of `items` (oldest first, with their ids). An `after` that is not in
/// the list is a 400 naming it.
pub(crate) fn page<T>(mut items: Vec<(String, T)>, q: &PageQuery) -> Result<Page<T>, ApiError> {
    if q.descending {
        items.reverse();
    }
    let start = match &q.after {
        None => 0,
        Some(after) => match items.iter().position(|(id, _)| id == after) {
            Some(i) => i + 1,
            None => {
                return Err(ApiError::invalid(
                    "after",
                    "invalid_value",
                    format!("Invalid 'after': no object with id '{after}' is in this list."),
                ));
            }
        },
    };
    let has_more = items.len() > start + q.limit;
    let data: Vec<(String, T)> = items.into_iter().skip(start).take(q.limit).collect();
    Ok(Page {
        object: "list",
        first_id: data.first().map(|(id, _)| id.clone()),
        last_id: data.last().map(|(id, _)| id.clone()),
        has_more,
        data: data.into_iter().map(|(_, v)| v).collect(),
    })
}
