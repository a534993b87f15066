//! Query-string decoding (oss-api.md §3.1).
//!
//! The raw query is split on `&`, each item at its first `=`; names and values
//! are decoded as form data (`+` is a space, then `%XX`). Whether `=` was
//! present is remembered because the V4 compatibility fallback needs it.

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
        todo!("oss::query::Query::parse {raw}")
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
