//! Watermark tests: parsing and errors, placement and tiling, image
//! watermarks with preprocessing, text rendering in every font, and the
//! worked examples of image-processing.md §10.5 (and #28 of §10.1).

use std::collections::HashMap;

use super::*;
use crate::img::codec::{self, EncodeOptions};
use crate::img::frame::{Format, Frame, PixelFormat};

/// Splits `k_v,k_v` like the plan parser does (first `_`; a bare key has an
/// empty value).
fn pairs(s: &str) -> Vec<(&str, &str)> {
    s.split(',')
        .filter(|a| !a.is_empty())
        .map(|a| a.split_once('_').unwrap_or((a, "")))
        .collect()
}

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn p(s: &str) -> Result<Params, Error> {
    parse(&pairs(s))
}

fn solid(w: u32, h: u32, px: [u8; 3]) -> Image {
    Image {
        frames: vec![Frame {
            width: w,
            height: h,
            format: PixelFormat::Rgb8,
            data: px.repeat((w * h) as usize),
            delay_ms: 0,
        }],
        loop_count: 0,
    }
}

fn png(w: u32, h: u32, px: [u8; 4]) -> Vec<u8> {
    let img = Image {
        frames: vec![Frame {
            width: w,
            height: h,
            format: PixelFormat::Rgba8,
            data: px.repeat((w * h) as usize),
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    codec::encode(
        &img,
        &EncodeOptions {
            format: Format::Png,
            quality: 90,
            progressive: false,
        },
    )
    .expect("png encodes")
}

/// Watermark objects by key.
#[derive(Default)]
struct Objects(HashMap<String, Vec<u8>>);

impl Resources for Objects {
    fn style(&self, _name: &str) -> Result<Option<String>, Error> {
        Ok(None)
    }
    fn watermark_object(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.get(key).cloned())
    }
}

/// `panda.png` 200×200 opaque red and `logo.png` 120×40 opaque blue (§10.5).
fn bucket() -> Objects {
    let mut o = Objects::default();
    o.0.insert("panda.png".into(), png(200, 200, [255, 0, 0, 255]));
    o.0.insert("logo.png".into(), png(120, 40, [0, 0, 255, 255]));
    o
}

fn run(img: &mut Image, args: &str, res: &Objects) -> Result<(), Error> {
    let params = p(args)?;
    apply(img, &params, res, &Limits::default())
}

fn px(f: &Frame, x: u32, y: u32) -> &[u8] {
    let ch = f.format.channels();
    let i = (y as usize * f.width as usize + x as usize) * ch;
    &f.data[i..i + ch]
}

/// Bounding box `(x0, y0, x1, y1)` (ends exclusive) of the pixels that differ
/// from `bg`.
fn changed(f: &Frame, bg: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let mut bb: Option<(u32, u32, u32, u32)> = None;
    for y in 0..f.height {
        for x in 0..f.width {
            if px(f, x, y) != bg {
                bb = Some(match bb {
                    None => (x, y, x + 1, y + 1),
                    Some((a, b, c, d)) => (a.min(x), b.min(y), c.max(x + 1), d.max(y + 1)),
                });
            }
        }
    }
    bb
}

const WHITE: [u8; 3] = [255, 255, 255];

// ---------------------------------------------------------------- parsing

#[test]
fn defaults() {
    let params = p(&format!("text_{}", b64("Hi"))).unwrap();
    assert_eq!(params.opacity, 100);
    assert_eq!(params.gravity, Gravity::Se);
    assert_eq!((params.x, params.y, params.voffset), (10, 10, 0));
    assert!(!params.fill);
    let t = params.text.as_ref().unwrap();
    assert_eq!(t.text, "Hi");
    assert_eq!(t.font, FontName::WqyZenhei);
    assert_eq!(t.color, Rgb([0, 0, 0]));
    assert_eq!((t.size, t.shadow, t.rotate), (40, 0, 0));
    assert_eq!(params.order, Order::ImageFirst);
    assert_eq!(params.align, Align::Bottom);
    assert_eq!(params.interval, 0);
    assert!(!keeps_animation(&params));
}

#[test]
fn parse_args_splits_like_the_plan() {
    let seg = "watermark,image_bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==,g_nw,,t_5";
    let params = parse_args(&crate::img::plan::Args::split(seg)).unwrap();
    assert_eq!(params.image.unwrap().prep, vec![Prep::Percent(20)]);
    assert_eq!((params.gravity, params.opacity), (Gravity::Nw, 5));
    let e = parse_args(&crate::img::plan::Args::split("watermark,text")).unwrap_err();
    assert_eq!(e.ec, Some(EC_TEXT_EMPTY));
}

#[test]
fn later_duplicates_win_and_unknown_keys_are_ignored() {
    let params = p(&format!("t_10,text_{},t_20,zz_1,g_nw,g_ne", b64("a"))).unwrap();
    assert_eq!(params.opacity, 20);
    assert_eq!(params.gravity, Gravity::Ne);
}

#[test]
fn base64_in_every_spelling() {
    // "logo.png?x-oss-process=image/resize,P_20": URL-safe unpadded (§10.5
    // #88) and standard padded (#89) decode the same.
    let url = "bG9nby5wbmc_eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA";
    let std = "bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==";
    let a = p(&format!("image_{url}")).unwrap();
    let b = p(&format!("image_{std}")).unwrap();
    assert_eq!(a, b);
    let m = a.image.unwrap();
    assert_eq!(m.key, "logo.png");
    assert_eq!(m.prep, vec![Prep::Percent(20)]);
    assert_eq!(
        decode_base64("aW1hZ2UvcGFuZGEucG5n").unwrap(),
        "image/panda.png"
    );
    assert_eq!(decode_base64("cGFuZGEucG5n").unwrap(), "panda.png");
    // Padded URL-safe and unpadded standard too.
    assert_eq!(decode_base64("YWI=").unwrap(), "ab");
    assert_eq!(decode_base64("YWI").unwrap(), "ab");
    // "?>?" is "Pz4/" in standard Base64, "Pz4_" URL-safe.
    assert_eq!(decode_base64("Pz4/").unwrap(), "?>?");
    assert_eq!(decode_base64("Pz4_").unwrap(), "?>?");
    assert_eq!(decode_base64("!!!"), None);
    // Not UTF-8.
    assert_eq!(decode_base64("_w"), None);
}

#[test]
fn documented_font_values() {
    let table = [
        ("d3F5LXplbmhlaQ", FontName::WqyZenhei),
        ("d3F5LW1pY3JvaGVp", FontName::WqyMicrohei),
        ("ZmFuZ3poZW5nc2h1c29uZw", FontName::FangzhengShusong),
        ("ZmFuZ3poZW5na2FpdGk", FontName::FangzhengKaiti),
        ("ZmFuZ3poZW5naGVpdGk", FontName::FangzhengHeiti),
        ("ZmFuZ3poZW5nZmFuZ3Nvbmc", FontName::FangzhengFangsong),
        ("ZHJvaWRzYW5zZmFsbGJhY2s", FontName::DroidSansFallback),
    ];
    for (value, font) in table {
        let params = p(&format!("text_YQ,type_{value}")).unwrap();
        assert_eq!(params.text.unwrap().font, font, "{value}");
    }
}

#[test]
fn text_limits() {
    // 64 bytes pass, 65 fail (§10.5 #93).
    assert!(p(&format!("text_{}", b64(&"a".repeat(64)))).is_ok());
    let e = p(&format!("text_{}", b64(&"a".repeat(65)))).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.message, "font content is too large");
    // A CJK character counts 3 bytes: 21 pass (63), 22 fail (66).
    assert!(p(&format!("text_{}", b64(&"水".repeat(21)))).is_ok());
    let e = p(&format!("text_{}", b64(&"水".repeat(22)))).unwrap_err();
    assert_eq!(e.message, "font content is too large");
    // Control characters are removed.
    let params = p(&format!("text_{}", b64("a\tb\nc"))).unwrap();
    assert_eq!(params.text.unwrap().text, "abc");
}

#[test]
fn every_error_and_ec() {
    let t = format!("text_{}", b64("Hi"));
    let cases: Vec<(String, Option<&str>)> = vec![
        ("t_50".into(), Some(EC_NO_CONTENT)),
        (String::new(), Some(EC_NO_CONTENT)),
        ("text_".into(), Some(EC_TEXT_EMPTY)),
        ("text".into(), Some(EC_TEXT_EMPTY)),
        (format!("text_{}", b64("\n")), Some(EC_TEXT_EMPTY)),
        ("text_!!!".into(), Some(EC_TEXT_EMPTY)),
        ("text__w".into(), Some(EC_TEXT_EMPTY)),
        (
            format!("{t},type_{}", b64("arial")),
            Some(fonts::EC_UNKNOWN_FONT),
        ),
        (format!("{t},type_!!"), Some(fonts::EC_UNKNOWN_FONT)),
        (format!("{t},color_AABBCCDD"), Some(EC_COLOR)),
        (format!("{t},color_GGGGGG"), Some(EC_COLOR)),
        (format!("{t},color_#FFFFF"), Some(EC_COLOR)),
        (format!("{t},size_0"), Some(EC_SIZE)),
        (format!("{t},size_1001"), Some(EC_SIZE)),
        (format!("{t},shadow_101"), Some(EC_SHADOW)),
        (format!("{t},rotate_361"), None),
        (format!("{t},t_101"), Some(EC_OPACITY)),
        (format!("{t},t_-1"), Some(EC_OPACITY)),
        (format!("{t},voffset_1001"), Some(EC_VOFFSET)),
        (format!("{t},voffset_-1001"), Some(EC_VOFFSET)),
        (format!("{t},fill_2"), Some(EC_FILL)),
        (format!("{t},order_2"), Some(EC_ORDER)),
        (format!("{t},align_3"), None),
        (format!("{t},interval_1001"), None),
        (format!("{t},x_4097"), None),
        (format!("{t},y_-1"), None),
        (format!("{t},padx_4097"), None),
        (format!("{t},pady_4097"), None),
        (format!("{t},g_middle"), None),
        (format!("{t},g_SE"), None),
        (format!("{t},animation_2"), None),
        ("image_".into(), Some(EC_IMAGE)),
        ("image_!!!".into(), Some(EC_IMAGE)),
        ("image__w".into(), Some(EC_IMAGE)),
        (
            format!("image_{}", b64("?x-oss-process=image/resize,P_10")),
            Some(EC_IMAGE),
        ),
        (
            format!(
                "image_{}",
                b64("a.png?x-oss-process=image/watermark,text_YQ")
            ),
            Some(EC_NESTED_WATERMARK),
        ),
        (
            format!("image_{}", b64("a.png?x-oss-process=image/info")),
            Some(EC_NESTED_INFO),
        ),
    ];
    for (args, ec) in cases {
        let e = p(&args).expect_err(&args);
        assert_eq!(e.code, ErrorCode::InvalidArgument, "{args}: {e}");
        assert_eq!(e.ec, ec, "{args}: {e}");
    }
    // Edge values are accepted.
    for ok in [
        "t_0",
        "t_100",
        "x_0",
        "x_4096",
        "voffset_-1000",
        "voffset_1000",
        "size_1",
        "size_1000",
        "shadow_100",
        "rotate_360",
        "padx_4096",
        "interval_1000",
        "align_0",
        "order_1",
        "color_0000b7",
    ] {
        assert!(p(&format!("{t},{ok}")).is_ok(), "{ok}");
    }
}

#[test]
fn canonical_display_round_trips() {
    let args = format!(
        "text_{},type_{},color_0000b7,size_30,shadow_50,rotate_90,image_{},order_1,align_1,interval_5,t_61,g_north,y_30,fill_1,padx_3,pady_4,animation_1",
        b64("水印 Hi"),
        b64("fangzhengkaiti"),
        b64("dir/logo.png?x-oss-process=image/resize,P_20/rotate,90/crop,w_10,h_10")
    );
    let params = p(&args).unwrap();
    let shown = params.to_string();
    let again = shown.strip_prefix("watermark,").unwrap();
    assert_eq!(p(again).unwrap(), params);
    assert!(shown.contains("color_0000B7"), "{shown}");
}

// ---------------------------------------------------------------- placement

#[test]
fn placement_table() {
    let base = |g: &str| p(&format!("image_YQ,g_{g},x_7,y_5,voffset_-3")).unwrap();
    let img = (400, 267);
    let blk = (120, 40);
    let want = [
        ("nw", (7, 5)),
        ("north", (140, 5)),
        ("ne", (273, 5)),
        ("west", (7, 110)),
        ("center", (140, 110)),
        ("east", (273, 110)),
        ("sw", (7, 222)),
        ("south", (140, 222)),
        ("se", (273, 222)),
    ];
    for (g, at) in want {
        assert_eq!(place::position(&base(g), img, blk), at, "{g}");
    }
    // Centering floors; a block larger than the image gets negative offsets.
    assert_eq!(place::position(&base("center"), (5, 5), (2, 2)), (1, -2));
    assert_eq!(place::position(&base("north"), (10, 10), (13, 1)).0, -2);
}

#[test]
fn block_larger_than_the_image_is_clipped() {
    let res = bucket();
    let mut img = solid(100, 30, WHITE);
    run(&mut img, "image_bG9nby5wbmc,g_center", &res).unwrap();
    let f = &img.frames[0];
    assert_eq!((f.width, f.height), (100, 30));
    assert_eq!(changed(f, &WHITE), Some((0, 0, 100, 30)));
    // Entirely outside: nothing changes and nothing fails.
    let mut img = solid(100, 30, WHITE);
    run(&mut img, "image_bG9nby5wbmc,g_nw,x_4096", &res).unwrap();
    assert_eq!(changed(&img.frames[0], &WHITE), None);
}

#[test]
fn tiling_lattice_covers_the_image() {
    let params = p("image_YQ,fill_1,padx_20,pady_20,g_center,x_99").unwrap();
    let tiles = place::tiles(&params, (400, 267), (120, 40));
    let xs: std::collections::BTreeSet<i64> = tiles.iter().map(|t| t.0).collect();
    let ys: std::collections::BTreeSet<i64> = tiles.iter().map(|t| t.1).collect();
    assert_eq!(xs.into_iter().collect::<Vec<_>>(), vec![0, 140, 280]);
    assert_eq!(
        ys.into_iter().collect::<Vec<_>>(),
        vec![0, 60, 120, 180, 240]
    );
    assert_eq!(tiles.len(), 15);
    // Without gaps the tiles cover every pixel.
    let res = bucket();
    let mut img = solid(250, 90, WHITE);
    run(&mut img, "image_bG9nby5wbmc,fill_1", &res).unwrap();
    let f = &img.frames[0];
    for y in 0..f.height {
        for x in 0..f.width {
            assert_eq!(px(f, x, y), &[0, 0, 255], "({x},{y})");
        }
    }
}

#[test]
fn opacity_on_opaque_and_transparent_images() {
    let res = bucket();
    let mut img = solid(300, 100, WHITE);
    run(&mut img, "image_bG9nby5wbmc,t_50,g_nw,x_0,y_0", &res).unwrap();
    let f = &img.frames[0];
    assert_eq!(px(f, 0, 0), &[128, 128, 255]);
    assert_eq!(px(f, 119, 39), &[128, 128, 255]);
    assert_eq!(px(f, 120, 0), &WHITE);
    // t_0 changes nothing.
    let mut img = solid(300, 100, WHITE);
    run(&mut img, "image_bG9nby5wbmc,t_0", &res).unwrap();
    assert_eq!(changed(&img.frames[0], &WHITE), None);
    // On a transparent RGBA image the result keeps straight alpha.
    let mut img = Image {
        frames: vec![Frame {
            width: 200,
            height: 60,
            format: PixelFormat::Rgba8,
            data: vec![0; 200 * 60 * 4],
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    run(&mut img, "image_bG9nby5wbmc,t_50,g_nw,x_0,y_0", &res).unwrap();
    let f = &img.frames[0];
    assert_eq!(px(f, 5, 5), &[0, 0, 255, 128]);
    assert_eq!(px(f, 150, 5), &[0, 0, 0, 0]);
}

#[test]
fn transparent_watermark_pixels_leave_the_image() {
    let mut res = Objects::default();
    let mut data = Vec::new();
    for y in 0..10u32 {
        for _x in 0..10u32 {
            // Top half transparent, bottom half opaque green.
            data.extend_from_slice(if y < 5 {
                &[0, 0, 0, 0]
            } else {
                &[0, 255, 0, 255]
            });
        }
    }
    let img = Image {
        frames: vec![Frame {
            width: 10,
            height: 10,
            format: PixelFormat::Rgba8,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    };
    let bytes = codec::encode(
        &img,
        &EncodeOptions {
            format: Format::Png,
            quality: 90,
            progressive: false,
        },
    )
    .unwrap();
    res.0.insert("half.png".into(), bytes);
    let mut base = solid(50, 50, WHITE);
    run(
        &mut base,
        &format!("image_{},g_nw,x_0,y_0", b64("half.png")),
        &res,
    )
    .unwrap();
    assert_eq!(changed(&base.frames[0], &WHITE), Some((0, 5, 10, 10)));
}

// ---------------------------------------------------------------- images

#[test]
fn image_errors() {
    let mut res = bucket();
    let mut img = solid(100, 100, WHITE);
    // §10.5 #91: missing object.
    let e = run(&mut img, "image_bm9uZXhpc3QucG5n", &res).unwrap_err();
    assert_eq!(e.code, ErrorCode::WatermarkError);
    assert_eq!(e.ec, Some(EC_OBJECT_MISSING));
    assert_eq!(e.code.http_status(), 400);
    // Unsupported formats and non-images.
    let gif = codec::encode(
        &solid(4, 4, [1, 2, 3]),
        &EncodeOptions {
            format: Format::Gif,
            quality: 90,
            progressive: false,
        },
    )
    .unwrap();
    res.0.insert("a.gif".into(), gif);
    let mut heic = vec![0, 0, 0, 24];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    res.0.insert("a.heic".into(), heic);
    let mut avif = vec![0, 0, 0, 24];
    avif.extend_from_slice(b"ftypavif\0\0\0\0mif1avif");
    res.0.insert("a.avif".into(), avif);
    res.0
        .insert("a.txt".into(), b"hello, not an image".to_vec());
    let mut broken = png(10, 10, [1, 2, 3, 255]);
    broken.truncate(40);
    res.0.insert("broken.png".into(), broken);
    for key in ["a.gif", "a.heic", "a.avif", "a.txt", "broken.png"] {
        let e = run(&mut img, &format!("image_{}", b64(key)), &res).unwrap_err();
        assert_eq!(e.code, ErrorCode::WatermarkError, "{key}: {e}");
        assert_eq!(e.ec, Some(EC_OBJECT_FORMAT), "{key}");
    }
}

#[test]
fn preprocessing_runs_in_order_on_the_watermark() {
    let res = bucket();
    // crop 120×40 → 60×40, rotate 90 → 40×60.
    let mut img = solid(200, 200, WHITE);
    let v = b64("logo.png?x-oss-process=image/crop,w_60/rotate,90");
    run(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    assert_eq!(changed(&img.frames[0], &WHITE), Some((0, 0, 40, 60)));
    // indexcrop x_50,i_2 → columns 100–119: 20×40.
    let mut img = solid(200, 200, WHITE);
    let v = b64("logo.png?x-oss-process=image/indexcrop,x_50,i_2");
    run(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    assert_eq!(changed(&img.frames[0], &WHITE), Some((0, 0, 20, 40)));
    // rounded-corners makes the corners transparent: they show the image.
    let mut img = solid(200, 200, WHITE);
    let v = b64("logo.png?x-oss-process=image/rounded-corners,r_10");
    run(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    let f = &img.frames[0];
    assert_eq!(px(f, 0, 0), &WHITE);
    assert_eq!(px(f, 60, 20), &[0, 0, 255]);
    // resize,w_60 → 60×20.
    let mut img = solid(200, 200, WHITE);
    let v = b64("logo.png?x-oss-process=image/resize,w_60");
    run(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
    assert_eq!(changed(&img.frames[0], &WHITE), Some((0, 0, 60, 20)));
}

#[test]
fn p_follows_the_image_at_that_point() {
    let res = bucket();
    // P_10 on 100×100 → 10×10; on 200×200 → 20×20 (documented).
    for side in [100u32, 200] {
        let mut img = solid(side, side, WHITE);
        let v = b64("panda.png?x-oss-process=image/resize,P_10");
        run(&mut img, &format!("image_{v},g_nw,x_0,y_0"), &res).unwrap();
        assert_eq!(
            changed(&img.frames[0], &WHITE),
            Some((0, 0, side / 10, side / 10))
        );
    }
}

#[test]
fn animations() {
    let res = bucket();
    let frames = |n: usize| Image {
        frames: (0..n)
            .map(|i| Frame {
                width: 200,
                height: 100,
                format: PixelFormat::Rgb8,
                data: WHITE.repeat(200 * 100),
                delay_ms: 10 * (i as u32 + 1),
            })
            .collect(),
        loop_count: 3,
    };
    // animation_1 stamps every frame and keeps delays and loop count.
    let mut img = frames(3);
    let params = p("image_bG9nby5wbmc,animation_1").unwrap();
    assert!(keeps_animation(&params));
    apply(&mut img, &params, &res, &Limits::default()).unwrap();
    assert_eq!(img.frames.len(), 3);
    assert_eq!(img.loop_count, 3);
    for (i, f) in img.frames.iter().enumerate() {
        assert_eq!(f.delay_ms, 10 * (i as u32 + 1));
        assert_eq!(changed(f, &WHITE), Some((70, 50, 190, 90)));
    }
    // Without it, and for text, the result is the first frame.
    let mut img = frames(3);
    run(&mut img, "image_bG9nby5wbmc", &res).unwrap();
    assert_eq!(img.frames.len(), 1);
    let params = p(&format!("text_{},animation_1", b64("a"))).unwrap();
    assert!(!keeps_animation(&params));
    let mut img = frames(3);
    apply(&mut img, &params, &res, &Limits::default()).unwrap();
    assert_eq!(img.frames.len(), 1);
}

// ---------------------------------------------------------------- text

/// Renders `text` (more args appended) on a white 400×200 image.
fn render(args: &str) -> Frame {
    let mut img = solid(400, 200, WHITE);
    run(&mut img, args, &Objects::default()).unwrap();
    img.frames.remove(0)
}

/// The block size a text watermark lays out to.
fn text_block(args: &str) -> (u32, u32) {
    let params = p(args).unwrap();
    text::layout(params.text.as_ref().unwrap()).unwrap().size_px
}

#[test]
fn text_in_every_font_lands_where_placed_with_its_colour() {
    let text = b64("Hi 水印 テスト 한글");
    let every_gravity = [
        ("nw", "x_20,y_30"),
        ("se", "x_15,y_25"),
        ("center", "voffset_-20"),
        ("north", "y_12"),
        ("ne", "x_5,y_40"),
        ("west", "x_9,voffset_30"),
        ("east", "x_0,voffset_5"),
        ("sw", "x_33,y_0"),
        ("south", "y_17"),
    ];
    for font in FontName::ALL {
        let ty = b64(font.name());
        let gravities = if font == FontName::WqyZenhei {
            &every_gravity[..]
        } else {
            &every_gravity[..3]
        };
        for &(g, extra) in gravities {
            let args = format!("text_{text},type_{ty},color_FF0000,size_32,g_{g},{extra}");
            let (bw, bh) = text_block(&args);
            let (x0, y0) = place::position(&p(&args).unwrap(), (400, 200), (bw, bh));
            let f = render(&args);
            let (a, b, c, d) = changed(&f, &WHITE).expect("text drawn");
            let (x0, y0) = (x0 as u32, y0 as u32);
            let ctx = format!(
                "{} g_{g}: block ({x0},{y0}) {bw}×{bh}, ink ({a},{b})-({c},{d})",
                font.name()
            );
            // Ink lies inside the block and fills most of its width.
            assert!(a >= x0 && b >= y0 && c <= x0 + bw && d <= y0 + bh, "{ctx}");
            assert!(a <= x0 + 4 && c + 4 >= x0 + bw, "{ctx}");
            // The fully covered pixels have exactly the requested colour, and
            // every changed pixel is a blend of it over white.
            let mut solid_red = 0;
            for y in b..d {
                for x in a..c {
                    let v = px(&f, x, y);
                    assert!(v[0] == 255 && v[1] == v[2], "{ctx}: {v:?}");
                    if v == [255, 0, 0] {
                        solid_red += 1;
                    }
                }
            }
            assert!(solid_red > 50, "{ctx}: {solid_red}");
        }
    }
}

#[test]
fn cjk_glyphs_are_real_not_tofu() {
    for font in FontName::ALL {
        for s in ["水印", "日本語のテキスト", "한국어", "Latin"] {
            let args = format!("text_{},type_{}", b64(s), b64(font.name()));
            let params = p(&args).unwrap();
            let block = text::layout(params.text.as_ref().unwrap()).unwrap();
            assert_eq!(block.glyphs.len(), s.chars().count());
            for g in &block.glyphs {
                assert_ne!(g.id.0, 0, "{}: .notdef in {s}", font.name());
            }
            // Each glyph leaves ink of its own.
            let f = render(&args);
            assert!(changed(&f, &WHITE).is_some());
        }
    }
    // Distinct characters give distinct rasters (tofu would be identical).
    let a = render(&format!("text_{},g_nw", b64("水")));
    let b = render(&format!("text_{},g_nw", b64("印")));
    assert_ne!(a.data, b.data);
}

#[test]
fn fangzheng_names_use_distinct_faces() {
    let shapes: Vec<Vec<u8>> = [
        FontName::FangzhengShusong,
        FontName::FangzhengKaiti,
        FontName::FangzhengHeiti,
        FontName::FangzhengFangsong,
        FontName::WqyZenhei,
    ]
    .iter()
    .map(|f| render(&format!("text_{},type_{},g_nw", b64("永"), b64(f.name()))).data)
    .collect();
    for i in 0..shapes.len() {
        for j in i + 1..shapes.len() {
            assert_ne!(shapes[i], shapes[j], "{i} vs {j}");
        }
    }
}

#[test]
fn size_scales_the_block() {
    let (w20, h20) = text_block(&format!("text_{},size_20", b64("水印水印")));
    let (w80, h80) = text_block(&format!("text_{},size_80", b64("水印水印")));
    // Four CJK characters are about four ems wide.
    assert!((76..=84).contains(&w20), "{w20}");
    assert!((312..=328).contains(&w80), "{w80}");
    assert!(h80 > 3 * h20);
}

#[test]
fn shadow_is_offset_black_beneath_the_text() {
    let base = format!("text_{},color_FFFFFF,size_40,g_nw,x_10,y_10", b64("水"));
    let (w0, h0) = text_block(&base);
    let with = format!("{base},shadow_100");
    let (w1, h1) = text_block(&with);
    assert_eq!((w1, h1), (w0 + 2, h0 + 2));
    let f = render(&with);
    // White text on white is invisible; only the shadow shows, black.
    let (a, b, _, _) = changed(&f, &WHITE).unwrap();
    let plain = render(&format!("text_{},size_40,g_nw,x_10,y_10", b64("水")));
    let (pa, pb, _, _) = changed(&plain, &WHITE).unwrap();
    assert_eq!((a, b), (pa + 2, pb + 2));
    assert!(f.data.chunks(3).any(|v| v == [0, 0, 0]));
}

#[test]
fn rotate_turns_the_block() {
    let base = format!("text_{},size_30", b64("Hello"));
    let (w, h) = text_block(&base);
    assert_eq!(text_block(&format!("{base},rotate_90")), (h, w));
    assert_eq!(text_block(&format!("{base},rotate_180")), (w, h));
    assert_eq!(text_block(&format!("{base},rotate_360")), (w, h));
    let (rw, rh) = text_block(&format!("{base},rotate_45"));
    assert!(rw > w / 2 && rh > h, "{rw}×{rh}");
    // Rotated 90° clockwise, the ink is taller than wide.
    let f = render(&format!("{base},rotate_90,g_nw,x_0,y_0"));
    let (a, b, c, d) = changed(&f, &WHITE).unwrap();
    assert!(d - b > 2 * (c - a), "({a},{b})-({c},{d})");
    // 180° is the same ink turned: as wide as the unrotated ink.
    let up = render(&format!("{base},g_nw,x_0,y_0"));
    let down = render(&format!("{base},rotate_180,g_nw,x_0,y_0"));
    let (ua, _, uc, _) = changed(&up, &WHITE).unwrap();
    let (da, _, dc, _) = changed(&down, &WHITE).unwrap();
    assert!((uc - ua).abs_diff(dc - da) <= 1);
}

#[test]
fn tiled_text_repeats_at_the_lattice_steps() {
    let args = format!("text_{},size_20,fill_1,padx_10,pady_6", b64("水印"));
    let (bw, bh) = text_block(&args);
    let f = render(&args);
    let (sx, sy) = (bw + 10, bh + 6);
    let mut cells = 0;
    for ty in (0..200).step_by(sy as usize) {
        for tx in (0..400).step_by(sx as usize) {
            // Every tile that lies fully inside has ink of its own.
            if tx + bw <= 400 && ty + bh <= 200 {
                let mut inked = false;
                for y in ty..ty + bh {
                    for x in tx..tx + bw {
                        inked |= px(&f, x, y) != WHITE;
                    }
                }
                assert!(inked, "tile at ({tx},{ty})");
                cells += 1;
            }
            // Gaps between tiles stay white.
            for y in ty..(ty + sy).min(200) {
                for x in (tx + bw)..(tx + sx).min(400) {
                    assert_eq!(px(&f, x, y), &WHITE, "gap ({x},{y})");
                }
            }
        }
    }
    assert!(cells >= 6, "{cells}");
}

#[test]
fn text_and_image_blocks() {
    let res = bucket();
    let text = b64("水印");
    let (tw, th) = text_block(&format!("text_{text},size_20"));
    assert!(th < 40);
    for (order, align, want_img, want_txt_y) in [
        (0, 2, 0, 40 - th),
        (0, 0, 0, 0),
        (0, 1, 0, (40 - th) / 2),
        (1, 2, tw + 7, 40 - th),
    ] {
        let args = format!(
            "image_bG9nby5wbmc,text_{text},size_20,color_00FF00,order_{order},align_{align},interval_7,g_nw,x_10,y_10"
        );
        let mut img = solid(400, 200, WHITE);
        run(&mut img, &args, &res).unwrap();
        let f = &img.frames[0];
        // The whole block spans image + interval + text.
        let (a, b, c, d) = changed(f, &WHITE).unwrap();
        assert_eq!((a, b), (10, 10), "order {order} align {align}");
        assert!(c <= 10 + 120 + 7 + tw && d == 50, "({c},{d})");
        // The logo sits at its place.
        let ix = 10 + want_img;
        assert_eq!(px(f, ix, 10), &[0, 0, 255]);
        assert_eq!(px(f, ix + 119, 49), &[0, 0, 255]);
        // Green text ink lies in its slot.
        let tx = if order == 0 { 10 + 120 + 7 } else { 10 };
        let ty = 10 + want_txt_y;
        for y in 0..200 {
            for x in 0..400 {
                let v = px(f, x, y);
                if u16::from(v[1]) > u16::from(v[2]) + 10 && v[0] < 250 {
                    assert!(
                        x >= tx && x < tx + tw && y >= ty && y < ty + th,
                        "green at ({x},{y}) outside ({tx},{ty}) {tw}×{th}"
                    );
                }
            }
        }
    }
}

#[test]
fn huge_text_is_clipped_not_allocated() {
    // 64 bytes at size 1000: the block is far wider than the image but only
    // the visible part is drawn.
    let args = format!("text_{},size_1000,g_west,x_0", b64(&"W".repeat(64)));
    let (bw, _) = text_block(&args);
    assert!(bw > 40_000);
    let f = render(&args);
    assert!(changed(&f, &WHITE).is_some());
}

// ---------------------------------------------------------------- §10.5

#[test]
fn example_81_default_text() {
    let args = "text_SGVsbG8gV29ybGQ";
    let params = p(args).unwrap();
    assert_eq!(params.text.as_ref().unwrap().text, "Hello World");
    let (bw, bh) = text_block(args);
    let mut img = solid(400, 267, WHITE);
    run(&mut img, args, &Objects::default()).unwrap();
    let f = &img.frames[0];
    let (a, b, c, d) = changed(f, &WHITE).unwrap();
    // Block's right edge 10 px from the right, bottom edge 10 px from the bottom.
    assert!(c <= 390 && c + 4 >= 390, "{c}");
    assert!(
        d <= 257 && a >= 390 - bw && b >= 257 - bh,
        "({a},{b})-({c},{d})"
    );
    // Black, 40 px: capitals are about 0.7 em tall.
    assert!(f.data.chunks(3).any(|v| v == [0, 0, 0]));
    assert!((24..=34).contains(&(d - b)), "ink height {}", d - b);
}

#[test]
fn example_82_white_text_with_shadow_after_resize() {
    // resize,w_300,h_300 of 400×267 is 300×200; mid-grey stands in for the photo.
    let args = "type_d3F5LXplbmhlaQ,size_30,text_SGVsbG8gV29ybGQ,color_FFFFFF,shadow_50,t_100,g_se,x_10,y_10";
    let (bw, bh) = text_block(args);
    let mut img = solid(300, 200, [128, 128, 128]);
    run(&mut img, args, &Objects::default()).unwrap();
    let f = &img.frames[0];
    let (a, b, c, d) = changed(f, &[128, 128, 128]).unwrap();
    assert!(c <= 290 && c + 4 >= 290 && d <= 190, "({a},{b})-({c},{d})");
    assert!(a >= 290 - bw && b >= 190 - bh);
    assert!(f.data.chunks(3).any(|v| v == [255, 255, 255]), "white text");
    assert!(
        f.data.chunks(3).any(|v| v == [64, 64, 64]),
        "50 % black shadow"
    );
}

#[test]
fn example_83_to_86_logo_positions() {
    let res = bucket();
    let cases: [(&str, &[(u32, u32)]); 4] = [
        ("image_bG9nby5wbmc", &[(270, 217)]),
        (
            "image_bG9nby5wbmc,g_nw|image_bG9nby5wbmc,g_south,y_30",
            &[(10, 10), (140, 197)],
        ),
        ("image_bG9nby5wbmc,g_center,voffset_20", &[(140, 133)]),
        ("image_bG9nby5wbmc,g_east,x_0", &[(280, 113)]),
    ];
    for (actions, spots) in cases {
        let mut img = solid(400, 267, WHITE);
        for action in actions.split('|') {
            run(&mut img, action, &res).unwrap();
        }
        let f = &img.frames[0];
        let mut blue = 0;
        for &(x, y) in spots {
            assert_eq!(px(f, x, y), &[0, 0, 255], "{actions} at ({x},{y})");
            assert_eq!(px(f, x + 119, y + 39), &[0, 0, 255]);
            if x > 0 {
                assert_eq!(px(f, x - 1, y), &WHITE);
            }
            assert_eq!(px(f, x, y - 1), &WHITE);
            assert_eq!(px(f, (x + 120).min(399), y + 40), &WHITE);
            blue += 120 * 40;
        }
        let count = f.data.chunks(3).filter(|v| *v == [0, 0, 255]).count();
        assert_eq!(count, blue, "{actions}");
    }
}

#[test]
fn example_87_panda_p30_after_resize() {
    let res = bucket();
    // resize,w_300 of 400×267 is 300×200.
    let mut img = solid(300, 200, WHITE);
    run(
        &mut img,
        "image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMzA,t_90,g_se,x_10,y_10",
        &res,
    )
    .unwrap();
    let f = &img.frames[0];
    assert_eq!(changed(f, &WHITE), Some((230, 130, 290, 190)));
    // 90 % red over white: G = B = round(255 × 0.1) = 26 (25.5 rounds up).
    assert_eq!(px(f, 260, 160), &[255, 26, 26]);
}

#[test]
fn example_88_89_logo_p20_in_both_base64_spellings() {
    let res = bucket();
    for v in [
        "bG9nby5wbmc_eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA",
        "bG9nby5wbmc/eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA==",
    ] {
        let mut img = solid(400, 267, WHITE);
        run(&mut img, &format!("image_{v}"), &res).unwrap();
        assert_eq!(changed(&img.frames[0], &WHITE), Some((310, 230, 390, 257)));
    }
}

#[test]
fn example_90_tiled_logo() {
    let res = bucket();
    let mut img = solid(400, 267, WHITE);
    run(&mut img, "image_bG9nby5wbmc,fill_1,padx_20,pady_20", &res).unwrap();
    let f = &img.frames[0];
    for y in 0..267u32 {
        for x in 0..400u32 {
            let in_tile = x % 140 < 120 && y % 60 < 40;
            let want: &[u8] = if in_tile { &[0, 0, 255] } else { &WHITE };
            assert_eq!(px(f, x, y), want, "({x},{y})");
        }
    }
    // The bottom row is clipped to 27 rows (240..267).
    assert_eq!(px(f, 0, 266), &[0, 0, 255]);
}

#[test]
fn example_91_92_93_errors() {
    let res = bucket();
    let mut img = solid(400, 267, WHITE);
    let e = run(&mut img, "image_bm9uZXhpc3QucG5n", &res).unwrap_err();
    assert_eq!(
        (e.code, e.ec),
        (ErrorCode::WatermarkError, Some("0040-00000025"))
    );
    let e = p("t_50").unwrap_err();
    assert_eq!(
        (e.code, e.ec),
        (ErrorCode::InvalidArgument, Some("0040-00000278"))
    );
    let e = p(&format!("text_{}", b64(&"abcde".repeat(13)))).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidArgument);
    assert_eq!(e.message, "font content is too large");
}

#[test]
fn example_28_panda_after_fill_resize() {
    // resize,m_fill,w_300,h_300 gives 300×300; then panda at 61 % with its
    // bottom-right corner 10 px from the right and bottom edges.
    let res = bucket();
    let mut img = solid(300, 300, WHITE);
    run(&mut img, "image_cGFuZGEucG5n,t_61,g_se,y_10,x_10", &res).unwrap();
    let f = &img.frames[0];
    assert_eq!(changed(f, &WHITE), Some((90, 90, 290, 290)));
    // 61 % red over white: G = B = round(255 × 0.39) = 99 (99.45).
    assert_eq!(px(f, 100, 100), &[255, 99, 99]);
}

#[test]
fn one_pixel_tiles_cost_one_pass() {
    // A 1×1 watermark tiled with pady_1 over 1000×1000: every other row,
    // 500 000 tiles, drawn without listing them.
    let mut res = Objects::default();
    res.0.insert("dot.png".into(), png(1, 1, [0, 0, 0, 255]));
    let mut img = solid(1000, 1000, WHITE);
    run(
        &mut img,
        &format!("image_{},fill_1,pady_1", b64("dot.png")),
        &res,
    )
    .unwrap();
    let f = &img.frames[0];
    assert_eq!(px(f, 999, 998), &[0, 0, 0]);
    assert_eq!(px(f, 999, 999), &WHITE);
    let black = f.data.chunks(3).filter(|v| *v == [0, 0, 0]).count();
    assert_eq!(black, 500_000);
}

// ------------------------------------------------- characters no face has

/// A character that no face of the chain has (U+E000, Private Use Area) is
/// drawn as the requested face's `.notdef` glyph, advancing by its width;
/// the request does not fail and the characters around it are drawn. The
/// WenQuanYi, Noto and Droid faces draw `.notdef` as a box; the AR PL faces
/// (KaiTi, FangSong) have an empty one, which leaves a gap.
#[test]
fn character_no_face_has_is_drawn_as_notdef() {
    for f in FontName::ALL {
        let font = b64(f.name());
        let args = |text: &str| format!("text_{},type_{font},size_40,g_nw,x_0,y_0", b64(text));
        // The block grows by the .notdef advance (at least a third of the em).
        let (with, _) = text_block(&args("A\u{E000}B"));
        let (without, _) = text_block(&args("AB"));
        assert!(with >= without + 13, "{}: {without} → {with}", f.name());
        // A and B are still drawn on both sides of it.
        let mut img = solid(200, 80, WHITE);
        run(&mut img, &args("A\u{E000}B"), &Objects::default()).unwrap();
        let (a, _, c, _) = changed(&img.frames[0], &WHITE).expect("A and B drawn");
        assert!(c - a + 6 >= with, "{}: ink {a}..{c} in {with}", f.name());
        // The .notdef alone: a box, or nothing.
        let mut img = solid(200, 80, WHITE);
        run(&mut img, &args("\u{E000}"), &Objects::default()).unwrap();
        let ink = changed(&img.frames[0], &WHITE);
        match f {
            FontName::FangzhengKaiti | FontName::FangzhengFangsong => {
                assert_eq!(ink, None, "{}: blank .notdef", f.name());
            }
            _ => {
                let (a, b, c, d) = ink.unwrap_or_else(|| panic!("{}: no box", f.name()));
                assert!(c - a >= 10 && d - b >= 20, "{}: box {ink:?}", f.name());
            }
        }
    }
}

/// `block_size` is the size of the block `apply` places: the text box, the
/// preprocessed object, or both side by side.
#[test]
fn block_size_matches_the_drawn_block() {
    let res = bucket();
    let size = |args: &str| block_size(&p(args).unwrap(), (400, 267), &res, &Limits::default());
    let text = "text_SGVsbG8gV29ybGQ";
    assert_eq!(size(text).unwrap(), text_block(text));
    assert_eq!(size("image_bG9nby5wbmc").unwrap(), (120, 40));
    // P_20 of 400×267: the box 80×53, the logo 80×27.
    assert_eq!(
        size("image_bG9nby5wbmc_eC1vc3MtcHJvY2Vzcz1pbWFnZS9yZXNpemUsUF8yMA").unwrap(),
        (80, 27)
    );
    let (tw, th) = text_block(text);
    assert_eq!(
        size(&format!("image_bG9nby5wbmc,{text},interval_7")).unwrap(),
        (120 + 7 + tw, th.max(40))
    );
    // What apply draws at g_nw, x_0, y_0 on white stays inside that block.
    let mut img = solid(400, 267, WHITE);
    run(&mut img, "image_bG9nby5wbmc,g_nw,x_0,y_0", &res).unwrap();
    assert_eq!(changed(&img.frames[0], &WHITE), Some((0, 0, 120, 40)));
    let e = size("image_bm9uZXhpc3QucG5n").unwrap_err();
    assert_eq!(e.ec, Some(EC_OBJECT_MISSING));
}
