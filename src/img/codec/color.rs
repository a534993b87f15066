//! Colour conversions: embedded ICC profiles to sRGB (moxcms), CMYK to RGB,
//! grey expansion, and the sRGB profile written into tagged outputs.

use std::sync::OnceLock;

use moxcms::{ColorProfile, DataColorSpace, Layout, ToneReprCurve, TransformOptions, Xyzd};

/// Largest difference allowed between a colorant of a profile and sRGB's
/// (D50-adapted XYZ, as profiles store them) for the profile to count as
/// sRGB. Real sRGB profiles (HP's, GIMP's, lcms2's, moxcms's) differ by less
/// than 0.0002; the nearest other RGB spaces (Display P3, Adobe RGB) differ by
/// more than 0.05.
const COLORANT_TOLERANCE: f64 = 0.002;

/// The sRGB curve, linear → encoded.
fn linear_to_srgb(l: f64) -> f64 {
    if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    }
}

fn close(a: Xyzd, b: Xyzd) -> bool {
    (a.x - b.x).abs() <= COLORANT_TOLERANCE
        && (a.y - b.y).abs() <= COLORANT_TOLERANCE
        && (a.z - b.z).abs() <= COLORANT_TOLERANCE
}

/// `true` when every 8-bit level, linearised by `curve` and re-encoded with
/// the sRGB curve, comes back within half a level of itself.
fn is_srgb_curve(curve: Option<&ToneReprCurve>) -> bool {
    let Some(eval) = curve.and_then(|c| c.make_linear_evaluator().ok()) else {
        return false;
    };
    (0..=255u8).all(|k| {
        let x = f64::from(k) / 255.0;
        let linear = f64::from(eval.evaluate_value(x as f32));
        linear.is_finite()
            && (linear_to_srgb(linear.clamp(0.0, 1.0)) * 255.0 - f64::from(k)).abs() <= 0.5
    })
}

/// `true` when a parsed profile is sRGB: an RGB matrix/TRC profile (no
/// lookup tables) whose three colorants are within [`COLORANT_TOLERANCE`] of
/// sRGB's and whose three curves match the sRGB curve to half an 8-bit level
/// at every level ([`is_srgb_curve`]). Converting through such a profile
/// would leave the pixels as they are, so it is skipped. The profile's name
/// is not looked at: a "Display P3" profile described as "sRGB-like" is
/// converted.
pub(super) fn is_srgb(p: &ColorProfile) -> bool {
    let srgb = ColorProfile::new_srgb();
    p.color_space == DataColorSpace::Rgb
        && p.pcs == DataColorSpace::Xyz
        && p.lut_a_to_b_perceptual.is_none()
        && p.lut_a_to_b_colorimetric.is_none()
        && p.lut_a_to_b_saturation.is_none()
        && close(p.red_colorant, srgb.red_colorant)
        && close(p.green_colorant, srgb.green_colorant)
        && close(p.blue_colorant, srgb.blue_colorant)
        && [&p.red_trc, &p.green_trc, &p.blue_trc]
            .iter()
            .all(|c| is_srgb_curve(c.as_ref()))
}

/// The ICC profile written into outputs tagged as sRGB: moxcms's built-in
/// sRGB profile (`ColorProfile::new_srgb`, a v4 matrix/TRC profile of a few
/// hundred bytes), encoded once. Empty if it cannot be encoded (the output is
/// then left untagged).
pub(super) fn srgb_icc() -> &'static [u8] {
    static ICC: OnceLock<Vec<u8>> = OnceLock::new();
    ICC.get_or_init(|| ColorProfile::new_srgb().encode().unwrap_or_default())
}

/// Converts interleaved RGB or RGBA pixels from the colour space of `icc` to
/// sRGB in place.
///
/// Returns `true` when the profile was honoured: the pixels were converted,
/// or the profile is sRGB ([`is_srgb`]) and nothing needed doing. Profiles
/// that cannot be parsed or transformed, or that are not RGB, are ignored
/// (`false`; the pixels are then taken as sRGB), so a broken profile never
/// fails a request.
pub(super) fn rgb_icc_to_srgb(pixels: &mut [u8], channels: usize, icc: &[u8]) -> bool {
    RgbProfile::parse(icc).is_some_and(|p| p.to_srgb(pixels, channels))
}

/// An RGB source profile parsed (and checked against sRGB) once, for
/// converting several buffers, such as the frames of an animation.
pub(super) enum RgbProfile {
    /// sRGB already: nothing to convert.
    Srgb,
    /// Another RGB profile.
    Other(Box<ColorProfile>),
}

impl RgbProfile {
    /// The profile in `icc`, or `None` when it is empty, unparsable or not
    /// RGB (it is then ignored).
    pub(super) fn parse(icc: &[u8]) -> Option<RgbProfile> {
        if icc.is_empty() {
            return None;
        }
        let src = ColorProfile::new_from_slice(icc).ok()?;
        if src.color_space != DataColorSpace::Rgb {
            return None;
        }
        Some(if is_srgb(&src) {
            RgbProfile::Srgb
        } else {
            RgbProfile::Other(Box::new(src))
        })
    }

    /// Converts interleaved RGB or RGBA pixels to sRGB in place, keeping
    /// alpha exactly; `false` when the transform cannot be made (the
    /// pixels are left as they are).
    pub(super) fn to_srgb(&self, pixels: &mut [u8], channels: usize) -> bool {
        let RgbProfile::Other(src) = self else {
            return true;
        };
        let layout = if channels == 4 {
            Layout::Rgba
        } else {
            Layout::Rgb
        };
        let dst = ColorProfile::new_srgb();
        let Ok(t) = src.create_transform_8bit(layout, &dst, layout, TransformOptions::default())
        else {
            return false;
        };
        let mut out = vec![0u8; pixels.len()];
        if t.transform(pixels, &mut out).is_err() {
            return false;
        }
        if channels == 4 {
            // Keep the source alpha exactly.
            for (o, i) in out.chunks_exact_mut(4).zip(pixels.chunks_exact(4)) {
                o[3] = i[3];
            }
        }
        pixels.copy_from_slice(&out);
        true
    }
}

/// Converts CMYK pixels (4 bytes each, as libjpeg returns them) to RGB.
///
/// `inverted` is true for Adobe JPEGs (APP14), which store inverted CMYK.
/// With an embedded CMYK profile the conversion goes through it (moxcms) and
/// the flag returned is `true` (the pixels are sRGB); without one, or when
/// the profile fails, the naive formula `R = (255 − C)(255 − K)/255` is used
/// and the flag is `false`.
pub(super) fn cmyk_to_rgb(cmyk: &[u8], inverted: bool, icc: Option<&[u8]>) -> (Vec<u8>, bool) {
    // Normalise to "0 = no ink".
    let normal: std::borrow::Cow<'_, [u8]> = if inverted {
        std::borrow::Cow::Owned(cmyk.iter().map(|v| 255 - v).collect())
    } else {
        std::borrow::Cow::Borrowed(cmyk)
    };
    if let Some(icc) = icc {
        if let Some(rgb) = cmyk_icc(&normal, icc) {
            return (rgb, true);
        }
    }
    let mut out = Vec::with_capacity(normal.len() / 4 * 3);
    for p in normal.chunks_exact(4) {
        let k = 255 - u32::from(p[3]);
        for &c in &p[..3] {
            out.push((((255 - u32::from(c)) * k + 127) / 255) as u8);
        }
    }
    (out, false)
}

fn cmyk_icc(cmyk: &[u8], icc: &[u8]) -> Option<Vec<u8>> {
    let src = ColorProfile::new_from_slice(icc).ok()?;
    if src.color_space != moxcms::DataColorSpace::Cmyk {
        return None;
    }
    let dst = ColorProfile::new_srgb();
    let opts = TransformOptions {
        rendering_intent: moxcms::RenderingIntent::RelativeColorimetric,
        ..TransformOptions::default()
    };
    let t = src
        .create_transform_8bit(Layout::Rgba, &dst, Layout::Rgb, opts)
        .ok()?;
    let mut out = vec![0u8; cmyk.len() / 4 * 3];
    t.transform(cmyk, &mut out).ok()?;
    Some(out)
}

/// Expands 8-bit grey to RGB.
pub(super) fn gray_to_rgb(gray: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(gray.len() * 3);
    for &g in gray {
        out.extend_from_slice(&[g, g, g]);
    }
    out
}

/// Expands 8-bit grey+alpha to RGBA.
pub(super) fn gray_alpha_to_rgba(ga: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ga.len() * 2);
    for p in ga.chunks_exact(2) {
        out.extend_from_slice(&[p[0], p[0], p[0], p[1]]);
    }
    out
}
