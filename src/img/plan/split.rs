//! Splitting a processing string into actions (image-processing.md §2.4,
//! §2.9) and the POST form's `|sys/saveas` suffix (§7.1).

/// Every action name of the `image/` family (§2.1).
pub const ACTIONS: &[&str] = &[
    "resize",
    "crop",
    "circle",
    "indexcrop",
    "rounded-corners",
    "rotate",
    "auto-orient",
    "blur",
    "bright",
    "contrast",
    "sharpen",
    "format",
    "quality",
    "interlace",
    "watermark",
    "info",
    "average-hue",
];

/// Argument keys whose values are Base64 and may therefore contain `/` when a
/// client uses the standard alphabet.
const BASE64_KEYS: &[&str] = &["text", "type", "image"];

/// Splits the text after `image/` into non-empty action segments.
///
/// A `/` separates actions, except inside the value of a Base64 argument
/// (`text_`, `type_`, `image_`) when the text that follows it, up to the next
/// `,` or `/`, is not an action name (§2.9). Empty segments (`//`, a trailing
/// `/`) are dropped.
pub fn split_actions(s: &str) -> Vec<&str> {
    let bytes = s.as_bytes();
    let mut segments = Vec::new();
    let mut seg_start = 0;
    let mut arg_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b',' => arg_start = i + 1,
            b'/' => {
                let in_base64 = arg_start > seg_start
                    && s[arg_start..i]
                        .split_once('_')
                        .is_some_and(|(k, _)| BASE64_KEYS.contains(&k));
                if in_base64 {
                    let rest = &s[i + 1..];
                    let next = rest.split([',', '/']).next().unwrap_or_default();
                    if !next.is_empty() && !ACTIONS.contains(&next) {
                        continue;
                    }
                }
                if i > seg_start {
                    segments.push(&s[seg_start..i]);
                }
                seg_start = i + 1;
                arg_start = i + 1;
            }
            _ => {}
        }
    }
    if seg_start < s.len() {
        segments.push(&s[seg_start..]);
    }
    segments
}

/// Splits a POST body's processing value at `|sys/saveas`: the processing part
/// and, when present, the saveas arguments (the text after `sys/saveas,`,
/// still to be split on `,` only).
pub fn split_saveas(body: &str) -> (&str, Option<&str>) {
    match body.find("|sys/saveas") {
        Some(at) => {
            let rest = &body[at + "|sys/saveas".len()..];
            (&body[..at], Some(rest.strip_prefix(',').unwrap_or(rest)))
        }
        None => (body, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_split() {
        assert_eq!(
            split_actions("resize,w_100//rotate,90/"),
            vec!["resize,w_100", "rotate,90"]
        );
        assert_eq!(split_actions(""), Vec::<&str>::new());
        assert_eq!(
            split_actions("resize,w_100/slim,1"),
            vec!["resize,w_100", "slim,1"]
        );
    }

    #[test]
    fn base64_slash_kept() {
        let s = "watermark,image_bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==";
        assert_eq!(split_actions(s), vec![s]);
        let s2 = "watermark,text_a/b,g_se/resize,w_10";
        assert_eq!(
            split_actions(s2),
            vec!["watermark,text_a/b,g_se", "resize,w_10"]
        );
        let s3 = "watermark,text_ab/resize,w_10";
        assert_eq!(split_actions(s3), vec!["watermark,text_ab", "resize,w_10"]);
    }

    #[test]
    fn saveas() {
        assert_eq!(
            split_saveas("image/resize,w_100|sys/saveas,o_dGVzdC5qcGc,b_dGVzdA"),
            ("image/resize,w_100", Some("o_dGVzdC5qcGc,b_dGVzdA"))
        );
        assert_eq!(split_saveas("style/small"), ("style/small", None));
        assert_eq!(
            split_saveas("style/small|sys/saveas,o_b3V0L3RodW1iLmpwZw=="),
            ("style/small", Some("o_b3V0L3RodW1iLmpwZw=="))
        );
    }
}
