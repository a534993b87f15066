//! WebP through libwebp (vendored by `libwebp-sys`): still images through the
//! `webp` crate, animations through libwebp's demux/anim APIs directly.

use libwebp_sys as sys;

use super::{color, Header, Probe};
use crate::img::frame::{Frame, Image, PixelFormat};
use crate::img::Error;

/// What the RIFF chunks say.
#[derive(Debug, Default)]
pub(super) struct Meta<'a> {
    pub width: u32,
    pub height: u32,
    pub has_alpha: bool,
    pub frames: u32,
    /// Whether the file is an animation (ANMF frames), even of one frame.
    pub animated: bool,
    /// The first `VP8 ` (lossy) bitstream, if any.
    pub vp8: Option<&'a [u8]>,
    /// Some image bitstream (still or animation frame) is `VP8L`. The file
    /// is lossless when this holds and `vp8` is `None`.
    pub lossless: bool,
    pub exif: Option<&'a [u8]>,
    pub icc: Option<&'a [u8]>,
}

pub(super) fn parse(bytes: &[u8]) -> Result<Meta<'_>, Error> {
    let bad = Error::unsupported_format;
    let riff_size = super::le32(bytes, 4).ok_or_else(bad)? as usize;
    if bytes.len() < riff_size.saturating_add(8) || riff_size < 4 {
        return Err(bad()); // truncated
    }
    let body = &bytes[12..riff_size + 8];
    let mut m = Meta::default();
    let mut have_vp8x = false;
    walk_chunks(body, &mut |kind, data| {
        match kind {
            b"VP8X" if data.len() >= 10 => {
                have_vp8x = true;
                m.has_alpha = data[0] & 0x10 != 0;
                m.width = super::le24(data, 4).unwrap_or(0) + 1;
                m.height = super::le24(data, 7).unwrap_or(0) + 1;
            }
            b"ANMF" => {
                m.animated = true;
                m.frames += 1;
                if data.len() > 16 {
                    walk_chunks(&data[16..], &mut |k, d| {
                        if k == b"VP8 " && m.vp8.is_none() {
                            m.vp8 = Some(d);
                        } else if k == b"VP8L" {
                            m.lossless = true;
                        }
                        Ok(())
                    })?;
                }
            }
            b"VP8 " => {
                m.vp8 = Some(data);
                if !have_vp8x {
                    if data.get(3..6) != Some(&[0x9d, 0x01, 0x2a]) {
                        return Err(bad());
                    }
                    m.width = u32::from(super::le16(data, 6).ok_or_else(bad)? & 0x3fff);
                    m.height = u32::from(super::le16(data, 8).ok_or_else(bad)? & 0x3fff);
                }
            }
            b"VP8L" => {
                m.lossless = true;
                if !have_vp8x {
                    if data.first() != Some(&0x2f) {
                        return Err(bad());
                    }
                    let bits = super::le32(data, 1).ok_or_else(bad)?;
                    m.width = (bits & 0x3fff) + 1;
                    m.height = ((bits >> 14) & 0x3fff) + 1;
                    m.has_alpha = (bits >> 28) & 1 != 0;
                }
            }
            b"EXIF" => {
                m.exif = Some(data.strip_prefix(b"Exif\0\0").unwrap_or(data));
            }
            b"ICCP" => m.icc = Some(data),
            _ => {}
        }
        Ok(())
    })?;
    m.frames = m.frames.max(1);
    if m.width == 0 || m.height == 0 {
        return Err(bad());
    }
    Ok(m)
}

/// Called with each chunk's FourCC and payload.
type ChunkVisitor<'v, 'a> = dyn FnMut(&[u8; 4], &'a [u8]) -> Result<(), Error> + 'v;

fn walk_chunks<'a>(mut data: &'a [u8], f: &mut ChunkVisitor<'_, 'a>) -> Result<(), Error> {
    while data.len() >= 8 {
        let kind: &[u8; 4] = data[..4]
            .try_into()
            .map_err(|_| Error::unsupported_format())?;
        let size = super::le32(data, 4).unwrap_or(0) as usize;
        let Some(body) = data.get(8..8usize.saturating_add(size)) else {
            return Err(Error::unsupported_format());
        };
        f(kind, body)?;
        let next = (8 + size + (size & 1)).min(data.len());
        data = &data[next..];
    }
    Ok(())
}

pub(super) fn probe(bytes: &[u8]) -> Result<Header, Error> {
    let m = parse(bytes)?;
    let quality = if m.lossless && m.vp8.is_none() {
        None
    } else {
        Some(m.vp8.and_then(estimate_quality).unwrap_or(75))
    };
    Ok(Header {
        width: m.width,
        height: m.height,
        frames: m.frames,
        orientation: m.exif.and_then(super::exif_orientation).unwrap_or(1),
        quality,
        has_alpha: m.has_alpha,
    })
}

/// The boolean entropy decoder of RFC 6386 §7, enough for frame headers.
struct BoolDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    value: u32,
    range: u32,
    bit_count: u32,
}

impl<'a> BoolDecoder<'a> {
    fn new(data: &'a [u8]) -> Option<Self> {
        let value = u32::from(super::be16(data, 0)?);
        Some(BoolDecoder {
            data,
            pos: 2,
            value,
            range: 255,
            bit_count: 0,
        })
    }

    fn bool(&mut self, prob: u32) -> bool {
        let split = 1 + (((self.range - 1) * prob) >> 8);
        let big = split << 8;
        let bit = if self.value >= big {
            self.range -= split;
            self.value -= big;
            true
        } else {
            self.range = split;
            false
        };
        while self.range < 128 {
            self.value <<= 1;
            self.range <<= 1;
            self.bit_count += 1;
            if self.bit_count == 8 {
                self.bit_count = 0;
                self.value |= u32::from(self.data.get(self.pos).copied().unwrap_or(0));
                self.pos += 1;
            }
        }
        bit
    }

    fn literal(&mut self, n: u32) -> i32 {
        let mut v = 0i32;
        for _ in 0..n {
            v = (v << 1) | i32::from(self.bool(128));
        }
        v
    }

    fn signed(&mut self, n: u32) -> i32 {
        let v = self.literal(n);
        if self.bool(128) {
            -v
        } else {
            v
        }
    }

    fn optional_signed(&mut self, n: u32) -> Option<i32> {
        self.bool(128).then(|| self.signed(n))
    }
}

/// Estimates the libwebp quality setting of a lossy (VP8) bitstream from its
/// quantiser indices, inverting libwebp's quality → quantiser mapping
/// (`QualityToCompression` in `quant_enc.c`). Segment quantisers are averaged.
pub(super) fn estimate_quality(vp8: &[u8]) -> Option<u8> {
    let tag = super::le24(vp8, 0)?;
    if tag & 1 != 0 {
        return None; // not a key frame
    }
    let mut d = BoolDecoder::new(vp8.get(10..)?)?;
    d.literal(2); // colour space, clamping
    let mut segment_q: Option<(bool, Vec<i32>)> = None;
    if d.bool(128) {
        let update_map = d.bool(128);
        if d.bool(128) {
            let absolute = d.bool(128);
            let q: Vec<i32> = (0..4).map(|_| d.optional_signed(7).unwrap_or(0)).collect();
            for _ in 0..4 {
                d.optional_signed(6);
            }
            segment_q = Some((absolute, q));
        }
        if update_map {
            for _ in 0..3 {
                if d.bool(128) {
                    d.literal(8);
                }
            }
        }
    }
    d.literal(1 + 6 + 3); // filter type, level, sharpness
    if d.bool(128) && d.bool(128) {
        for _ in 0..8 {
            d.optional_signed(6);
        }
    }
    d.literal(2); // partitions
    let base = d.literal(7);
    let q = match segment_q {
        Some((true, q)) => f64::from(q.iter().sum::<i32>()) / 4.0,
        Some((false, q)) => f64::from(base) + f64::from(q.iter().sum::<i32>()) / 4.0,
        None => f64::from(base),
    };
    let c = (1.0 - q.clamp(0.0, 127.0) / 127.0).powi(3);
    let quality = if c < 0.5 { c * 1.5 } else { (c + 1.0) / 2.0 };
    Some((quality * 100.0).round().clamp(1.0, 100.0) as u8)
}

/// Decodes a still or an animation; the flag is `true` when an `ICCP`
/// profile was honoured.
pub(super) fn decode(
    bytes: &[u8],
    probe: &Probe,
    opts: &super::DecodeOptions,
) -> Result<(Image, bool), Error> {
    let meta = parse(bytes)?;
    let mut image = if meta.animated {
        decode_animated(bytes, probe, opts.all_frames)?
    } else {
        decode_still(bytes, probe, opts.min_size)?
    };
    // The profile is parsed once for every frame of an animation.
    let profile = meta.icc.and_then(color::RgbProfile::parse);
    let mut profiled = profile.is_some();
    if let Some(p) = &profile {
        for f in &mut image.frames {
            let ch = f.format.channels();
            profiled &= p.to_srgb(&mut f.data, ch);
        }
    }
    Ok((image, profiled))
}

/// The size to decode a `width × height` still at for shrink-on-load: the
/// smallest `⌈width / 2^k⌉ × ⌈height / 2^k⌉` with both sides at least `min`
/// (as the JPEG path picks its DCT scale). libwebp's rescaler averages
/// areas; keeping to powers of two leaves the last (< 2×) step to the
/// pipeline's Lanczos resize, as after a JPEG DCT-scaled decode.
pub(super) fn scaled_size(width: u32, height: u32, min: Option<(u32, u32)>) -> (u32, u32) {
    let Some((min_w, min_h)) = min else {
        return (width, height);
    };
    let mut best = (width, height);
    for k in 1..16 {
        let d = 1u32 << k;
        let (w, h) = (width.div_ceil(d), height.div_ceil(d));
        if w < min_w.max(1) || h < min_h.max(1) {
            break;
        }
        best = (w, h);
    }
    best
}

/// A still (VP8 or VP8L) image, decoded by libwebp straight to a smaller
/// size when `min` allows (see [`scaled_size`]). Lossy images with alpha are
/// always decoded at full size: libwebp rescales their colour without
/// weighting it by alpha, which would bleed the colour of transparent
/// pixels into the edges.
#[allow(unsafe_code)]
fn decode_still(bytes: &[u8], probe: &Probe, min: Option<(u32, u32)>) -> Result<Image, Error> {
    let bad = Error::unsupported_format;
    let mut cfg = sys::WebPDecoderConfig::new().map_err(|_| bad())?;
    // SAFETY: `bytes` is a live slice of the given length; `cfg.input` is a
    // plain struct libwebp fills in.
    let status = unsafe { sys::WebPGetFeatures(bytes.as_ptr(), bytes.len(), &mut cfg.input) };
    if status != sys::VP8StatusCode::VP8_STATUS_OK {
        return Err(bad());
    }
    let (fw, fh) = (
        u32::try_from(cfg.input.width).map_err(|_| bad())?,
        u32::try_from(cfg.input.height).map_err(|_| bad())?,
    );
    if (fw, fh) != (probe.width, probe.height) {
        return Err(bad());
    }
    let alpha = cfg.input.has_alpha != 0;
    // `format` 2 is lossless (VP8L), which premultiplies before rescaling.
    let scalable = !alpha || cfg.input.format == 2;
    let (w, h) = if scalable {
        scaled_size(fw, fh, min)
    } else {
        (fw, fh)
    };
    let ch = if alpha { 4 } else { 3 };
    let stride = w as usize * ch;
    let mut data = vec![0u8; stride * h as usize];
    cfg.output.colorspace = if alpha {
        sys::WEBP_CSP_MODE::MODE_RGBA
    } else {
        sys::WEBP_CSP_MODE::MODE_RGB
    };
    cfg.output.is_external_memory = 1;
    cfg.output.u.RGBA = sys::WebPRGBABuffer {
        rgba: data.as_mut_ptr(),
        stride: i32::try_from(stride).map_err(|_| bad())?,
        size: data.len(),
    };
    if (w, h) != (fw, fh) {
        cfg.options.use_scaling = 1;
        cfg.options.scaled_width = i32::try_from(w).map_err(|_| bad())?;
        cfg.options.scaled_height = i32::try_from(h).map_err(|_| bad())?;
    }
    // SAFETY: the output buffer is external memory (`data`), `stride ×
    // h` bytes as declared, alive and not otherwise borrowed during the call;
    // libwebp writes only inside it. WebPFreeDecBuffer frees nothing libwebp
    // did not allocate itself.
    let status = unsafe {
        let status = sys::WebPDecode(bytes.as_ptr(), bytes.len(), &mut cfg);
        sys::WebPFreeDecBuffer(&mut cfg.output);
        status
    };
    if status != sys::VP8StatusCode::VP8_STATUS_OK {
        return Err(bad());
    }
    let (data, format) = if alpha && !super::rgba_has_alpha(&data) {
        (super::rgba_to_rgb(&data), PixelFormat::Rgb8)
    } else if alpha {
        (data, PixelFormat::Rgba8)
    } else {
        (data, PixelFormat::Rgb8)
    };
    Ok(Image {
        frames: vec![Frame {
            width: w,
            height: h,
            format,
            data,
            delay_ms: 0,
        }],
        loop_count: 0,
    })
}

/// Deletes a libwebp animation decoder when dropped.
struct AnimDecoder(*mut sys::WebPAnimDecoder);

impl Drop for AnimDecoder {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: the pointer came from WebPAnimDecoderNew, is non-null and is
        // deleted exactly once, here.
        unsafe { sys::WebPAnimDecoderDelete(self.0) }
    }
}

#[allow(unsafe_code)]
fn decode_animated(bytes: &[u8], probe: &Probe, all_frames: bool) -> Result<Image, Error> {
    let bad = Error::unsupported_format;
    let data = sys::WebPData {
        bytes: bytes.as_ptr(),
        size: bytes.len(),
    };
    // SAFETY: the options struct is plain data initialised by libwebp; the
    // decoder borrows `bytes` (through `data`), which outlives it; every
    // frame buffer libwebp returns holds canvas_width × canvas_height RGBA
    // pixels and stays valid until the next GetNext call, before which it is
    // copied.
    unsafe {
        let mut opts: sys::WebPAnimDecoderOptions = std::mem::zeroed();
        if sys::WebPAnimDecoderOptionsInit(&mut opts) == 0 {
            return Err(bad());
        }
        opts.color_mode = sys::WEBP_CSP_MODE::MODE_RGBA;
        opts.use_threads = 0;
        let dec = sys::WebPAnimDecoderNew(&data, &opts);
        if dec.is_null() {
            return Err(bad());
        }
        let dec = AnimDecoder(dec);
        let mut info = sys::WebPAnimInfo::default();
        if sys::WebPAnimDecoderGetInfo(dec.0, &mut info) == 0 {
            return Err(bad());
        }
        if info.canvas_width != probe.width || info.canvas_height != probe.height {
            return Err(bad());
        }
        let len = probe.width as usize * probe.height as usize * 4;
        let mut frames = Vec::new();
        let mut prev_ts = 0i32;
        while sys::WebPAnimDecoderHasMoreFrames(dec.0) != 0 {
            let mut buf: *mut u8 = std::ptr::null_mut();
            let mut ts: std::os::raw::c_int = 0;
            if sys::WebPAnimDecoderGetNext(dec.0, &mut buf, &mut ts) == 0 || buf.is_null() {
                return Err(bad());
            }
            let pixels = std::slice::from_raw_parts(buf, len).to_vec();
            frames.push(Frame {
                width: probe.width,
                height: probe.height,
                format: PixelFormat::Rgba8,
                data: pixels,
                delay_ms: u32::try_from(ts.saturating_sub(prev_ts)).unwrap_or(0),
            });
            prev_ts = ts;
            if !all_frames {
                break;
            }
        }
        if frames.is_empty() {
            return Err(bad());
        }
        if !frames.iter().any(|f| super::rgba_has_alpha(&f.data)) {
            for f in &mut frames {
                f.data = super::rgba_to_rgb(&f.data);
                f.format = PixelFormat::Rgb8;
            }
        }
        Ok(Image {
            frames,
            loop_count: u16::try_from(info.loop_count).unwrap_or(0),
        })
    }
}

fn config(quality: u8, lossless: bool) -> Result<sys::WebPConfig, Error> {
    let mut c = sys::WebPConfig::new_with_preset(sys::WebPPreset::WEBP_PRESET_DEFAULT, 75.0)
        .map_err(|_| super::encode_failed("WebP"))?;
    if lossless {
        c.lossless = 1;
        c.quality = 75.0; // effort
        c.exact = 0;
    } else {
        c.quality = f32::from(quality);
    }
    c.method = 4;
    Ok(c)
}

/// Encodes lossy (at `quality`) or lossless WebP, every frame of an
/// animation; `icc`, when given, is embedded as an `ICCP` chunk.
pub(super) fn encode(
    image: &Image,
    quality: u8,
    lossless: bool,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, Error> {
    let out = encode_untagged(image, quality, lossless)?;
    match icc {
        Some(icc) if !icc.is_empty() => set_icc(&out, icc),
        _ => Ok(out),
    }
}

fn encode_untagged(image: &Image, quality: u8, lossless: bool) -> Result<Vec<u8>, Error> {
    let cfg = config(quality, lossless)?;
    if image.frames.len() > 1 {
        // libwebp's animation encoder drops frames identical to the previous
        // one (adding their delay to it); fall back to one full frame each
        // so that the frame count and every delay are kept.
        if let Ok(out) = encode_animated(image, &cfg) {
            if parse(&out).map(|m| m.frames as usize).ok() == Some(image.frames.len()) {
                return Ok(out);
            }
        }
        return encode_muxed(image, &cfg);
    }
    let f = image
        .frames
        .first()
        .ok_or_else(|| super::encode_failed("WebP"))?;
    encode_still(f, &cfg)
}

/// Adds an `ICCP` chunk to an encoded WebP (libwebp's muxer writes the
/// `VP8X` header and its ICC flag).
#[allow(unsafe_code)]
fn set_icc(webp: &[u8], icc: &[u8]) -> Result<Vec<u8>, Error> {
    let fail = || super::encode_failed("WebP");
    let input = sys::WebPData {
        bytes: webp.as_ptr(),
        size: webp.len(),
    };
    let profile = sys::WebPData {
        bytes: icc.as_ptr(),
        size: icc.len(),
    };
    // SAFETY: `input` points into a live slice that the muxer copies
    // (copy_data = 1); the muxer is deleted by its guard.
    let mux = unsafe { sys::WebPMuxCreateInternal(&input, 1, sys::WEBP_MUX_ABI_VERSION as i32) };
    if mux.is_null() {
        return Err(fail());
    }
    let mux = Mux(mux);
    // SAFETY: `profile` points into a live slice that the muxer copies
    // (copy_data = 1); the four-byte chunk id is NUL-terminated.
    let set = unsafe { sys::WebPMuxSetChunk(mux.0, c"ICCP".as_ptr(), &profile, 1) };
    if set != sys::WebPMuxError::WEBP_MUX_OK {
        return Err(fail());
    }
    mux.assemble().ok_or_else(fail)
}

fn encode_still(f: &Frame, cfg: &sys::WebPConfig) -> Result<Vec<u8>, Error> {
    let opaque_rgb;
    let (data, layout): (&[u8], ::webp::PixelLayout) = match f.format {
        PixelFormat::Rgb8 => (&f.data, ::webp::PixelLayout::Rgb),
        PixelFormat::Rgba8 if super::rgba_has_alpha(&f.data) => {
            (&f.data, ::webp::PixelLayout::Rgba)
        }
        PixelFormat::Rgba8 => {
            opaque_rgb = super::rgba_to_rgb(&f.data);
            (&opaque_rgb, ::webp::PixelLayout::Rgb)
        }
    };
    let enc = ::webp::Encoder::new(data, layout, f.width, f.height);
    let mem = enc
        .encode_advanced(cfg)
        .map_err(|_| super::encode_failed("WebP"))?;
    Ok(mem.to_vec())
}

/// Deletes a libwebp muxer when dropped.
struct Mux(*mut sys::WebPMux);

impl Mux {
    /// The assembled file, copied out of libwebp; `None` when assembly fails.
    #[allow(unsafe_code)]
    fn assemble(&self) -> Option<Vec<u8>> {
        let mut data = sys::WebPData::default();
        // SAFETY: the muxer is live (deleted only on drop); on success the
        // assembled WebPData is copied out and released with WebPDataClear.
        unsafe {
            if sys::WebPMuxAssemble(self.0, &mut data) != sys::WebPMuxError::WEBP_MUX_OK
                || data.bytes.is_null()
            {
                return None;
            }
            let out = std::slice::from_raw_parts(data.bytes, data.size).to_vec();
            sys::WebPDataClear(&mut data);
            Some(out)
        }
    }
}

impl Drop for Mux {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: the pointer came from WebPMuxNew, is non-null and is deleted
        // exactly once, here.
        unsafe { sys::WebPMuxDelete(self.0) }
    }
}

/// An animation of full, independently encoded frames (no frame merging).
#[allow(unsafe_code)]
fn encode_muxed(image: &Image, cfg: &sys::WebPConfig) -> Result<Vec<u8>, Error> {
    let fail = || super::encode_failed("animated WebP");
    let stills = image
        .frames
        .iter()
        .map(|f| encode_still(f, cfg))
        .collect::<Result<Vec<_>, _>>()?;
    let mux = sys::WebPMuxNew();
    if mux.is_null() {
        return Err(fail());
    }
    let mux = Mux(mux);
    // SAFETY: every frame's bitstream points into `stills`, which outlives
    // the calls, and is copied by the muxer (copy_data = 1).
    unsafe {
        for (f, still) in image.frames.iter().zip(&stills) {
            let info = sys::WebPMuxFrameInfo {
                bitstream: sys::WebPData {
                    bytes: still.as_ptr(),
                    size: still.len(),
                },
                x_offset: 0,
                y_offset: 0,
                duration: i32::try_from(f.delay_ms).unwrap_or(i32::MAX),
                id: sys::WebPChunkId::WEBP_CHUNK_ANMF,
                dispose_method: sys::WebPMuxAnimDispose::WEBP_MUX_DISPOSE_NONE,
                blend_method: sys::WebPMuxAnimBlend::WEBP_MUX_NO_BLEND,
                pad: [0],
            };
            if sys::WebPMuxPushFrame(mux.0, &info, 1) != sys::WebPMuxError::WEBP_MUX_OK {
                return Err(fail());
            }
        }
        let params = sys::WebPMuxAnimParams {
            bgcolor: 0,
            loop_count: i32::from(image.loop_count),
        };
        if sys::WebPMuxSetAnimationParams(mux.0, &params) != sys::WebPMuxError::WEBP_MUX_OK {
            return Err(fail());
        }
    }
    mux.assemble().ok_or_else(fail)
}

/// Deletes a libwebp animation encoder when dropped.
struct AnimEncoder(*mut sys::WebPAnimEncoder);

impl Drop for AnimEncoder {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: the pointer came from WebPAnimEncoderNew, is non-null and is
        // deleted exactly once, here.
        unsafe { sys::WebPAnimEncoderDelete(self.0) }
    }
}

#[allow(unsafe_code)]
fn encode_animated(image: &Image, cfg: &sys::WebPConfig) -> Result<Vec<u8>, Error> {
    let fail = || super::encode_failed("animated WebP");
    let first = image.frames.first().ok_or_else(fail)?;
    let (w, h) = (first.width, first.height);
    if image.frames.iter().any(|f| f.width != w || f.height != h) {
        return Err(fail());
    }
    let (wi, hi) = (
        i32::try_from(w).map_err(|_| fail())?,
        i32::try_from(h).map_err(|_| fail())?,
    );
    // SAFETY: option and picture structs are initialised by libwebp before
    // use; each picture imports (copies) a frame buffer of exactly
    // width × height × channels bytes and is freed right after being added;
    // the assembled WebPData is copied out and then released with
    // WebPDataClear; the encoder is deleted by its guard.
    unsafe {
        let mut opts: sys::WebPAnimEncoderOptions = std::mem::zeroed();
        if sys::WebPAnimEncoderOptionsInitInternal(&mut opts, sys::WebPGetMuxABIVersion()) == 0 {
            return Err(fail());
        }
        opts.anim_params.loop_count = i32::from(image.loop_count);
        opts.anim_params.bgcolor = 0;
        let enc = sys::WebPAnimEncoderNewInternal(wi, hi, &opts, sys::WebPGetMuxABIVersion());
        if enc.is_null() {
            return Err(fail());
        }
        let enc = AnimEncoder(enc);
        let mut ts: i32 = 0;
        for f in &image.frames {
            let mut pic: sys::WebPPicture = std::mem::zeroed();
            if sys::WebPPictureInitInternal(&mut pic, sys::WEBP_ENCODER_ABI_VERSION as i32) == 0 {
                return Err(fail());
            }
            pic.use_argb = 1;
            pic.width = wi;
            pic.height = hi;
            let ok = match f.format {
                PixelFormat::Rgb8 => sys::WebPPictureImportRGB(&mut pic, f.data.as_ptr(), wi * 3),
                PixelFormat::Rgba8 => sys::WebPPictureImportRGBA(&mut pic, f.data.as_ptr(), wi * 4),
            };
            if ok == 0 {
                sys::WebPPictureFree(&mut pic);
                return Err(fail());
            }
            let added = sys::WebPAnimEncoderAdd(enc.0, &mut pic, ts, cfg);
            sys::WebPPictureFree(&mut pic);
            if added == 0 {
                return Err(fail());
            }
            ts = ts.saturating_add(i32::try_from(f.delay_ms).unwrap_or(i32::MAX));
        }
        if sys::WebPAnimEncoderAdd(enc.0, std::ptr::null_mut(), ts, std::ptr::null()) == 0 {
            return Err(fail());
        }
        let mut data = sys::WebPData::default();
        if sys::WebPAnimEncoderAssemble(enc.0, &mut data) == 0 || data.bytes.is_null() {
            return Err(fail());
        }
        let out = std::slice::from_raw_parts(data.bytes, data.size).to_vec();
        sys::WebPDataClear(&mut data);
        Ok(out)
    }
}
