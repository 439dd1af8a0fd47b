//! The thirteen moderation categories, which of them images apply to, and how a request or a
//! fixture rule names the ones to flag: `[flag:violence]` markers in the text, or a rule's reply
//! text listing category names. Flagging a subcategory (`hate/threatening`) flags its parent.

/// Every category, in the API's order, and whether images are classified for it.
pub(super) const CATEGORIES: [(&str, bool); 13] = [
    ("harassment", false),
    ("harassment/threatening", false),
    ("hate", false),
    ("hate/threatening", false),
    ("illicit", false),
    ("illicit/violent", false),
    ("self-harm", true),
    ("self-harm/instructions", true),
    ("self-harm/intent", true),
    ("sexual", true),
    ("sexual/minors", false),
    ("violence", true),
    ("violence/graphic", true),
];

/// Which categories are flagged, one bit each in [`CATEGORIES`] order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Flags(pub u16);

impl Flags {
    pub(super) fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    /// Adds a category by name, with its parent; `false` for an unknown name.
    fn add(&mut self, name: &str) -> bool {
        let name = name.trim();
        if name == "all" {
            self.0 = (1 << CATEGORIES.len()) - 1;
            return true;
        }
        let Some(index) = CATEGORIES.iter().position(|(n, _)| *n == name) else {
            return false;
        };
        self.0 |= 1 << index;
        if let Some((parent, _)) = name.split_once('/') {
            self.add(parent);
        }
        true
    }
}

fn unknown(name: &str) -> String {
    let names: Vec<&str> = CATEGORIES.iter().map(|(n, _)| *n).collect();
    format!(
        "unknown moderation category '{}' to flag; expected 'all' or one of: {}.",
        name.trim(),
        names.join(", ")
    )
}

/// A comma-separated list of category names (a fixture rule's reply text); empty flags none.
pub(super) fn list(text: &str) -> Result<Flags, String> {
    let mut flags = Flags::default();
    for name in text.split(',').filter(|n| !n.trim().is_empty()) {
        if !flags.add(name) {
            return Err(unknown(name));
        }
    }
    Ok(flags)
}

/// The categories named by `[flag:name, name]` markers in `text`.
pub(super) fn markers(text: &str) -> Result<Flags, String> {
    let mut flags = Flags::default();
    let mut rest = text;
    while let Some(start) = rest.find("[flag:") {
        let after = &rest[start + 6..];
        let Some(end) = after.find(']') else { break };
        flags.0 |= list(&after[..end])?.0;
        rest = &after[end..];
    }
    Ok(flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_name_categories_and_subcategories_flag_their_parents() {
        let flags = markers("kill [flag:violence/graphic] and [flag: hate , sexual]").unwrap();
        let named: Vec<&str> = CATEGORIES
            .iter()
            .enumerate()
            .filter(|(i, _)| flags.has(*i))
            .map(|(_, (n, _))| *n)
            .collect();
        assert_eq!(named, ["hate", "sexual", "violence", "violence/graphic"]);
        assert_eq!(markers("[flag:all]").unwrap().0, 0x1fff);
        assert_eq!(markers("no markers [flag: here").unwrap(), Flags(0));
        assert!(markers("[flag:gore]").unwrap_err().contains("'gore'"));
        assert_eq!(list("").unwrap(), Flags(0));
    }
}
