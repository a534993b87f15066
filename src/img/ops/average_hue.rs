//! `average-hue` (image-processing.md §5.17): the mean colour of the pixels
//! whose HSV hue differs from the mean hue by more than 30 degrees.

use crate::img::frame::Frame;

/// Hue threshold in degrees.
const THRESHOLD: f64 = 30.0;

/// `60 / d` for every possible `max − min`, so that a hue costs a
/// multiplication instead of a division.
fn sixty_over() -> [f64; 256] {
    let mut t = [0.0; 256];
    for (d, v) in t.iter_mut().enumerate().skip(1) {
        *v = 60.0 / d as f64;
    }
    t
}

/// HSV hue in degrees, `0 ≤ hue < 360`; 0 for grey.
fn hue(table: &[f64; 256], r: u8, g: u8, b: u8) -> f64 {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    if d == 0 {
        return 0.0;
    }
    let k = table[usize::from(d)];
    let (rf, gf, bf) = (f64::from(r), f64::from(g), f64::from(b));
    let h = if max == r {
        (gf - bf) * k
    } else if max == g {
        (bf - rf) * k + 120.0
    } else {
        (rf - gf) * k + 240.0
    };
    if h < 0.0 {
        h + 360.0
    } else {
        h
    }
}

/// The `RRGGBB` result for a frame (alpha ignored).
pub fn average_hue(frame: &Frame) -> [u8; 3] {
    let table = sixty_over();
    let ch = frame.format.channels();
    let pixels = || frame.data.chunks_exact(ch);
    let n = pixels().len();
    if n == 0 {
        return [0, 0, 0];
    }
    let avg = pixels().map(|p| hue(&table, p[0], p[1], p[2])).sum::<f64>() / n as f64;
    let mut sum = [0u64; 3];
    let mut count = 0u64;
    for p in pixels() {
        if (hue(&table, p[0], p[1], p[2]) - avg).abs() > THRESHOLD {
            for c in 0..3 {
                sum[c] += u64::from(p[c]);
            }
            count += 1;
        }
    }
    if count == 0 {
        for p in pixels() {
            for c in 0..3 {
                sum[c] += u64::from(p[c]);
            }
        }
        count = n as u64;
    }
    sum.map(|s| ((2 * s + count) / (2 * count)) as u8)
}

/// The JSON body: `{"RGB":"0xrrggbb"}`.
pub fn json(rgb: [u8; 3]) -> String {
    format!(
        "{{\"RGB\":\"0x{:02x}{:02x}{:02x}\"}}",
        rgb[0], rgb[1], rgb[2]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::frame::PixelFormat;

    fn uniform(rgb: [u8; 3], format: PixelFormat) -> Frame {
        let px: Vec<u8> = match format {
            PixelFormat::Rgb8 => rgb.to_vec(),
            PixelFormat::Rgba8 => vec![rgb[0], rgb[1], rgb[2], 0],
        };
        Frame {
            width: 7,
            height: 5,
            format,
            data: px.repeat(35),
            delay_ms: 0,
        }
    }

    #[test]
    fn uniform_images() {
        for rgb in [
            [0x5c, 0x78, 0x3b],
            [0xbb, 0xcd, 0x7f],
            [0, 0, 0],
            [255, 255, 255],
        ] {
            assert_eq!(average_hue(&uniform(rgb, PixelFormat::Rgb8)), rgb);
            assert_eq!(average_hue(&uniform(rgb, PixelFormat::Rgba8)), rgb);
        }
        assert_eq!(json([0x5c, 0x78, 0x3b]), r#"{"RGB":"0x5c783b"}"#);
    }

    #[test]
    fn salient_pixels_win() {
        // 9 grey pixels (hue 0) and 1 pure green (hue 120): mean hue 12, the
        // green pixel is the only salient one.
        let mut data = [128u8, 128, 128].repeat(9);
        data.extend_from_slice(&[0, 255, 0]);
        let f = Frame {
            width: 10,
            height: 1,
            format: PixelFormat::Rgb8,
            data,
            delay_ms: 0,
        };
        assert_eq!(average_hue(&f), [0, 255, 0]);
        let t = sixty_over();
        assert!((hue(&t, 255, 0, 0) - 0.0).abs() < 1e-9);
        assert!((hue(&t, 0, 0, 255) - 240.0).abs() < 1e-9);
        assert!((hue(&t, 0, 255, 0) - 120.0).abs() < 1e-9);
        assert!((hue(&t, 255, 255, 0) - 60.0).abs() < 1e-9);
        assert!((hue(&t, 0, 255, 255) - 180.0).abs() < 1e-9);
        assert!((hue(&t, 255, 0, 255) - 300.0).abs() < 1e-9);
    }
}
