//! HEIC and AVIF through the system libheif (1.15: libde265/x265 for HEVC,
//! dav1d/aom for AV1).
//!
//! libheif applies the container's rotation and mirror properties (`irot`,
//! `imir`) while decoding, so the decoded pixels are already upright and the
//! reported orientation is always 1: `auto-orient,0` cannot keep the stored
//! orientation of a HEIC/AVIF, and `info` reports the displayed size (a
//! documented deviation, see `docs/codecs.md`).
//!
//! Shrink-on-load: when the pipeline allows a smaller image, a thumbnail item
//! that shows the same picture as the primary (checked by
//! [`super::heif_boxes`] and below) is decoded instead; see `docs/codecs.md`.

use libheif_rs::ColorProfile as _;
use libheif_rs::{
    Channel, ColorSpace, CompressionFormat, EncoderParameterValue, HeifContext, ImageHandle,
    RgbChroma,
};

use super::heif_boxes::Meta;
use super::{color, DecodeOptions, Header};
use crate::img::frame::{Format, Frame, Image, PixelFormat};
use crate::img::Error;

/// Recognises the ISOBMFF `ftyp` brands of HEIC and AVIF.
pub(super) fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.get(4..8)? != b"ftyp" {
        return None;
    }
    let size = (super::be32(bytes, 0)? as usize).min(bytes.len().min(4096));
    let compatible = bytes.get(16..size).unwrap_or(&[]);
    let brands: Vec<&[u8]> = std::iter::once(bytes.get(8..12)?)
        .chain(compatible.chunks_exact(4))
        .collect();
    let has = |b: &[u8]| brands.contains(&b);
    if has(b"avif") || has(b"avis") {
        Some(Format::Avif)
    } else if [
        "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1",
    ]
    .iter()
    .any(|b| has(b.as_bytes()))
    {
        Some(Format::Heic)
    } else {
        None
    }
}

fn bad<T>(_: T) -> Error {
    Error::unsupported_format()
}

pub(super) fn probe(bytes: &[u8]) -> Result<Header, Error> {
    let ctx = HeifContext::read_from_bytes(bytes).map_err(bad)?;
    let handle = ctx.primary_image_handle().map_err(bad)?;
    Ok(Header {
        width: handle.width(),
        height: handle.height(),
        frames: 1,
        orientation: 1,
        quality: None,
        has_alpha: handle.has_alpha_channel(),
    })
}

/// The Exif block of the primary image (TIFF data), if any.
pub(super) fn exif(bytes: &[u8]) -> Option<Vec<u8>> {
    let ctx = HeifContext::read_from_bytes(bytes).ok()?;
    let handle = ctx.primary_image_handle().ok()?;
    let mut ids = [0u32; 1];
    if handle.metadata_block_ids(&mut ids, b"Exif") == 0 {
        return None;
    }
    let data = handle.metadata(ids[0]).ok()?;
    // The block starts with a 4-byte offset to the TIFF header.
    let off = super::be32(&data, 0)? as usize;
    data.get(4 + off..).map(|d| d.to_vec())
}

/// Decodes the primary image, or with `opts.min_size` the smallest thumbnail
/// that is at least that big and shows the same picture (see
/// [`pick_thumbnail`]). The flag is `true` when an ICC profile was honoured.
pub(super) fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<(Image, bool), Error> {
    let ctx = HeifContext::read_from_bytes(bytes).map_err(bad)?;
    let primary = ctx.primary_image_handle().map_err(bad)?;
    if let Some(thumb) = opts
        .min_size
        .and_then(|min| pick_thumbnail(bytes, &primary, min))
    {
        // A thumbnail that fails to decode is no reason to fail the request.
        if let Ok(image) = decode_handle(&thumb) {
            return Ok(image);
        }
    }
    decode_handle(&primary)
}

/// Most thumbnails considered.
const MAX_THUMBNAILS: usize = 16;

/// The smallest thumbnail of `primary` with both sides at least `min` whose
/// decode shows the same picture as the primary's: same effective
/// `irot`/`imir`, no `clap`, same colour properties and aspect ratio
/// ([`Meta::thumbnail_matches`]), alpha iff the primary has alpha, the same
/// premultiplication and the same ICC profile as libheif reports them.
/// `None` when there is none or anything cannot be verified.
fn pick_thumbnail(bytes: &[u8], primary: &ImageHandle, min: (u32, u32)) -> Option<ImageHandle> {
    if primary.number_of_thumbnails() == 0 {
        return None;
    }
    let meta = Meta::parse(bytes)?;
    let mut ids = [0; MAX_THUMBNAILS];
    let n = primary.thumbnail_ids(&mut ids).min(MAX_THUMBNAILS);
    let primary_icc = primary.color_profile_raw();
    let mut best: Option<(u64, ImageHandle)> = None;
    for &id in ids.get(..n)? {
        if !meta.thumbnail_matches(id) {
            continue;
        }
        let Ok(thumb) = primary.thumbnail(id) else {
            continue;
        };
        let (w, h) = (thumb.width(), thumb.height());
        let area = u64::from(w) * u64::from(h);
        let icc = thumb.color_profile_raw();
        let same_icc = match (&primary_icc, &icc) {
            (None, None) => true,
            (Some(a), Some(b)) => a.profile_type() == b.profile_type() && a.data == b.data,
            _ => false,
        };
        if w >= min.0
            && h >= min.1
            && thumb.has_alpha_channel() == primary.has_alpha_channel()
            && thumb.is_premultiplied_alpha() == primary.is_premultiplied_alpha()
            && same_icc
            && best.as_ref().is_none_or(|(a, _)| area < *a)
        {
            best = Some((area, thumb));
        }
    }
    best.map(|(_, thumb)| thumb)
}

/// Decodes one image (primary or thumbnail) to 8-bit RGB(A) in sRGB; the
/// flag is `true` when its ICC profile was honoured.
fn decode_handle(handle: &ImageHandle) -> Result<(Image, bool), Error> {
    let alpha = handle.has_alpha_channel();
    let (chroma, format) = if alpha {
        (RgbChroma::Rgba, PixelFormat::Rgba8)
    } else {
        (RgbChroma::Rgb, PixelFormat::Rgb8)
    };
    let img = handle.decode(ColorSpace::Rgb(chroma), None).map_err(bad)?;
    let planes = img.planes();
    let plane = planes.interleaved.ok_or_else(Error::unsupported_format)?;
    let (w, h) = (plane.width as usize, plane.height as usize);
    let row = w * format.channels();
    // Interleaved RGB(A) must come back as 8 bits per channel.
    if usize::from(plane.storage_bits_per_pixel) != 8 * format.channels() {
        return Err(Error::unsupported_format());
    }
    let mut data = Vec::with_capacity(row * h);
    for y in 0..h {
        let line = plane
            .data
            .get(y * plane.stride..y * plane.stride + row)
            .ok_or_else(Error::unsupported_format)?;
        data.extend_from_slice(line);
    }
    let profiled = match handle.color_profile_raw() {
        Some(icc) => color::rgb_icc_to_srgb(&mut data, format.channels(), &icc.data),
        None => false,
    };
    let (data, format) = if format == PixelFormat::Rgba8 && !super::rgba_has_alpha(&data) {
        (super::rgba_to_rgb(&data), PixelFormat::Rgb8)
    } else {
        (data, format)
    };
    let image = Image {
        frames: vec![Frame {
            width: plane.width,
            height: plane.height,
            format,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    Ok((image, profiled))
}

/// Encodes HEIC (x265) or AVIF (aom) at the encoder's default quality:
/// `quality` does not apply to these outputs (§5.12, §5.13). No colour
/// profile is written (libheif-rs 0.18 cannot set one safely; see
/// `docs/codecs.md`).
pub(super) fn encode(frame: &Frame, format: Format) -> Result<Vec<u8>, Error> {
    let fail = |_| super::encode_failed(format.name());
    let mut ctx = HeifContext::new().map_err(fail)?;
    let compression = if format == Format::Avif {
        CompressionFormat::Av1
    } else {
        CompressionFormat::Hevc
    };
    let mut enc = ctx.encoder_for_format(compression).map_err(fail)?;
    // Speed over the last percent of compression (ignored if unknown).
    if format == Format::Avif {
        let _ = enc.set_parameter_value("speed", EncoderParameterValue::Int(8));
    } else {
        let _ =
            enc.set_parameter_value("preset", EncoderParameterValue::String("fast".to_string()));
    }
    let (chroma, bits) = match frame.format {
        PixelFormat::Rgb8 => (RgbChroma::Rgb, 24),
        PixelFormat::Rgba8 => (RgbChroma::Rgba, 32),
    };
    let mut img =
        libheif_rs::Image::new(frame.width, frame.height, ColorSpace::Rgb(chroma)).map_err(fail)?;
    img.create_plane(Channel::Interleaved, frame.width, frame.height, bits)
        .map_err(fail)?;
    {
        let planes = img.planes_mut();
        let plane = planes
            .interleaved
            .ok_or_else(|| super::encode_failed(format.name()))?;
        let row = frame.width as usize * frame.format.channels();
        for (y, src) in frame.data.chunks_exact(row).enumerate() {
            let dst = plane
                .data
                .get_mut(y * plane.stride..y * plane.stride + row)
                .ok_or_else(|| super::encode_failed(format.name()))?;
            dst.copy_from_slice(src);
        }
    }
    ctx.encode_image(&img, &mut enc, None).map_err(fail)?;
    ctx.write_to_bytes().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::{Limits, NoResources};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/images/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn decode_at(bytes: &[u8], min_size: Option<(u32, u32)>) -> Frame {
        let opts = DecodeOptions {
            min_size,
            all_frames: false,
        };
        let (mut image, _) = decode(bytes, &opts).expect("decodes");
        assert_eq!(image.frames.len(), 1);
        image.frames.remove(0)
    }

    fn size(f: &Frame) -> (u32, u32) {
        (f.width, f.height)
    }

    /// A `w × h` image of `ch` interleaved channels reduced by an integer
    /// factor (block average; the last partial blocks are dropped).
    fn shrink(data: &[u8], (w, h): (u32, u32), ch: usize, factor: u32) -> Vec<u8> {
        let (w, h, factor) = (w as usize, h as usize, factor as usize);
        let mut out = Vec::new();
        for y in 0..h / factor {
            for x in 0..w / factor {
                for c in 0..ch {
                    let mut sum = 0usize;
                    for dy in 0..factor {
                        for dx in 0..factor {
                            let (sx, sy) = (x * factor + dx, y * factor + dy);
                            sum += usize::from(data[(sy * w + sx) * ch + c]);
                        }
                    }
                    out.push((sum / (factor * factor)) as u8);
                }
            }
        }
        out
    }

    fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
        assert_eq!(a.len(), b.len());
        let total: u64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| u64::from(x.abs_diff(y)))
            .sum();
        total as f64 / a.len() as f64
    }

    /// The colour of a frame composited onto white, and its alpha (empty if
    /// opaque), so that the colour of transparent pixels does not count.
    fn on_white(f: &Frame) -> (Vec<u8>, Vec<u8>) {
        if f.format == PixelFormat::Rgb8 {
            return (f.data.clone(), Vec::new());
        }
        let mut rgb = Vec::with_capacity(f.data.len() / 4 * 3);
        let mut alpha = Vec::with_capacity(f.data.len() / 4);
        for p in f.data.chunks_exact(4) {
            let a = u32::from(p[3]);
            rgb.extend(
                p[..3]
                    .iter()
                    .map(|&c| ((u32::from(c) * a + 255 * (255 - a)) / 255) as u8),
            );
            alpha.push(p[3]);
        }
        (rgb, alpha)
    }

    /// The thumbnail decode shows the full picture: at a coarse scale
    /// (blocks of 4×4 thumbnail pixels, to look past coding noise), close to
    /// the full decode, and far from it upside down (so the bound means
    /// something). `factor` is the thumbnail's reduction.
    fn assert_same_picture(thumb: &Frame, full: &Frame, factor: u32) {
        assert_eq!(thumb.format, full.format);
        let ((t, ta), (f, fa)) = (on_white(thumb), on_white(full));
        let coarse_t = shrink(&t, size(thumb), 3, 4);
        let coarse_f = shrink(&f, size(full), 3, 4 * factor);
        let d = mean_abs_diff(&coarse_t, &coarse_f);
        let row = (thumb.width / 4) as usize * 3;
        let flipped: Vec<u8> = coarse_t
            .chunks_exact(row)
            .rev()
            .flatten()
            .copied()
            .collect();
        let upside_down = mean_abs_diff(&flipped, &coarse_f);
        assert!(d < 4.0, "mean abs diff {d} (upside down {upside_down})");
        assert!(upside_down > 2.0 * d + 5.0, "{upside_down} vs {d}");
        if !ta.is_empty() {
            let da = mean_abs_diff(
                &shrink(&ta, size(thumb), 1, 4),
                &shrink(&fa, size(full), 1, 4 * factor),
            );
            // heif-enc scales thumbnails by nearest neighbour: a soft alpha
            // edge aliases more than colour does (same mean, measured).
            assert!(da < 6.0, "alpha mean abs diff {da}");
        }
    }

    #[test]
    fn qualifying_thumbnail_is_decoded_when_big_enough() {
        for name in ["thumb.heic", "thumb.avif"] {
            let bytes = fixture(name);
            let full = decode_at(&bytes, None);
            assert_eq!(size(&full), (480, 300), "{name}");
            let thumb = decode_at(&bytes, Some((150, 90)));
            assert_eq!(size(&thumb), (160, 100), "{name}");
            assert_eq!(size(&decode_at(&bytes, Some((160, 100)))), (160, 100));
            assert_eq!(thumb.format, PixelFormat::Rgb8);
            assert_same_picture(&thumb, &full, 3);
            for min in [(161, 90), (150, 101), (480, 300)] {
                assert_eq!(size(&decode_at(&bytes, Some(min))), (480, 300), "{min:?}");
            }
            // The header still describes the primary.
            let h = probe(&bytes).unwrap();
            assert_eq!((h.width, h.height), (480, 300));
        }
    }

    #[test]
    fn smallest_qualifying_thumbnail_wins() {
        // 240×150, 120×74 (off by 1.2 px: never used) and 96×60.
        let bytes = fixture("thumb-multi.heic");
        let full = decode_at(&bytes, None);
        assert_eq!(size(&decode_at(&bytes, Some((90, 55)))), (96, 60));
        assert_eq!(size(&decode_at(&bytes, Some((96, 60)))), (96, 60));
        let t = decode_at(&bytes, Some((100, 60)));
        assert_eq!(size(&t), (240, 150));
        assert_same_picture(&t, &full, 2);
        assert_eq!(size(&decode_at(&bytes, Some((241, 10)))), (480, 300));
    }

    #[test]
    fn alpha_must_match() {
        let bytes = fixture("thumb-alpha.heic");
        let full = decode_at(&bytes, None);
        assert_eq!((size(&full), full.format), ((480, 320), PixelFormat::Rgba8));
        let thumb = decode_at(&bytes, Some((100, 60)));
        assert_eq!(
            (size(&thumb), thumb.format),
            ((120, 80), PixelFormat::Rgba8)
        );
        assert_same_picture(&thumb, &full, 4);
        // Same file, thumbnail without alpha (`heif-enc --no-thumb-alpha`).
        let bytes = fixture("thumb-noalpha.heic");
        let t = decode_at(&bytes, Some((100, 60)));
        assert_eq!((size(&t), t.format), ((480, 320), PixelFormat::Rgba8));
    }

    #[test]
    fn grid_primary_with_a_rounded_thumbnail() {
        // 320×213 primary (a one-tile grid: odd height) with alpha.
        let bytes = fixture("thumb-grid.heic");
        let full = decode_at(&bytes, None);
        assert_eq!(size(&full), (320, 213));
        // 160×106 (exact 160×106.5): used.
        let thumb = decode_at(&bytes, Some((100, 100)));
        assert_eq!(size(&thumb), (160, 106));
        assert_same_picture(&thumb, &full, 2);
        // 128×84 (exact 128×85.2): stretched, never used.
        let bytes = fixture("thumb-grid-aspect.heic");
        assert_eq!(size(&decode_at(&bytes, Some((100, 80)))), (320, 213));
    }

    #[test]
    fn transforms_must_match() {
        // Primary irot (EXIF 6), thumbnail stored upright as in
        // strukturag/libheif#548: libheif would return a 160×100 thumbnail
        // for a 300×480 picture.
        let bytes = fixture("thumb-rot-primary.heic");
        let full = decode_at(&bytes, None);
        assert_eq!(size(&full), (300, 480));
        let ctx = HeifContext::read_from_bytes(&bytes).unwrap();
        let primary = ctx.primary_image_handle().unwrap();
        let mut ids = [0; 2];
        assert_eq!(primary.thumbnail_ids(&mut ids), 1);
        let t = primary.thumbnail(ids[0]).unwrap();
        assert_eq!((t.width(), t.height()), (160, 100));
        let d = decode_at(&bytes, Some((90, 150)));
        assert_eq!(size(&d), (300, 480));
        assert_eq!(d.data, full.data);
        assert_eq!(size(&decode_at(&bytes, Some((10, 10)))), (300, 480));

        // Both irot + imir (EXIF 5): the thumbnail is used and comes out
        // transformed like the primary.
        let bytes = fixture("thumb-rot-both.heic");
        let full = decode_at(&bytes, None);
        assert_eq!(size(&full), (300, 480));
        let thumb = decode_at(&bytes, Some((90, 150)));
        assert_eq!(size(&thumb), (100, 160));
        assert_same_picture(&thumb, &full, 3);

        // The same file with the thumbnail's mirror axis patched in place:
        // the primary is decoded.
        let mut patched = bytes.clone();
        let at = patched
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == b"imir")
            .nth(1)
            .map(|(i, _)| i + 4)
            .unwrap();
        patched[at] ^= 1;
        let d = decode_at(&patched, Some((90, 150)));
        assert_eq!(size(&d), (300, 480));
        assert_eq!(d.data, full.data);
    }

    #[test]
    fn garbage_in_the_boxes_falls_back_or_fails_cleanly() {
        let bytes = fixture("thumb.heic");
        // An ipma association count pointing past its box: the box reader
        // gives up, libheif may or may not; either way no panic and, when
        // decoding works, the primary.
        let at = bytes.windows(4).position(|w| w == b"ipma").unwrap();
        for delta in [1u8, 7, 200] {
            let mut b = bytes.clone();
            b[at + 13] = b[at + 13].wrapping_add(delta);
            let opts = DecodeOptions {
                min_size: Some((150, 90)),
                all_frames: false,
            };
            if let Ok((img, _)) = decode(&b, &opts) {
                assert_eq!(size(&img.frames[0]), (480, 300));
            }
        }
    }

    #[test]
    fn corrupted_headers_never_panic_in_decode() {
        let opts = DecodeOptions {
            min_size: Some((90, 55)),
            all_frames: false,
        };
        for name in ["thumb.avif", "thumb-multi.heic"] {
            let orig = fixture(name);
            let meta_end = orig.windows(4).position(|w| w == b"mdat").unwrap();
            let mut state = 0x2545_F491_4F6C_DD1Du64;
            for _ in 0..60 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mut bytes = orig.clone();
                let at = (state >> 16) as usize % meta_end;
                bytes[at] ^= (state >> 48) as u8 | 1;
                if let Ok((image, _)) = decode(&bytes, &opts) {
                    let f = &image.frames[0];
                    assert_eq!(
                        f.data.len(),
                        (f.width * f.height) as usize * f.format.channels()
                    );
                }
            }
        }
    }

    #[test]
    fn resize_in_the_pipeline_uses_the_thumbnail_transparently() {
        let limits = Limits::default();
        for name in [
            "thumb.heic",
            "thumb.avif",
            "thumb-rot-both.heic",
            "thumb-rot-primary.heic",
        ] {
            let bytes = fixture(name);
            // What the pipeline asks the decoder for, and what it gets.
            let plan = crate::img::plan::parse("image/resize,w_100", &NoResources).unwrap();
            let h = probe(&bytes).unwrap();
            let min = crate::img::pipeline::shrink_target(&plan, (h.width, h.height), false);
            let decoded = size(&decode_at(&bytes, min));
            let expect_decoded = match name {
                "thumb-rot-primary.heic" => (300, 480),
                "thumb-rot-both.heic" => (100, 160),
                _ => (160, 100),
            };
            assert_eq!(decoded, expect_decoded, "{name} with {min:?}");
            let out = crate::img::process(&bytes, "image/resize,w_100", &NoResources, &limits)
                .expect("processes");
            let back = crate::img::codec::probe(&out.bytes, &limits).unwrap();
            let want = if name.starts_with("thumb-rot") {
                (100, 160)
            } else {
                (100, 63)
            };
            assert_eq!((back.width, back.height), want, "{name}");
            let info = crate::img::process(&bytes, "image/info", &NoResources, &limits).unwrap();
            let m: serde_json::Value = serde_json::from_slice(&info.bytes).unwrap();
            assert_eq!(
                m["ImageWidth"]["value"],
                if want.1 == 63 { "480" } else { "300" }
            );
        }
    }
}
