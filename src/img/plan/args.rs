//! The arguments of one action and the value parsers every action shares
//! (image-processing.md §2.4, §2.6, §4.2).

use crate::img::Error;

/// The raw arguments of one action, as written after its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args<'a> {
    /// The action name.
    pub action: &'a str,
    /// Every non-empty argument in written order.
    pub raw: Vec<&'a str>,
}

impl<'a> Args<'a> {
    /// Splits one action segment (`resize,w_100,h_50`) at `,`.
    pub fn split(segment: &'a str) -> Args<'a> {
        let mut parts = segment.split(',');
        let action = parts.next().unwrap_or_default();
        Args {
            action,
            raw: parts.filter(|p| !p.is_empty()).collect(),
        }
    }

    /// The value of keyed argument `key`; the last occurrence wins. A key
    /// written without `_` yields `Some("")`, which every parser rejects.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.raw
            .iter()
            .rev()
            .find_map(|arg| match arg.split_once('_') {
                Some((k, v)) if k == key => Some(v),
                None if *arg == key => Some(""),
                _ => None,
            })
    }

    /// The bare value of a single-value action (§2.7): `missing_ec` when
    /// there is none, EC `0040-00000203` when there are several.
    pub fn single(&self, missing_ec: Option<&'static str>) -> Result<&'a str, Error> {
        match self.raw.as_slice() {
            [] => Err(Error::invalid_param(missing_ec, self.action, "")),
            [one] => Ok(one),
            [..] => Err(Error::invalid_param(
                Some("0040-00000203"),
                self.action,
                &self.raw.join(","),
            )),
        }
    }

    /// Keyed unsigned integer in `min..=max`; `None` when absent.
    pub fn uint(
        &self,
        key: &str,
        min: u32,
        max: u32,
        ec: Option<&'static str>,
    ) -> Result<Option<u32>, Error> {
        self.get(key)
            .map(|v| uint_in(v, min, max).ok_or_else(|| Error::invalid_param(ec, key, v)))
            .transpose()
    }

    /// Keyed unsigned integer in `min..=max` that must be present.
    pub fn required_uint(
        &self,
        key: &str,
        min: u32,
        max: u32,
        ec: Option<&'static str>,
    ) -> Result<u32, Error> {
        self.uint(key, min, max, ec)?
            .ok_or_else(|| Error::invalid_param(ec, key, ""))
    }
}

/// Parses ASCII decimal digits (leading zeros allowed, no sign) into
/// `min..=max`.
pub fn uint_in(v: &str, min: u32, max: u32) -> Option<u32> {
    let n = parse_digits(v)?;
    (u64::from(min)..=u64::from(max))
        .contains(&n)
        .then_some(n as u32)
}

/// Parses an integer with an optional leading `-` into `min..=max`.
pub fn int_in(v: &str, min: i32, max: i32) -> Option<i32> {
    let (neg, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v),
    };
    let n = i64::try_from(parse_digits(digits)?).ok()?;
    let n = if neg { -n } else { n };
    (i64::from(min)..=i64::from(max))
        .contains(&n)
        .then_some(n as i32)
}

/// ASCII digits only, at least one; `None` on overflow.
fn parse_digits(v: &str) -> Option<u64> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// An opaque colour `RRGGBB` (§4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// White, the default fill colour.
    pub const WHITE: Rgb = Rgb([255, 255, 255]);

    /// Parses exactly six hexadecimal digits, either case.
    pub fn parse(v: &str) -> Option<Rgb> {
        if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let bytes = hex::decode(v).ok()?;
        Some(Rgb([bytes[0], bytes[1], bytes[2]]))
    }
}

impl std::fmt::Display for Rgb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02X}{:02X}{:02X}", self.0[0], self.0[1], self.0[2])
    }
}

/// `round(a / b)` half up on exact integers (§4.1); `b > 0`.
pub fn div_round(a: u64, b: u64) -> u64 {
    (2 * a + b) / (2 * b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(uint_in("0100", 1, 16384), Some(100));
        assert_eq!(uint_in("99999999", 1, 16384), None);
        assert_eq!(uint_in("99999999999999999999999", 1, 16384), None);
        assert_eq!(uint_in("+1", 1, 10), None);
        assert_eq!(uint_in("1.5", 1, 10), None);
        assert_eq!(uint_in("", 1, 10), None);
        assert_eq!(uint_in(" 1", 1, 10), None);
        assert_eq!(int_in("-100", -100, 100), Some(-100));
        assert_eq!(int_in("-101", -100, 100), None);
        assert_eq!(int_in("-", -100, 100), None);
        assert_eq!(int_in("--1", -100, 100), None);
    }

    #[test]
    fn keyed_last_wins_and_bare_key() {
        let a = Args::split("resize,w_100,,w_200,h");
        assert_eq!(a.action, "resize");
        assert_eq!(a.get("w"), Some("200"));
        assert_eq!(a.get("h"), Some(""));
        assert_eq!(a.get("m"), None);
        let b = Args::split("watermark,image_YS9i_Yw");
        assert_eq!(b.get("image"), Some("YS9i_Yw"));
    }

    #[test]
    fn colours() {
        assert_eq!(Rgb::parse("FF0000"), Some(Rgb([255, 0, 0])));
        assert_eq!(Rgb::parse("0000b7"), Some(Rgb([0, 0, 0xb7])));
        assert_eq!(Rgb::parse("AABBCCDD"), None);
        assert_eq!(Rgb::parse("#FFFFF"), None);
        assert_eq!(Rgb([0, 0, 0xb7]).to_string(), "0000B7");
    }

    #[test]
    fn half_up() {
        assert_eq!(div_round(1875 * 50, 100), 938);
        assert_eq!(div_round(9375, 10), 938);
        assert_eq!(div_round(9374, 10), 937);
        assert_eq!(div_round(267 * 200, 400), 134);
    }
}
