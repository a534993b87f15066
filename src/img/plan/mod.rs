//! The processing string → a typed, validated plan (image-processing.md §2).
//!
//! Parsing is pure: no image byte is read, and every parameter error is
//! found here. The only outside lookup is [`Resources::style`] for
//! `style/NAME`.

pub mod args;
pub mod saveas;
pub mod split;

use std::fmt;

use crate::img::frame::Format;
use crate::img::ops::blur::Blur;
use crate::img::ops::bright::Bright;
use crate::img::ops::circle::Circle;
use crate::img::ops::contrast::Contrast;
use crate::img::ops::crop::Crop;
use crate::img::ops::indexcrop::IndexCrop;
use crate::img::ops::output::{parse_auto_orient, parse_format, parse_interlace, Quality};
use crate::img::ops::resize::{Resize, Sizing};
use crate::img::ops::rotate::Rotate;
use crate::img::ops::rounded_corners::RoundedCorners;
use crate::img::ops::sharpen::Sharpen;
use crate::img::watermark::{self, Params as Watermark};
use crate::img::{Error, ErrorCode, Resources};

pub use args::Args;
pub use saveas::{parse_saveas, SaveAs};
pub use split::split_saveas;

/// Longest processing string accepted, in bytes (§2.10).
pub const MAX_LEN: usize = 8192;

/// One pixel-touching action, in written order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Op {
    /// `resize`.
    Resize(Resize),
    /// `crop`.
    Crop(Crop),
    /// `circle`.
    Circle(Circle),
    /// `indexcrop`.
    IndexCrop(IndexCrop),
    /// `rounded-corners`.
    RoundedCorners(RoundedCorners),
    /// `rotate`.
    Rotate(Rotate),
    /// `blur`.
    Blur(Blur),
    /// `bright`.
    Bright(Bright),
    /// `contrast`.
    Contrast(Contrast),
    /// `sharpen`.
    Sharpen(Sharpen),
    /// `watermark`.
    Watermark(Box<Watermark>),
}

impl Op {
    /// Whether an animated source keeps its animation through this action
    /// (§4.7).
    pub fn keeps_animation(&self) -> bool {
        match self {
            Op::Resize(r) => !matches!(r.sizing, Sizing::Percent(_)),
            Op::Crop(_) | Op::IndexCrop(_) => true,
            Op::Watermark(w) => watermark::keeps_animation(w),
            _ => false,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Resize(o) => o.fmt(f),
            Op::Crop(o) => o.fmt(f),
            Op::Circle(o) => o.fmt(f),
            Op::IndexCrop(o) => o.fmt(f),
            Op::RoundedCorners(o) => o.fmt(f),
            Op::Rotate(o) => o.fmt(f),
            Op::Blur(o) => o.fmt(f),
            Op::Bright(o) => o.fmt(f),
            Op::Contrast(o) => o.fmt(f),
            Op::Sharpen(o) => o.fmt(f),
            Op::Watermark(o) => o.fmt(f),
        }
    }
}

/// A request that reports on the source instead of producing an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Report {
    /// `info` (§5.16).
    Info,
    /// `average-hue` (§5.17).
    AverageHue,
}

/// A validated processing request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plan {
    /// Pixel actions in written order.
    pub ops: Vec<Op>,
    /// `info` or `average-hue` (then `ops` is empty).
    pub report: Option<Report>,
    /// `auto-orient` as written (last wins); `None` = default (on).
    pub auto_orient: Option<bool>,
    /// `format` (last wins).
    pub format: Option<Format>,
    /// Whether the last `format` action was followed by another action
    /// (an animated source then becomes static, §4.7).
    pub format_not_last: bool,
    /// `quality` (last wins).
    pub quality: Option<Quality>,
    /// `interlace` (last wins); `None` = baseline.
    pub interlace: Option<bool>,
}

impl Plan {
    /// Whether EXIF orientation is applied after decoding (default on).
    pub fn orient(&self) -> bool {
        self.auto_orient.unwrap_or(true)
    }

    /// The output format for a source format: `format` if given, except that
    /// `gif` is only produced from GIF sources (§4.5).
    pub fn output_format(&self, source: Format) -> Format {
        match self.format {
            Some(Format::Gif) if source != Format::Gif => source,
            Some(f) => f,
            None => source,
        }
    }

    /// Whether an animated source stays animated (§4.7).
    pub fn keeps_animation(&self, source: Format) -> bool {
        self.report.is_none()
            && self.auto_orient.is_none()
            && self.quality.is_none()
            && self.interlace.is_none()
            && !self.format_not_last
            && self.output_format(source) == source
            && matches!(source, Format::Gif | Format::Webp)
            && self.ops.iter().all(Op::keeps_animation)
    }
}

impl fmt::Display for Plan {
    /// The canonical form: actions normalised with every relevant parameter,
    /// whole-request settings after them (`format` first when it was not
    /// last), so equal strings mean equal results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.report {
            Some(Report::Info) => return write!(f, "image/info"),
            Some(Report::AverageHue) => return write!(f, "image/average-hue"),
            None => {}
        }
        write!(f, "image")?;
        let format = self.format.map(|fm| match fm {
            Format::Jpeg => "jpg",
            other => other.name(),
        });
        if let (Some(name), true) = (format, self.format_not_last) {
            write!(f, "/format,{name}")?;
        }
        for op in &self.ops {
            write!(f, "/{op}")?;
        }
        if let Some(o) = self.auto_orient {
            write!(f, "/auto-orient,{}", u8::from(o))?;
        }
        if let Some(q) = self.quality {
            write!(f, "/{q}")?;
        }
        if let Some(i) = self.interlace {
            write!(f, "/interlace,{}", u8::from(i))?;
        }
        if let (Some(name), false) = (format, self.format_not_last) {
            write!(f, "/format,{name}")?;
        }
        Ok(())
    }
}

/// Parses a processing string (`image/...` or `style/NAME`), already
/// percent-decoded once.
pub fn parse(process: &str, resources: &dyn Resources) -> Result<Plan, Error> {
    check_common(process)?;
    if let Some(name) = process.strip_prefix("style/") {
        let content = resolve_style(name, resources)?;
        check_common(&content)?;
        return match content
            .strip_prefix("image/")
            .or((content == "image").then_some(""))
        {
            Some(body) => parse_image(body),
            None => Err(other_family(&content)),
        };
    }
    match process
        .strip_prefix("image/")
        .or((process == "image").then_some(""))
    {
        Some(body) => parse_image(body),
        None => Err(other_family(process)),
    }
}

/// Length limit and the GET-only refusal of `sys/saveas`.
fn check_common(process: &str) -> Result<(), Error> {
    if process.len() > MAX_LEN {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            Some("0017-00000288"),
            format!("The x-oss-process value is longer than {MAX_LEN} bytes."),
        ));
    }
    if process.contains("sys/saveas") {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            None,
            "sys/saveas is only allowed in the body of a POST request.",
        ));
    }
    Ok(())
}

/// §2.11: a value of another family.
fn other_family(process: &str) -> Error {
    let first = process.split('/').next().unwrap_or_default();
    Error::invalid_param(None, "x-oss-process", first)
}

/// The style that [`parse`] will look up for `process` (`style/NAME` with a
/// well-formed name), so that callers can fetch it beforehand; `None` when
/// parsing needs no outside lookup.
pub fn style_reference(process: &str) -> Option<&str> {
    let name = process.strip_prefix("style/")?;
    check_style_name(name).is_ok().then_some(name)
}

/// A style name after `style/` must be non-empty, one segment, and free of
/// the characters OSS refuses.
fn check_style_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.contains('/') {
        return Err(Error::invalid_param(
            None,
            "x-oss-process",
            &format!("style/{name}"),
        ));
    }
    if name.contains([';', '(', ')', '\'', '*', '?']) {
        return Err(Error::invalid_param(Some("0040-00000602"), "style", name));
    }
    Ok(())
}

/// Looks up a style's content (§6.1).
fn resolve_style(name: &str, resources: &dyn Resources) -> Result<String, Error> {
    check_style_name(name)?;
    resources.style(name)?.ok_or_else(|| {
        Error::new(
            ErrorCode::NoSuchStyle,
            None,
            "The style you get is not found.",
        )
    })
}

/// Parses the actions after `image/`.
fn parse_image(body: &str) -> Result<Plan, Error> {
    let segments = split::split_actions(body);
    if segments.is_empty() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            Some("0040-00000212"),
            "The value: image/ of parameter: x-oss-process is invalid.",
        ));
    }
    let mut plan = Plan {
        ops: Vec::new(),
        report: None,
        auto_orient: None,
        format: None,
        format_not_last: false,
        quality: None,
        interlace: None,
    };
    let count = segments.len();
    for (index, segment) in segments.into_iter().enumerate() {
        let args = Args::split(segment);
        let is_last = index + 1 == count;
        match args.action {
            "resize" => plan.ops.push(Op::Resize(Resize::parse(&args)?)),
            "crop" => plan.ops.push(Op::Crop(Crop::parse(&args)?)),
            "circle" => plan.ops.push(Op::Circle(Circle::parse(&args)?)),
            "indexcrop" => plan.ops.push(Op::IndexCrop(IndexCrop::parse(&args)?)),
            "rounded-corners" => plan
                .ops
                .push(Op::RoundedCorners(RoundedCorners::parse(&args)?)),
            "rotate" => plan.ops.push(Op::Rotate(Rotate::parse(&args)?)),
            "blur" => plan.ops.push(Op::Blur(Blur::parse(&args)?)),
            "bright" => plan.ops.push(Op::Bright(Bright::parse(&args)?)),
            "contrast" => plan.ops.push(Op::Contrast(Contrast::parse(&args)?)),
            "sharpen" => plan.ops.push(Op::Sharpen(Sharpen::parse(&args)?)),
            "watermark" => plan
                .ops
                .push(Op::Watermark(Box::new(watermark::parse_args(&args)?))),
            "auto-orient" => plan.auto_orient = Some(parse_auto_orient(&args)?),
            "format" => {
                plan.format = Some(parse_format(&args)?);
                plan.format_not_last = !is_last;
            }
            "quality" => plan.quality = Some(Quality::parse(&args)?),
            "interlace" => plan.interlace = Some(parse_interlace(&args)?),
            "info" => plan.report = Some(Report::Info),
            "average-hue" => plan.report = Some(Report::AverageHue),
            other => {
                return Err(Error::new(
                    ErrorCode::InvalidArgument,
                    Some("0040-00000213"),
                    format!("The value: {other} of parameter: x-oss-process is invalid."),
                ))
            }
        }
    }
    if let Some(report) = plan.report {
        if count > 1 {
            let name = match report {
                Report::Info => "info",
                Report::AverageHue => "average-hue",
            };
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                None,
                format!("The action {name} cannot be combined with other actions."),
            ));
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::NoResources;

    struct Styles;
    impl Resources for Styles {
        fn style(&self, name: &str) -> Result<Option<String>, Error> {
            Ok(match name {
                "small" => Some("image/resize,p_50".into()),
                "loop" => Some("style/small".into()),
                _ => None,
            })
        }
        fn watermark_object(&self, _key: &str) -> Result<Option<Vec<u8>>, Error> {
            Ok(None)
        }
    }

    fn p(s: &str) -> Result<Plan, Error> {
        parse(s, &NoResources)
    }

    fn err(s: &str) -> Error {
        p(s).unwrap_err()
    }

    #[test]
    fn grammar_errors() {
        let e = err("image/");
        assert_eq!(
            (e.code, e.ec),
            (ErrorCode::InvalidArgument, Some("0040-00000212"))
        );
        assert_eq!(err("image").ec, Some("0040-00000212"));
        assert_eq!(err("image//").ec, Some("0040-00000212"));
        assert_eq!(err("image/slim,1").ec, Some("0040-00000213"));
        assert_eq!(err("image/resize,w_10/slim,1").ec, Some("0040-00000213"));
        assert_eq!(err("image/Resize,w_10").ec, Some("0040-00000213"));
        assert_eq!(err("image/rotate,90,200,300").ec, Some("0040-00000203"));
        let e = err("video/snapshot,t_1000");
        assert_eq!(
            e.message,
            "The value: video of parameter: x-oss-process is invalid."
        );
        assert_eq!(
            err("Image/resize,w_1").message,
            "The value: Image of parameter: x-oss-process is invalid."
        );
        let e = err("image/resize,s_700,limit_0/info");
        assert_eq!((e.code, e.ec), (ErrorCode::InvalidArgument, None));
        assert_eq!(
            err("image/average-hue/format,png").code,
            ErrorCode::InvalidArgument
        );
        let e = err("image/resize,w_100|sys/saveas,o_dGVzdC5qcGc");
        assert_eq!((e.code, e.ec), (ErrorCode::InvalidArgument, None));
        let long = format!("image/resize,w_100{}", ",x_1".repeat(3000));
        assert_eq!(err(&long).ec, Some("0017-00000288"));
        assert!(p(&format!("image/resize,w_100{}", ",x_1".repeat(2000))).is_ok());
    }

    #[test]
    fn action_errors_reach_the_plan() {
        let cases = [
            ("image/resize,w_99999999", "0040-00000312"),
            ("image/resize,m_abc,w_100", "0040-00000311"),
            ("image/resize,w_0,h_0", "0040-00000321"),
            ("image/crop,w_a", "0040-00000225"),
            ("image/crop,h_a", "0040-00000226"),
            ("image/crop,g_x", "0040-00000209"),
            ("image/indexcrop,y_a", "0040-00000224"),
            ("image/indexcrop,x_0", "0040-00000230"),
            ("image/indexcrop,x_10,i_a", "0040-00000229"),
            ("image/circle,r_5000", "0040-00000233"),
            ("image/rounded-corners,r_0", "0040-00000237"),
            ("image/rotate", "0040-00000216"),
            ("image/rotate,400", "0040-00000217"),
            ("image/rotate,a_90", "0040-00000217"),
            ("image/auto-orient", "0040-00000214"),
            ("image/auto-orient,2", "0040-00000215"),
            ("image/blur,r_51,s_1", "0040-00000241"),
            ("image/bright", "0040-00000245"),
            ("image/bright,200", "0040-00000246"),
            ("image/sharpen", "0040-00000279"),
            ("image/sharpen,10", "0040-00000280"),
            ("image/interlace", "0040-00000281"),
            ("image/interlace,3", "0040-00000282"),
            ("image/quality,Q_0", "0040-00000308"),
            ("image/quality,q_101", "0040-00000309"),
            ("image/format,dng", "0040-00000206"),
            ("image/format,f_png", "0040-00000206"),
            ("image/format", "0040-00000207"),
        ];
        for (s, ec) in cases {
            let e = err(s);
            assert_eq!(
                (e.code, e.ec),
                (ErrorCode::InvalidArgument, Some(ec)),
                "{s}"
            );
        }
        assert_eq!(err("image/resize,m_pad").code, ErrorCode::MissingArgument);
        assert_eq!(err("image/quality").code, ErrorCode::MissingArgument);
    }

    #[test]
    fn settings_last_wins() {
        let plan = p("image/format,png/resize,w_10/auto-orient,0/quality,q_50/format,webp/interlace,1/auto-orient,1").unwrap();
        assert_eq!(plan.format, Some(Format::Webp));
        assert!(plan.format_not_last);
        assert_eq!(plan.auto_orient, Some(true));
        assert_eq!(plan.quality, Some(Quality::Relative(50)));
        assert_eq!(plan.interlace, Some(true));
        assert_eq!(plan.ops.len(), 1);
        let plan = p("image/resize,w_10/format,png/format,gif").unwrap();
        assert!(!plan.format_not_last);
        assert!(p("image/resize,w_10").unwrap().orient());
        assert!(!p("image/auto-orient,0").unwrap().orient());
    }

    #[test]
    fn animation_rules() {
        let keeps = |s: &str| p(s).unwrap().keeps_animation(Format::Gif);
        assert!(keeps("image/resize,w_160"));
        assert!(keeps("image/resize,w_160/format,gif"));
        assert!(keeps("image/crop,w_10/indexcrop,x_5"));
        assert!(!keeps("image/format,gif/resize,w_160"));
        assert!(!keeps("image/format,png"));
        assert!(!keeps("image/rotate,90"));
        assert!(!keeps("image/resize,p_50"));
        assert!(!keeps("image/resize,w_10/auto-orient,1"));
        assert!(!keeps("image/resize,w_10/quality,q_50"));
        assert!(!keeps("image/blur,r_1,s_1"));
        assert!(
            p("image/resize,w_10/format,gif")
                .unwrap()
                .output_format(Format::Jpeg)
                == Format::Jpeg
        );
        assert!(!p("image/format,webp").unwrap().keeps_animation(Format::Gif));
        assert!(p("image/format,webp")
            .unwrap()
            .keeps_animation(Format::Webp));
    }

    #[test]
    fn styles() {
        let plan = parse("style/small", &Styles).unwrap();
        assert_eq!(plan.to_string(), "image/resize,p_50");
        let e = parse("style/missing", &Styles).unwrap_err();
        assert_eq!(e.code, ErrorCode::NoSuchStyle);
        assert_eq!(e.code.http_status(), 404);
        assert_eq!(e.message, "The style you get is not found.");
        assert_eq!(
            parse("style/small/resize,w_1", &Styles).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            parse("style/a*b", &Styles).unwrap_err().ec,
            Some("0040-00000602")
        );
        assert_eq!(
            parse("style/loop", &Styles).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        // The one lookup parsing makes, known beforehand.
        assert_eq!(style_reference("style/small"), Some("small"));
        for none in [
            "image/resize,w_1",
            "style/",
            "style/a/b",
            "style/a*b",
            "styles/x",
        ] {
            assert_eq!(style_reference(none), None, "{none}");
        }
    }

    #[test]
    fn watermark_base64_slash_is_one_action() {
        let plan = p("image/watermark,image_bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==/resize,w_10").unwrap();
        assert_eq!(plan.ops.len(), 2);
        let Op::Watermark(w) = &plan.ops[0] else {
            panic!("{plan:?}")
        };
        assert_eq!(w.image.as_ref().map(|i| i.key.as_str()), Some("logo.png"));
        assert_eq!(p(&plan.to_string()).unwrap(), plan);
        assert_eq!(err("image/watermark,t_50").ec, Some("0040-00000278"));
    }

    #[test]
    fn canonical_display_round_trips() {
        let cases = [
            ("image/resize,w_100", "image/resize,m_lfit,w_100,limit_1"),
            ("image/format,png/resize,w_0100,foo_1/", "image/format,png/resize,m_lfit,w_100,limit_1"),
            ("image/resize,w_100/format,jpeg", "image/resize,m_lfit,w_100,limit_1/format,jpg"),
            (
                "image/interlace,1/quality,Q_80/crop,x_10,g_se/auto-orient,0/rotate,90",
                "image/crop,w_0,h_0,x_10,y_0,g_se/rotate,90/auto-orient,0/quality,Q_80/interlace,1",
            ),
            ("image/info", "image/info"),
            ("image/average-hue", "image/average-hue"),
            (
                "image/blur,s_2,r_3/bright,-5/contrast,7/sharpen,100/circle,r_9/rounded-corners,r_4/indexcrop,y_3,x_5,i_1",
                "image/blur,r_3,s_2/bright,-5/contrast,7/sharpen,100/circle,r_9/rounded-corners,r_4/indexcrop,y_3,i_1",
            ),
        ];
        for (input, canonical) in cases {
            let plan = p(input).unwrap();
            assert_eq!(plan.to_string(), canonical, "{input}");
            assert_eq!(p(canonical).unwrap(), plan, "{input}");
        }
    }
}
