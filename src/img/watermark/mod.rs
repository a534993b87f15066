//! `watermark` (image-processing.md §5.15): a text, an image, or an image and
//! a text side by side, placed on the nine-grid or tiled, at an opacity.
//!
//! - [`parse`] validates one action's arguments (no bytes are read);
//! - [`apply`] fetches and preprocesses a watermark object, renders text,
//!   builds the block and composites it onto the image;
//! - [`block_size`] tells the size of that block without drawing it.
//!
//! Submodules: [`fonts`] (OSS font names → installed fonts), `text`
//! (layout and rasterisation), `mark` (watermark objects and their nested
//! preprocessing), `place` (block, placement, tiling, compositing).

pub mod fonts;
mod mark;
mod place;
mod text;

use std::fmt;

use base64::Engine;

use crate::img::frame::Image;
use crate::img::ops::crop::Gravity;
use crate::img::plan::args::{int_in, uint_in, Args, Rgb};
use crate::img::{Error, ErrorCode, Limits, Resources};

/// Base64 values (`text`, `type`, `image`): URL-safe or standard alphabet,
/// padded or not (§2.9); `None` when not Base64 or not UTF-8.
pub use crate::img::plan::saveas::decode_base64;
pub use fonts::{set_font_dirs, FontName};
pub use mark::Prep;

/// EC: `t` outside 0–100.
pub const EC_OPACITY: &str = "0040-00000263";
/// EC: `image` is not Base64 (or its preprocessing is malformed).
pub const EC_IMAGE: &str = "0040-00000265";
/// EC: `voffset` outside −1000…1000.
pub const EC_VOFFSET: &str = "0040-00000268";
/// EC: `order` other than 0/1.
pub const EC_ORDER: &str = "0040-00000269";
/// EC: `fill` other than 0/1.
pub const EC_FILL: &str = "0040-00000274";
/// EC: neither `text` nor `image`.
pub const EC_NO_CONTENT: &str = "0040-00000278";
/// EC: `color` not six hexadecimal digits.
pub const EC_COLOR: &str = "0040-00000254";
/// EC: `shadow` outside 0–100.
pub const EC_SHADOW: &str = "0040-00000255";
/// EC: `size` outside (0, 1000].
pub const EC_SIZE: &str = "0040-00000256";
/// EC: `text` with no value (also used when it is not Base64 or UTF-8).
pub const EC_TEXT_EMPTY: &str = "0040-00000258";
/// EC: the watermark object does not exist (`WatermarkError`).
pub const EC_OBJECT_MISSING: &str = "0040-00000025";
/// EC: the watermark object's format is not supported (`WatermarkError`).
pub const EC_OBJECT_FORMAT: &str = "0040-00000027";
/// EC: the preprocessing contains `watermark`.
pub const EC_NESTED_WATERMARK: &str = "0040-00000373";
/// EC: the preprocessing contains `info`.
pub const EC_NESTED_INFO: &str = "0040-00000374";

/// Longest text, in bytes of UTF-8 (§4.8).
pub const MAX_TEXT_BYTES: usize = 64;

/// Which part of a text+image block comes first (`order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// `order_0`: image on the left, text on the right.
    ImageFirst,
    /// `order_1`: text on the left, image on the right.
    TextFirst,
}

/// Vertical alignment of the two parts of a text+image block (`align`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Align {
    /// `align_0`.
    Top,
    /// `align_1`.
    Middle,
    /// `align_2` (default).
    Bottom,
}

/// A text watermark (§5.15.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextMark {
    /// The text, control characters removed.
    pub text: String,
    /// Font.
    pub font: FontName,
    /// Colour.
    pub color: Rgb,
    /// Font size in pixels (em size), 1–1000.
    pub size: u32,
    /// Shadow opacity in percent; 0 = no shadow.
    pub shadow: u8,
    /// Clockwise rotation in degrees, 0–360.
    pub rotate: u32,
}

/// An image watermark (§5.15.3, §5.15.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageMark {
    /// Key of the watermark object in the source's bucket.
    pub key: String,
    /// Nested preprocessing, in written order.
    pub prep: Vec<Prep>,
}

/// Typed, validated parameters of one `watermark` action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Params {
    /// Opacity in percent (`t`), 0–100.
    pub opacity: u8,
    /// Position on the nine-grid (`g`).
    pub gravity: Gravity,
    /// Horizontal margin (`x`), 0–4096.
    pub x: u32,
    /// Vertical margin (`y`), 0–4096.
    pub y: u32,
    /// Vertical offset from the middle line (`voffset`), −1000…1000;
    /// positive moves down.
    pub voffset: i32,
    /// Tile the block over the whole image (`fill_1`).
    pub fill: bool,
    /// Horizontal gap between tiles (`padx`), 0–4096.
    pub padx: u32,
    /// Vertical gap between tiles (`pady`), 0–4096.
    pub pady: u32,
    /// Text part.
    pub text: Option<TextMark>,
    /// Image part.
    pub image: Option<ImageMark>,
    /// Order of a text+image block.
    pub order: Order,
    /// Vertical alignment of a text+image block.
    pub align: Align,
    /// Gap between the parts of a text+image block (`interval`), 0–1000.
    pub interval: u32,
    /// `animation_1`: stamp every frame of an animation (image watermarks).
    pub animation: bool,
}

/// The value of `key`; the last occurrence wins.
fn get<'a>(args: &[(&str, &'a str)], key: &str) -> Option<&'a str> {
    args.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// An unsigned keyed value in `min..=max`, or `default` when absent.
fn uint_arg(
    args: &[(&str, &str)],
    key: &str,
    (min, max, default): (u32, u32, u32),
    ec: Option<&'static str>,
) -> Result<u32, Error> {
    match get(args, key) {
        None => Ok(default),
        Some(v) => uint_in(v, min, max).ok_or_else(|| Error::invalid_param(ec, key, v)),
    }
}

/// URL-safe Base64 without padding, as the documentation writes values.
fn encode_base64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// Parses the arguments of one `watermark` action (the part after
/// `watermark,`, already split on ',' into (key, value) pairs in written
/// order; later duplicates win). No image bytes are read.
pub fn parse(args: &[(&str, &str)]) -> Result<Params, Error> {
    let opacity = uint_arg(args, "t", (0, 100, 100), Some(EC_OPACITY))? as u8;
    let gravity = match get(args, "g") {
        None => Gravity::Se,
        Some(v) => Gravity::parse(v).ok_or_else(|| Error::invalid_param(None, "g", v))?,
    };
    let x = uint_arg(args, "x", (0, 4096, 10), None)?;
    let y = uint_arg(args, "y", (0, 4096, 10), None)?;
    let voffset = match get(args, "voffset") {
        None => 0,
        Some(v) => int_in(v, -1000, 1000)
            .ok_or_else(|| Error::invalid_param(Some(EC_VOFFSET), "voffset", v))?,
    };
    let fill = uint_arg(args, "fill", (0, 1, 0), Some(EC_FILL))? == 1;
    let padx = uint_arg(args, "padx", (0, 4096, 0), None)?;
    let pady = uint_arg(args, "pady", (0, 4096, 0), None)?;
    let order = match uint_arg(args, "order", (0, 1, 0), Some(EC_ORDER))? {
        0 => Order::ImageFirst,
        _ => Order::TextFirst,
    };
    let align = match uint_arg(args, "align", (0, 2, 2), None)? {
        0 => Align::Top,
        1 => Align::Middle,
        _ => Align::Bottom,
    };
    let interval = uint_arg(args, "interval", (0, 1000, 0), None)?;
    let animation = uint_arg(args, "animation", (0, 1, 0), None)? == 1;
    let text = get(args, "text").map(|v| parse_text(v, args)).transpose()?;
    let image = get(args, "image").map(parse_image).transpose()?;
    if text.is_none() && image.is_none() {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            Some(EC_NO_CONTENT),
            "The watermark action needs a text or an image parameter.",
        ));
    }
    Ok(Params {
        opacity,
        gravity,
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

/// The text part: `text` (given), `type`, `color`, `size`, `shadow`,
/// `rotate`.
fn parse_text(raw: &str, args: &[(&str, &str)]) -> Result<TextMark, Error> {
    if raw.is_empty() {
        return Err(Error::invalid_param(Some(EC_TEXT_EMPTY), "text", raw));
    }
    let decoded =
        decode_base64(raw).ok_or_else(|| Error::invalid_param(Some(EC_TEXT_EMPTY), "text", raw))?;
    if decoded.len() > MAX_TEXT_BYTES {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            None,
            "font content is too large",
        ));
    }
    let text: String = decoded.chars().filter(|c| !c.is_control()).collect();
    if text.is_empty() {
        return Err(Error::invalid_param(Some(EC_TEXT_EMPTY), "text", raw));
    }
    let font = match get(args, "type") {
        None => FontName::WqyZenhei,
        Some(v) => decode_base64(v)
            .and_then(|name| FontName::parse(&name))
            .ok_or_else(|| Error::invalid_param(Some(fonts::EC_UNKNOWN_FONT), "type", v))?,
    };
    let color = match get(args, "color") {
        None => Rgb([0, 0, 0]),
        Some(v) => Rgb::parse(v).ok_or_else(|| Error::invalid_param(Some(EC_COLOR), "color", v))?,
    };
    let size = uint_arg(args, "size", (1, 1000, 40), Some(EC_SIZE))?;
    let shadow = uint_arg(args, "shadow", (0, 100, 0), Some(EC_SHADOW))? as u8;
    let rotate = uint_arg(args, "rotate", (0, 360, 0), None)?;
    Ok(TextMark {
        text,
        font,
        color,
        size,
        shadow,
        rotate,
    })
}

/// The image part: the Base64 key, optionally with
/// `?x-oss-process=image/...` preprocessing.
fn parse_image(raw: &str) -> Result<ImageMark, Error> {
    let bad = || Error::invalid_param(Some(EC_IMAGE), "image", raw);
    let decoded = decode_base64(raw).ok_or_else(bad)?;
    let (key, prep) = match decoded.split_once("?x-oss-process=") {
        Some((key, process)) => (key, mark::parse_prep(process, raw)?),
        None => (decoded.as_str(), Vec::new()),
    };
    if key.is_empty() {
        return Err(bad());
    }
    Ok(ImageMark {
        key: key.to_owned(),
        prep,
    })
}

/// [`parse`] over an action segment already split by the plan
/// (`Args::split("watermark,text_...,g_se")`): each argument is cut at its
/// first `_`, a bare key getting an empty value.
pub fn parse_args(args: &Args<'_>) -> Result<Params, Error> {
    let pairs: Vec<(&str, &str)> = args
        .raw
        .iter()
        .map(|a| a.split_once('_').unwrap_or((a, "")))
        .collect();
    parse(&pairs)
}

/// Whether this watermark keeps an animation (image watermark with
/// `animation_1`, §4.7). Text watermarks always make an animation static.
pub fn keeps_animation(params: &Params) -> bool {
    params.animation && params.image.is_some() && params.text.is_none()
}

/// Applies one watermark to `image` (all frames when the watermark keeps the
/// animation, otherwise the first frame only, see §4.7), fetching watermark
/// objects through `resources`, decoding them with
/// [`crate::img::codec`], and running their nested preprocessing.
pub fn apply(
    image: &mut Image,
    params: &Params,
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<(), Error> {
    if !keeps_animation(params) {
        image.frames.truncate(1);
    }
    let Some(first) = image.frames.first() else {
        return Err(Error::new(
            ErrorCode::InternalError,
            None,
            "watermark: image without frames",
        ));
    };
    let block = build_block(params, (first.width, first.height), resources, limits)?;
    place::stamp(image, &block, params)
}

/// The size `(w, h)` of the block that [`apply`] places (or tiles) on an
/// image of `base` size: the text's box (grown by its shadow, then the
/// bounding box of its rotation), the preprocessed watermark object, or both
/// side by side. Fetches and preprocesses the object as `apply` does.
pub fn block_size(
    params: &Params,
    base: (u32, u32),
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<(u32, u32), Error> {
    let block = build_block(params, base, resources, limits)?;
    Ok((block.w, block.h))
}

/// Loads and preprocesses the image part, lays out the text part and
/// combines them into the block.
fn build_block(
    params: &Params,
    base: (u32, u32),
    resources: &dyn Resources,
    limits: &Limits,
) -> Result<place::Block, Error> {
    let image_part = params
        .image
        .as_ref()
        .map(|m| mark::load(m, base, resources, limits))
        .transpose()?;
    let text_part = params.text.as_ref().map(text::layout).transpose()?;
    Ok(place::Block::new(image_part, text_part, params))
}

impl fmt::Display for Params {
    /// The canonical form: every parameter, Base64 values re-encoded
    /// URL-safe without padding, so equal strings mean equal results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "watermark,t_{},g_{},x_{},y_{},voffset_{},fill_{},padx_{},pady_{}",
            self.opacity,
            self.gravity.name(),
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
                encode_base64(&t.text),
                encode_base64(t.font.name()),
                t.color,
                t.size,
                t.shadow,
                t.rotate
            )?;
        }
        if let Some(m) = &self.image {
            let mut value = m.key.clone();
            if !m.prep.is_empty() {
                value.push_str("?x-oss-process=image");
                for p in &m.prep {
                    value.push('/');
                    value.push_str(&p.to_string());
                }
            }
            write!(
                f,
                ",image_{},animation_{}",
                encode_base64(&value),
                u8::from(self.animation)
            )?;
        }
        if self.text.is_some() && self.image.is_some() {
            let order = match self.order {
                Order::ImageFirst => 0,
                Order::TextFirst => 1,
            };
            let align = match self.align {
                Align::Top => 0,
                Align::Middle => 1,
                Align::Bottom => 2,
            };
            write!(f, ",order_{order},align_{align},interval_{}", self.interval)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
