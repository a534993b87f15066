//! Text watermarks with characters the requested face lacks, through the
//! public `img::watermark` API: per-character fallback to another face.
//! (The `.notdef` case is in `src/img/watermark/tests.rs`.)

use ossimg::img::frame::{Frame, Image, PixelFormat};
use ossimg::img::plan::args::Args;
use ossimg::img::watermark::{self, FontName};
use ossimg::img::{Limits, NoResources};

const WHITE: [u8; 3] = [255, 255, 255];

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// `text` drawn in black at 60 px in `font` on white, cut to its ink.
fn ink(text: &str, font: FontName) -> Frame {
    let (w, h) = (240u32, 120u32);
    let mut image = Image {
        frames: vec![Frame {
            width: w,
            height: h,
            format: PixelFormat::Rgb8,
            data: WHITE.repeat((w * h) as usize),
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    let action = format!(
        "watermark,text_{},type_{},size_60,g_nw,x_10,y_10",
        b64(text),
        b64(font.name())
    );
    let params = watermark::parse_args(&Args::split(&action)).expect("parses");
    watermark::apply(&mut image, &params, &NoResources, &Limits::default()).expect("draws");
    let f = &image.frames[0];
    let at = |x: u32, y: u32| {
        let i = ((y * w + x) * 3) as usize;
        [f.data[i], f.data[i + 1], f.data[i + 2]]
    };
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if at(x, y) != WHITE {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    assert!(x1 > x0, "{text} in {}: nothing drawn", font.name());
    let mut data = Vec::new();
    for y in y0..y1 {
        for x in x0..x1 {
            data.extend_from_slice(&at(x, y));
        }
    }
    Frame {
        width: x1 - x0,
        height: y1 - y0,
        format: PixelFormat::Rgb8,
        data,
        delay_ms: 0,
    }
}

/// Hangul is missing from the faces of `fangzhengkaiti` and
/// `fangzhengfangsong` (AR PL, GB 2312 only) and of `droidsansfallback`.
/// It is drawn from the first fallback face that has it: Noto Serif CJK SC
/// (the face of `fangzhengshusong`) for the serif and Kai faces, Noto Sans
/// CJK SC (the face of `fangzhengheiti`) for Droid: pixel for pixel the
/// same glyph as in those fonts, and not the blank `.notdef` of the AR PL
/// faces. Characters the requested face has stay in that face.
#[test]
fn missing_hangul_is_drawn_from_the_fallback_face() {
    let serif = ink("한", FontName::FangzhengShusong);
    let sans = ink("한", FontName::FangzhengHeiti);
    assert_ne!(serif, sans, "serif and sans Hangul differ");
    assert_eq!(ink("한", FontName::FangzhengKaiti), serif, "kaiti");
    assert_eq!(ink("한", FontName::FangzhengFangsong), serif, "fangsong");
    assert_eq!(ink("한", FontName::DroidSansFallback), sans, "droid");
    // 水 is in every face: each font draws its own.
    let kai = ink("水", FontName::FangzhengKaiti);
    assert_ne!(kai, ink("水", FontName::FangzhengShusong));
    assert_ne!(kai, ink("水", FontName::FangzhengFangsong));
    assert_ne!(
        ink("水", FontName::DroidSansFallback),
        ink("水", FontName::FangzhengHeiti)
    );
}
