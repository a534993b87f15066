//! `watermark` parameters (image-processing.md §5.15), parsed and validated
//! with their ECs. Drawing is not implemented yet: the pipeline answers
//! `NotImplemented` for a plan that contains a watermark.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::img::ops::crop::{Crop, Gravity};
use crate::img::ops::indexcrop::IndexCrop;
use crate::img::ops::output::{parse_auto_orient, parse_format, parse_interlace, Quality};
use crate::img::ops::resize::Resize;
use crate::img::ops::rotate::Rotate;
use crate::img::ops::rounded_corners::RoundedCorners;
use crate::img::plan::args::{int_in, uint_in, Args, Rgb};
use crate::img::plan::saveas::decode_base64;
use crate::img::plan::split::split_actions;
use crate::img::{Error, ErrorCode};

/// The fonts a text watermark may name (§5.15.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// `wqy-zenhei` (default).
    WqyZenhei,
    /// `wqy-microhei`.
    WqyMicrohei,
    /// `fangzhengshusong`.
    FangzhengShusong,
    /// `fangzhengkaiti`.
    FangzhengKaiti,
    /// `fangzhengheiti`.
    FangzhengHeiti,
    /// `fangzhengfangsong`.
    FangzhengFangsong,
    /// `droidsansfallback`.
    DroidSansFallback,
}

impl Font {
    const ALL: [Font; 7] = [
        Font::WqyZenhei,
        Font::WqyMicrohei,
        Font::FangzhengShusong,
        Font::FangzhengKaiti,
        Font::FangzhengHeiti,
        Font::FangzhengFangsong,
        Font::DroidSansFallback,
    ];

    /// The decoded font name.
    pub fn name(self) -> &'static str {
        match self {
            Font::WqyZenhei => "wqy-zenhei",
            Font::WqyMicrohei => "wqy-microhei",
            Font::FangzhengShusong => "fangzhengshusong",
            Font::FangzhengKaiti => "fangzhengkaiti",
            Font::FangzhengHeiti => "fangzhengheiti",
            Font::FangzhengFangsong => "fangzhengfangsong",
            Font::DroidSansFallback => "droidsansfallback",
        }
    }
}

/// A text watermark.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextMark {
    /// The text (at most 64 bytes of UTF-8).
    pub text: String,
    /// Font.
    pub font: Font,
    /// Colour.
    pub color: Rgb,
    /// Size in pixels, 1–1000.
    pub size: u32,
    /// Shadow opacity, 0–100 (0 = none).
    pub shadow: u32,
    /// Clockwise rotation, 0–360.
    pub rotate: u32,
}

/// One preprocessing step of an image watermark (§5.15.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PreOp {
    /// `resize` without `P`.
    Resize(Resize),
    /// `resize,P_n`: fit into n % of the watermarked image.
    ResizeRelative(u32),
    /// `crop`.
    Crop(Crop),
    /// `indexcrop`.
    IndexCrop(IndexCrop),
    /// `rounded-corners`.
    RoundedCorners(RoundedCorners),
    /// `rotate`.
    Rotate(Rotate),
}

impl fmt::Display for PreOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreOp::Resize(o) => o.fmt(f),
            PreOp::ResizeRelative(p) => write!(f, "resize,P_{p}"),
            PreOp::Crop(o) => o.fmt(f),
            PreOp::IndexCrop(o) => o.fmt(f),
            PreOp::RoundedCorners(o) => o.fmt(f),
            PreOp::Rotate(o) => o.fmt(f),
        }
    }
}

/// An image watermark: an object of the source's bucket, optionally
/// preprocessed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageMark {
    /// Object key in the source's bucket.
    pub key: String,
    /// Preprocessing steps in written order.
    pub pre: Vec<PreOp>,
    /// `auto-orient` of the preprocessing (default on).
    pub auto_orient: Option<bool>,
}

/// A validated `watermark`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Watermark {
    /// Opacity, 0–100.
    pub t: u32,
    /// Position.
    pub g: Gravity,
    /// Horizontal margin, 0–4096.
    pub x: u32,
    /// Vertical margin, 0–4096.
    pub y: u32,
    /// Offset from the middle line, −1000…1000.
    pub voffset: i32,
    /// Tile over the whole image.
    pub fill: bool,
    /// Horizontal gap between tiles.
    pub padx: u32,
    /// Vertical gap between tiles.
    pub pady: u32,
    /// Text part.
    pub text: Option<TextMark>,
    /// Image part.
    pub image: Option<ImageMark>,
    /// `1`: text before image.
    pub order: u32,
    /// Vertical alignment of text and image: 0 top, 1 middle, 2 bottom.
    pub align: u32,
    /// Gap between image and text.
    pub interval: u32,
    /// Stamp every frame of an animation (image watermarks).
    pub animation: bool,
}

/// Largest text, in bytes of UTF-8.
pub const MAX_TEXT_BYTES: usize = 64;

fn ranged(
    args: &Args<'_>,
    key: &str,
    min: u32,
    max: u32,
    ec: Option<&'static str>,
    default: u32,
) -> Result<u32, Error> {
    Ok(args.uint(key, min, max, ec)?.unwrap_or(default))
}

impl Watermark {
    /// Parses and validates the arguments (ECs of §5.15).
    pub fn parse(args: &Args<'_>) -> Result<Watermark, Error> {
        let t = ranged(args, "t", 0, 100, Some("0040-00000263"), 100)?;
        let g = match args.get("g") {
            None => Gravity::Se,
            Some(v) => Gravity::parse(v).ok_or_else(|| Error::invalid_param(None, "g", v))?,
        };
        let x = ranged(args, "x", 0, 4096, None, 10)?;
        let y = ranged(args, "y", 0, 4096, None, 10)?;
        let voffset = match args.get("voffset") {
            None => 0,
            Some(v) => int_in(v, -1000, 1000)
                .ok_or_else(|| Error::invalid_param(Some("0040-00000268"), "voffset", v))?,
        };
        let fill = ranged(args, "fill", 0, 1, Some("0040-00000274"), 0)? == 1;
        let padx = ranged(args, "padx", 0, 4096, None, 0)?;
        let pady = ranged(args, "pady", 0, 4096, None, 0)?;
        let order = ranged(args, "order", 0, 1, Some("0040-00000269"), 0)?;
        let align = ranged(args, "align", 0, 2, None, 2)?;
        let interval = ranged(args, "interval", 0, 1000, None, 0)?;
        let animation = ranged(args, "animation", 0, 1, None, 0)? == 1;
        let text = args.get("text").map(|v| parse_text(args, v)).transpose()?;
        let image = args.get("image").map(parse_image).transpose()?;
        if text.is_none() && image.is_none() {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                Some("0040-00000278"),
                "The watermark action needs the parameter text or image.",
            ));
        }
        Ok(Watermark {
            t,
            g,
            x,
            y,
            voffset,
            fill,
            padx,
            pady,
            text,
            image,
            order,
            align,
            interval,
            animation,
        })
    }

    /// Whether an animated source stays animated (§4.7).
    pub fn keeps_animation(&self) -> bool {
        self.text.is_none() && self.animation
    }
}

fn parse_text(args: &Args<'_>, value: &str) -> Result<TextMark, Error> {
    let text = match decode_base64(value) {
        Some(t) if !t.is_empty() => t,
        _ => return Err(Error::invalid_param(Some("0040-00000258"), "text", value)),
    };
    if text.len() > MAX_TEXT_BYTES {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            None,
            "font content is too large",
        ));
    }
    let font = match args.get("type") {
        None => Font::WqyZenhei,
        Some(v) => decode_base64(v)
            .and_then(|name| Font::ALL.into_iter().find(|f| f.name() == name))
            .ok_or_else(|| Error::invalid_param(Some("0040-00000251"), "type", v))?,
    };
    let color = match args.get("color") {
        None => Rgb([0, 0, 0]),
        Some(v) => {
            Rgb::parse(v).ok_or_else(|| Error::invalid_param(Some("0040-00000254"), "color", v))?
        }
    };
    Ok(TextMark {
        text,
        font,
        color,
        size: ranged(args, "size", 1, 1000, Some("0040-00000256"), 40)?,
        shadow: ranged(args, "shadow", 0, 100, Some("0040-00000255"), 0)?,
        rotate: ranged(args, "rotate", 0, 360, None, 0)?,
    })
}

fn parse_image(value: &str) -> Result<ImageMark, Error> {
    let decoded = decode_base64(value)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid_param(Some("0040-00000265"), "image", value))?;
    let (key, process) = match decoded.split_once("?x-oss-process=") {
        Some((k, p)) => (k, Some(p)),
        None => (decoded.as_str(), None),
    };
    if key.is_empty() {
        return Err(Error::invalid_param(Some("0040-00000265"), "image", value));
    }
    let mut mark = ImageMark {
        key: key.to_owned(),
        pre: Vec::new(),
        auto_orient: None,
    };
    let Some(process) = process else {
        return Ok(mark);
    };
    let body = process
        .strip_prefix("image/")
        .ok_or_else(|| Error::invalid_param(None, "x-oss-process", process))?;
    for segment in split_actions(body) {
        let a = Args::split(segment);
        match a.action {
            "resize" => mark.pre.push(match a.get("P") {
                Some(v) => PreOp::ResizeRelative(
                    uint_in(v, 1, 100).ok_or_else(|| Error::invalid_param(None, "P", v))?,
                ),
                None => PreOp::Resize(Resize::parse(&a)?),
            }),
            "crop" => mark.pre.push(PreOp::Crop(Crop::parse(&a)?)),
            "indexcrop" => mark.pre.push(PreOp::IndexCrop(IndexCrop::parse(&a)?)),
            "rounded-corners" => mark
                .pre
                .push(PreOp::RoundedCorners(RoundedCorners::parse(&a)?)),
            "rotate" => mark.pre.push(PreOp::Rotate(Rotate::parse(&a)?)),
            "auto-orient" => mark.auto_orient = Some(parse_auto_orient(&a)?),
            // Accepted, without visible effect on a watermark.
            "format" => {
                parse_format(&a)?;
            }
            "quality" => {
                Quality::parse(&a)?;
            }
            "interlace" => {
                parse_interlace(&a)?;
            }
            "watermark" => {
                return Err(Error::invalid_param(Some("0040-00000373"), "image", value));
            }
            "info" => return Err(Error::invalid_param(Some("0040-00000374"), "image", value)),
            _ => return Err(Error::invalid_param(None, "image", value)),
        }
    }
    Ok(mark)
}

impl fmt::Display for Watermark {
    /// Canonical form: every parameter, Base64 values re-encoded URL-safe
    /// without padding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "watermark,t_{},g_{},x_{},y_{},voffset_{},fill_{},padx_{},pady_{}",
            self.t,
            self.g.name(),
            self.x,
            self.y,
            self.voffset,
            u8::from(self.fill),
            self.padx,
            self.pady
        )?;
        if let Some(t) = &self.text {
            write!(
                f,
                ",text_{},type_{},color_{},size_{},shadow_{},rotate_{}",
                URL_SAFE_NO_PAD.encode(&t.text),
                URL_SAFE_NO_PAD.encode(t.font.name()),
                t.color,
                t.size,
                t.shadow,
                t.rotate
            )?;
        }
        if let Some(i) = &self.image {
            let mut value = i.key.clone();
            if !i.pre.is_empty() || i.auto_orient.is_some() {
                value.push_str("?x-oss-process=image");
                for op in &i.pre {
                    value.push_str(&format!("/{op}"));
                }
                if let Some(o) = i.auto_orient {
                    value.push_str(&format!("/auto-orient,{}", u8::from(o)));
                }
            }
            write!(f, ",image_{}", URL_SAFE_NO_PAD.encode(value))?;
        }
        if self.text.is_some() && self.image.is_some() {
            write!(
                f,
                ",order_{},align_{},interval_{}",
                self.order, self.align, self.interval
            )?;
        }
        if self.animation {
            write!(f, ",animation_1")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Watermark, Error> {
        Watermark::parse(&Args::split(s))
    }

    #[test]
    fn text_defaults() {
        let w = parse("watermark,text_SGVsbG8gV29ybGQ").unwrap();
        let t = w.text.as_ref().unwrap();
        assert_eq!(t.text, "Hello World");
        assert_eq!(
            (t.font, t.color, t.size, t.shadow),
            (Font::WqyZenhei, Rgb([0, 0, 0]), 40, 0)
        );
        assert_eq!(
            (w.t, w.g, w.x, w.y, w.voffset),
            (100, Gravity::Se, 10, 10, 0)
        );
        let w = parse("watermark,type_d3F5LXplbmhlaQ,size_30,text_SGVsbG8gV29ybGQ,color_FFFFFF,shadow_50,t_100,g_se,x_10,y_10").unwrap();
        let t = w.text.unwrap();
        assert_eq!((t.size, t.shadow, t.color), (30, 50, Rgb::WHITE));
    }

    #[test]
    fn image_with_preprocessing() {
        let w =
            parse("watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,t_90")
                .unwrap();
        let i = w.image.unwrap();
        assert_eq!(i.key, "panda.png");
        assert_eq!(i.pre, vec![PreOp::ResizeRelative(30)]);
        // Standard Base64 with `/` and padding (#89).
        let w = parse("watermark,image_bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==")
            .unwrap();
        let i = w.image.unwrap();
        assert_eq!(
            (i.key.as_str(), i.pre.as_slice()),
            ("logo.png", &[PreOp::ResizeRelative(20)][..])
        );
        assert_eq!(
            parse("watermark,image_bG9nby5wbmc,fill_1,padx_20,pady_20")
                .unwrap()
                .padx,
            20
        );
    }

    #[test]
    fn errors() {
        let ec = |s: &str| parse(s).unwrap_err().ec;
        assert_eq!(ec("watermark,t_50"), Some("0040-00000278"));
        let long = URL_SAFE_NO_PAD.encode("a".repeat(65));
        let e = parse(&format!("watermark,text_{long}")).unwrap_err();
        assert_eq!(
            (e.code, e.ec, e.message.as_str()),
            (
                ErrorCode::InvalidArgument,
                None,
                "font content is too large"
            )
        );
        assert!(parse(&format!(
            "watermark,text_{}",
            URL_SAFE_NO_PAD.encode("a".repeat(64))
        ))
        .is_ok());
        assert_eq!(ec("watermark,text_"), Some("0040-00000258"));
        assert_eq!(ec("watermark,text_SGk,type_eHl6"), Some("0040-00000251"));
        assert_eq!(
            ec("watermark,text_SGk,color_AABBCCDD"),
            Some("0040-00000254")
        );
        assert_eq!(ec("watermark,text_SGk,shadow_101"), Some("0040-00000255"));
        assert_eq!(ec("watermark,text_SGk,size_0"), Some("0040-00000256"));
        assert_eq!(ec("watermark,text_SGk,size_1001"), Some("0040-00000256"));
        assert_eq!(ec("watermark,image_!!!"), Some("0040-00000265"));
        assert_eq!(ec("watermark,text_SGk,t_101"), Some("0040-00000263"));
        assert_eq!(ec("watermark,text_SGk,voffset_1001"), Some("0040-00000268"));
        assert_eq!(ec("watermark,text_SGk,order_2"), Some("0040-00000269"));
        assert_eq!(ec("watermark,text_SGk,fill_2"), Some("0040-00000274"));
        assert_eq!(ec("watermark,text_SGk,x_4097"), None);
        assert_eq!(ec("watermark,text_SGk,g_middle"), None);
        let pre = |p: &str| URL_SAFE_NO_PAD.encode(format!("a.png?x-oss-process=image/{p}"));
        assert_eq!(
            ec(&format!("watermark,image_{}", pre("watermark,text_SGk"))),
            Some("0040-00000373")
        );
        assert_eq!(
            ec(&format!("watermark,image_{}", pre("info"))),
            Some("0040-00000374")
        );
        assert_eq!(
            parse(&format!("watermark,image_{}", pre("circle,r_10")))
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            ec(&format!("watermark,image_{}", pre("resize,w_0,h_0"))),
            Some("0040-00000321")
        );
        assert!(parse(&format!(
            "watermark,image_{}",
            pre("crop,w_10/rotate,90/format,png/auto-orient,0")
        ))
        .is_ok());
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "watermark,text_SGVsbG8gV29ybGQ",
            "watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,t_90,g_nw",
            "watermark,image_bG9nby5wbmc,text_SGk,order_1,align_0,interval_5,voffset_-20,animation_1",
        ] {
            let w = parse(s).unwrap();
            let again = parse(&w.to_string()).unwrap();
            assert_eq!(again, w, "{s} -> {w}");
        }
    }
}
