//! Query-string decoding (oss-api.md §3.1).
//!
//! The raw query is split on `&`, each item at its first `=`; names and values
//! are decoded as form data (`+` is a space, then `%XX`). Whether `=` was
//! present is remembered because the V4 compatibility fallback needs it.
//! Invalid `%` sequences are kept literally and bytes that do not form UTF-8
//! become U+FFFD; parsing never fails.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use percent_encoding::percent_decode_str;

/// Decodes one query component as form data: `+` is a space, then `%XX`.
fn form_decode(raw: &str) -> String {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

/// One query parameter as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryParam {
    /// Form-decoded name.
    pub name: String,
    /// Form-decoded value (empty when absent).
    pub value: String,
    /// The value exactly as received, before any decoding.
    pub raw_value: String,
    /// Whether the item contained `=` (`acl=` versus `acl`).
    pub has_eq: bool,
}

/// A decoded query string, in the order received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    params: Vec<QueryParam>,
}

impl Query {
    /// Parses a raw query string (without the leading `?`).
    pub fn parse(raw: &str) -> Query {
        let raw = raw.strip_prefix('?').unwrap_or(raw);
        let params = raw
            .split('&')
            .filter(|item| !item.is_empty())
            .map(|item| {
                let (name, value, has_eq) = match item.split_once('=') {
                    Some((n, v)) => (n, v, true),
                    None => (item, "", false),
                };
                QueryParam {
                    name: form_decode(name),
                    value: form_decode(value),
                    raw_value: value.to_owned(),
                    has_eq,
                }
            })
            .collect();
        Query { params }
    }

    /// All parameters in the order received.
    pub fn params(&self) -> &[QueryParam] {
        &self.params
    }

    /// The decoded value of the first parameter with this name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }

    /// The raw (undecoded) value of the first parameter with this name.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.raw_value.as_str())
    }

    /// Whether a parameter with this name is present, whatever its value.
    pub fn has(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Decoded = (String, String, bool);

    fn pairs(raw: &str) -> Vec<Decoded> {
        Query::parse(raw)
            .params()
            .iter()
            .map(|p| (p.name.clone(), p.value.clone(), p.has_eq))
            .collect()
    }

    fn p(name: &str, value: &str, has_eq: bool) -> Decoded {
        (name.to_owned(), value.to_owned(), has_eq)
    }

    #[test]
    fn decoding_table() {
        let cases: &[(&str, Vec<Decoded>)] = &[
            ("", vec![]),
            ("acl", vec![p("acl", "", false)]),
            ("acl=", vec![p("acl", "", true)]),
            ("prefix=a+b", vec![p("prefix", "a b", true)]),
            ("prefix=a%2Bb", vec![p("prefix", "a+b", true)]),
            ("prefix=a%20b", vec![p("prefix", "a b", true)]),
            (
                "x-oss-process=image%2Fresize%2Cw_100",
                vec![p("x-oss-process", "image/resize,w_100", true)],
            ),
            ("a=1=2", vec![p("a", "1=2", true)]),
            ("a=1&a=2", vec![p("a", "1", true), p("a", "2", true)]),
            ("a&&b=", vec![p("a", "", false), p("b", "", true)]),
            ("%E7%8C%AB=%E7%8C%AB", vec![p("猫", "猫", true)]),
            ("my+name=v", vec![p("my name", "v", true)]),
            ("=v", vec![p("", "v", true)]),
            ("?acl", vec![p("acl", "", false)]),
        ];
        for (raw, want) in cases {
            assert_eq!(&pairs(raw), want, "query {raw:?}");
        }
    }

    #[test]
    fn invalid_percent_sequences_do_not_panic() {
        for raw in [
            "a=%", "a=%z", "a=%4", "%=%%", "a=%ff%fe", "a=%C3%28", "%E7%8C=1",
        ] {
            let q = Query::parse(raw);
            assert_eq!(q.params().len(), 1, "{raw}");
        }
        assert_eq!(Query::parse("a=%zz").get("a"), Some("%zz"));
        assert_eq!(Query::parse("a=%ff").get("a"), Some("\u{fffd}"));
    }

    #[test]
    fn accessors() {
        let q = Query::parse("acl&prefix=a+b%2B&prefix=second");
        assert!(q.has("acl"));
        assert!(!q.has("uploads"));
        assert_eq!(q.get("acl"), Some(""));
        assert_eq!(q.get("prefix"), Some("a b+"));
        assert_eq!(q.raw("prefix"), Some("a+b%2B"));
        assert_eq!(q.get("missing"), None);
        assert!(!q.params()[0].has_eq);
    }
}
