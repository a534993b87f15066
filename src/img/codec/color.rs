//! Colour conversions: embedded ICC profiles to sRGB (moxcms), CMYK to RGB,
//! grey expansion.

use moxcms::{ColorProfile, Layout, TransformOptions};

/// `true` when the profile names itself sRGB (its description tag says so).
///
/// Such profiles are taken as sRGB without a transform: that saves a full
/// pass over the pixels for the most common embedded profile.
fn looks_like_srgb(icc: &[u8]) -> bool {
    let ascii = icc.windows(4).any(|w| w == b"sRGB");
    let utf16 = icc.windows(8).any(|w| w == b"\0s\0R\0G\0B");
    ascii || utf16
}

/// Converts interleaved RGB or RGBA pixels from the colour space of `icc` to
/// sRGB in place. Profiles that cannot be parsed or transformed are ignored
/// (the pixels are then taken as sRGB), so a broken profile never fails a
/// request.
pub(super) fn rgb_icc_to_srgb(pixels: &mut [u8], channels: usize, icc: &[u8]) {
    if icc.is_empty() || looks_like_srgb(icc) {
        return;
    }
    let Ok(src) = ColorProfile::new_from_slice(icc) else {
        return;
    };
    if src.color_space != moxcms::DataColorSpace::Rgb {
        return;
    }
    let layout = if channels == 4 {
        Layout::Rgba
    } else {
        Layout::Rgb
    };
    let dst = ColorProfile::new_srgb();
    let Ok(t) = src.create_transform_8bit(layout, &dst, layout, TransformOptions::default()) else {
        return;
    };
    let mut out = vec![0u8; pixels.len()];
    if t.transform(pixels, &mut out).is_ok() {
        if channels == 4 {
            // Keep the source alpha exactly.
            for (o, i) in out.chunks_exact_mut(4).zip(pixels.chunks_exact(4)) {
                o[3] = i[3];
            }
        }
        pixels.copy_from_slice(&out);
    }
}

/// Converts CMYK pixels (4 bytes each, as libjpeg returns them) to RGB.
///
/// `inverted` is true for Adobe JPEGs (APP14), which store inverted CMYK.
/// With an embedded CMYK profile the conversion goes through it (moxcms);
/// without one, or when the profile fails, the naive formula
/// `R = (255 − C)(255 − K)/255` is used.
pub(super) fn cmyk_to_rgb(cmyk: &[u8], inverted: bool, icc: Option<&[u8]>) -> Vec<u8> {
    // Normalise to "0 = no ink".
    let normal: std::borrow::Cow<'_, [u8]> = if inverted {
        std::borrow::Cow::Owned(cmyk.iter().map(|v| 255 - v).collect())
    } else {
        std::borrow::Cow::Borrowed(cmyk)
    };
    if let Some(icc) = icc {
        if let Some(rgb) = cmyk_icc(&normal, icc) {
            return rgb;
        }
    }
    let mut out = Vec::with_capacity(normal.len() / 4 * 3);
    for p in normal.chunks_exact(4) {
        let k = 255 - u32::from(p[3]);
        for &c in &p[..3] {
            out.push((((255 - u32::from(c)) * k + 127) / 255) as u8);
        }
    }
    out
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
