//! Exact quarter-turn and mirror transforms: EXIF orientation for
//! `auto-orient` (image-processing.md §5.7) and the right angles of `rotate`.

use crate::img::frame::Frame;

/// Turns a frame stored with EXIF orientation `o` (1..=8) upright.
/// Unknown values leave it unchanged.
pub fn apply_orientation(frame: &Frame, o: u8) -> Frame {
    let (w, h) = (frame.width, frame.height);
    // Source coordinates of output pixel (x, y) for an output of size ow × oh.
    match o {
        2 => remap(frame, w, h, |x, y| (w - 1 - x, y)),
        3 => remap(frame, w, h, |x, y| (w - 1 - x, h - 1 - y)),
        4 => remap(frame, w, h, |x, y| (x, h - 1 - y)),
        5 => remap(frame, h, w, |x, y| (y, x)),
        6 => remap(frame, h, w, |x, y| (y, h - 1 - x)),
        7 => remap(frame, h, w, |x, y| (w - 1 - y, h - 1 - x)),
        8 => remap(frame, h, w, |x, y| (w - 1 - y, x)),
        _ => frame.clone(),
    }
}

/// Rotates clockwise by 90, 180 or 270 degrees (other values: unchanged).
pub fn rotate_right_angle(frame: &Frame, degrees: u32) -> Frame {
    match degrees {
        90 => apply_orientation(frame, 6),
        180 => apply_orientation(frame, 3),
        270 => apply_orientation(frame, 8),
        _ => frame.clone(),
    }
}

/// Builds an `ow × oh` frame whose pixel `(x, y)` is the source pixel
/// `src(x, y)`, walking the output in square tiles so that quarter turns read
/// the source cache-friendly.
fn remap(frame: &Frame, ow: u32, oh: u32, src: impl Fn(u32, u32) -> (u32, u32)) -> Frame {
    let data = match frame.format.channels() {
        3 => remap_px::<3>(&frame.data, frame.width, ow, oh, src),
        _ => remap_px::<4>(&frame.data, frame.width, ow, oh, src),
    };
    Frame {
        width: ow,
        height: oh,
        format: frame.format,
        data,
        delay_ms: frame.delay_ms,
    }
}

/// Tile side of [`remap`].
const TILE: u32 = 64;

fn remap_px<const C: usize>(
    data: &[u8],
    sw: u32,
    ow: u32,
    oh: u32,
    src: impl Fn(u32, u32) -> (u32, u32),
) -> Vec<u8> {
    let mut out = vec![0u8; ow as usize * oh as usize * C];
    let sw = sw as usize;
    for ty in (0..oh).step_by(TILE as usize) {
        for tx in (0..ow).step_by(TILE as usize) {
            for y in ty..(ty + TILE).min(oh) {
                let row = y as usize * ow as usize;
                for x in tx..(tx + TILE).min(ow) {
                    let (sx, sy) = src(x, y);
                    let s = (sy as usize * sw + sx as usize) * C;
                    let d = (row + x as usize) * C;
                    out[d..d + C].copy_from_slice(&data[s..s + C]);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::img::frame::PixelFormat;
    use crate::img::ops::testutil::px;

    const RED: [u8; 3] = [255, 0, 0];
    const GREEN: [u8; 3] = [0, 255, 0];
    const GREY: [u8; 3] = [9, 9, 9];

    /// A stored 5×3 frame: (0, 0) red, (4, 0) green (end of the first stored
    /// row), everything else grey.
    fn stored() -> Frame {
        let mut data = GREY.repeat(15);
        data[..3].copy_from_slice(&RED);
        data[12..15].copy_from_slice(&GREEN);
        Frame {
            width: 5,
            height: 3,
            format: PixelFormat::Rgb8,
            data,
            delay_ms: 0,
        }
    }

    /// EXIF semantics, independent of the implementation: for each
    /// orientation, the upright corner where the stored first pixel (red)
    /// and the stored end of the first row (green) end up.
    /// Corners: 0 = top-left, 1 = top-right, 2 = bottom-left, 3 = bottom-right.
    const TABLE: [(u8, usize, usize); 8] = [
        (1, 0, 1),
        (2, 1, 0),
        (3, 3, 2),
        (4, 2, 3),
        (5, 0, 2),
        (6, 1, 3),
        (7, 3, 1),
        (8, 2, 0),
    ];

    #[test]
    fn all_eight_orientations_upright() {
        for (o, red, green) in TABLE {
            let out = apply_orientation(&stored(), o);
            let (w, h) = if o >= 5 { (3, 5) } else { (5, 3) };
            assert_eq!((out.width, out.height), (w, h), "orientation {o}");
            let corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)];
            let (rx, ry) = corners[red];
            let (gx, gy) = corners[green];
            assert_eq!(px(&out, rx, ry), &RED, "orientation {o} red");
            assert_eq!(px(&out, gx, gy), &GREEN, "orientation {o} green");
            let greys = out.data.chunks_exact(3).filter(|p| *p == GREY).count();
            assert_eq!(greys, 13, "orientation {o}");
        }
    }

    #[test]
    fn right_angles() {
        let f = stored();
        let r90 = rotate_right_angle(&f, 90);
        assert_eq!((r90.width, r90.height), (3, 5));
        // Clockwise: the top-left goes to the top-right.
        assert_eq!(px(&r90, 2, 0), &RED);
        let r180 = rotate_right_angle(&f, 180);
        assert_eq!(px(&r180, 4, 2), &RED);
        let r270 = rotate_right_angle(&f, 270);
        assert_eq!(px(&r270, 0, 4), &RED);
        assert_eq!(rotate_right_angle(&f, 0), f);
    }
}
