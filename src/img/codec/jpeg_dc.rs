//! Baseline JPEG decoded at 1/8 scale straight from the entropy-coded data.
//!
//! At 1/8 scale libjpeg-turbo's inverse DCT of a block is its average,
//! `(DC·q + 4) >> 3` plus 128, so almost all the time goes to Huffman-decoding
//! the AC coefficients, which must be read only to be skipped. This decoder does
//! that part faster: byte stuffing is removed in one pass (so the bit reader
//! refills eight bytes at a time without looking for markers), and AC codes
//! are skipped several at a time through a table indexed by the next 13 bits
//! that gives the length of whole (code + extra bits) groups and how far they
//! move in the block.
//!
//! The output is libjpeg-turbo's 1/8-scale output, byte for byte: the same
//! rounding and clamping; chroma that libjpeg-turbo scales by IDCT instead of
//! upsampling (4:2:0 at 1/8 gives 2×2 chroma blocks) through the same 2×2
//! reduced IDCT; other chroma replicated as its plain upsampler does; the same
//! fixed-point YCbCr → RGB. Tests compare both decoders on every fixture.
//!
//! Anything else returns `None` and the caller decodes with libjpeg-turbo:
//! progressive, arithmetic-coded, lossless and 12-bit files, CMYK and RGB
//! colour, sampling factors other than 1 and 2, multi-scan files, restart
//! markers out of order, and any entropy-coded data that does not decode
//! cleanly (so damaged files get exactly libjpeg-turbo's treatment).

use super::jpeg::Meta;

/// Bits looked up at once when skipping AC codes.
/// (13 measured fastest on `photo-12mp.jpg`: 12 and 14 were 25% slower.)
const PACK_BITS: u32 = 13;
// Four lookups must fit in one refill, and the bit count in `Pack::BITS`.
const _: () = assert!(4 * PACK_BITS <= 56 && PACK_BITS <= 15);
/// Bits looked up at once when decoding one code (and a DC difference).
const FAST_BITS: u32 = 10;

/// A Huffman table: canonical decoding plus lookup tables.
struct Huffman {
    /// Largest code of each length (index 1..=16), -1 when there is none.
    maxcode: [i32; 17],
    /// Offset from a code of each length to its symbol in `values`.
    offset: [i32; 17],
    values: [u8; 256],
    /// By the next `FAST_BITS` bits: `len << 8 | symbol`, 0 when longer.
    fast: Box<[u16; 1 << FAST_BITS]>,
    /// DC tables, by the next `FAST_BITS` bits: the difference `<< 8` plus the
    /// bits its code and magnitude take, 0 when they do not fit.
    dc: Box<[i32; 1 << FAST_BITS]>,
    /// AC tables, by the next `PACK_BITS` bits: whole (code + extra bits)
    /// groups, see [`Pack`].
    pack: Box<[u16; 1 << PACK_BITS]>,
}

/// Field layout of a `Huffman::pack` entry; 0 when not even one group fits.
struct Pack;

impl Pack {
    /// Bits 0-3: bits taken by the groups.
    const BITS: u16 = 0xF;
    /// Bits 4-10: positions advanced by the groups before any end of block.
    const ADV_SHIFT: u16 = 4;
    /// Bit 11: the last group is an end of block.
    const EOB: u16 = 1 << 11;
}

/// How an AC symbol moves through a block: `None` for an end of block,
/// otherwise the number of positions it covers.
fn ac_advance(symbol: u8) -> Option<u32> {
    let (run, size) = (u32::from(symbol >> 4), symbol & 15);
    match (run, size) {
        // libjpeg treats every zero-size symbol other than ZRL as EOB.
        (15, 0) => Some(16),
        (_, 0) => None,
        _ => Some(run + 1),
    }
}

/// A JPEG magnitude: `bits` read as a `size`-bit signed value.
fn extend(bits: u32, size: u32) -> i32 {
    let v = bits as i32;
    if v < 1 << (size - 1) {
        v - (1 << size) + 1
    } else {
        v
    }
}

/// A zeroed fixed-size table on the heap.
fn table<T: Copy + Default, const N: usize>() -> Option<Box<[T; N]>> {
    vec![T::default(); N].into_boxed_slice().try_into().ok()
}

impl Huffman {
    /// Builds a table from a DHT entry (16 counts, then the symbols).
    fn new(counts: &[u8; 16], symbols: &[u8], ac: bool) -> Option<Huffman> {
        let mut maxcode = [-1i32; 17];
        let mut offset = [0i32; 17];
        let mut values = [0u8; 256];
        values.get_mut(..symbols.len())?.copy_from_slice(symbols);
        if !ac && symbols.iter().any(|&s| s > 15) {
            return None; // libjpeg rejects such a DC table.
        }
        // (length, code) of each symbol, canonical order.
        let mut codes = Vec::with_capacity(symbols.len());
        let mut code = 0u32;
        let mut k = 0usize;
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            if n > 0 {
                offset[len as usize] = k as i32 - code as i32;
                for _ in 0..n {
                    codes.push((len, code));
                    code += 1;
                    k += 1;
                }
                maxcode[len as usize] = code as i32 - 1;
                // All-ones codes are not allowed, which also bounds the table.
                if code >= 1 << len {
                    return None;
                }
            }
            code <<= 1;
        }
        let mut fast = table::<u16, { 1 << FAST_BITS }>()?;
        let mut dc = table::<i32, { 1 << FAST_BITS }>()?;
        for (i, &(len, code)) in codes.iter().enumerate() {
            if len > FAST_BITS {
                continue;
            }
            let shift = FAST_BITS - len;
            let first = (code << shift) as usize;
            let symbol = symbols[i];
            let entry = (len as u16) << 8 | u16::from(symbol);
            for (j, e) in fast[first..first + (1 << shift)].iter_mut().enumerate() {
                *e = entry;
                let size = u32::from(symbol);
                if !ac && len + size <= FAST_BITS {
                    let diff = match size {
                        0 => 0,
                        _ => extend((j as u32) >> (shift - size), size),
                    };
                    dc[first + j] = diff << 8 | (len + size) as i32;
                }
            }
        }
        let mut table = Huffman {
            maxcode,
            offset,
            values,
            fast,
            dc,
            pack: table::<u16, { 1 << PACK_BITS }>()?,
        };
        if ac {
            for i in 0..1u32 << PACK_BITS {
                table.pack[i as usize] = table.pack_entry(i);
            }
        }
        Some(table)
    }

    /// The symbol whose code starts `bits` (left-aligned in `width` bits), and
    /// its code length, if the code fits.
    fn match_code(&self, bits: u32, width: u32) -> Option<(u32, u8)> {
        for len in 1..=width.min(16) {
            let code = (bits >> (width - len)) as i32;
            if code <= self.maxcode[len as usize] {
                let at = usize::try_from(self.offset[len as usize] + code).ok()?;
                return self.values.get(at).map(|&s| (len, s));
            }
        }
        None
    }

    /// The pack-table entry for the `PACK_BITS`-bit string `index`.
    fn pack_entry(&self, index: u32) -> u16 {
        let (mut used, mut adv, mut eob) = (0u32, 0u32, false);
        while used < PACK_BITS {
            let width = PACK_BITS - used;
            let rest = index & ((1 << width) - 1);
            let Some((len, symbol)) = self.match_code(rest, width) else {
                break;
            };
            let size = u32::from(symbol & 15);
            if len + size > width {
                break;
            }
            used += len + size;
            match ac_advance(symbol) {
                Some(a) => adv += a,
                None => {
                    eob = true;
                    break;
                }
            }
            // Seven bits hold the advance; stop well before it could overflow.
            if adv > 100 {
                break;
            }
        }
        let entry = used as u16 | (adv as u16) << Pack::ADV_SHIFT;
        if eob {
            entry | Pack::EOB
        } else {
            entry
        }
    }

    /// Decodes one symbol.
    #[inline(always)]
    fn decode(&self, br: &mut Bits<'_>) -> Option<u8> {
        let e = self.fast[br.peek(FAST_BITS) & ((1 << FAST_BITS) - 1)];
        if e != 0 {
            br.consume(u32::from(e >> 8));
            return Some(e as u8);
        }
        let (len, symbol) = self.match_code(br.peek(16) as u32, 16)?;
        br.consume(len);
        Some(symbol)
    }

    /// Decodes one DC difference.
    #[inline(always)]
    fn decode_dc(&self, br: &mut Bits<'_>) -> Option<i32> {
        let e = self.dc[br.peek(FAST_BITS) & ((1 << FAST_BITS) - 1)];
        if e != 0 {
            br.consume((e & 0xFF) as u32);
            return Some(e >> 8);
        }
        let size = u32::from(self.decode(br)?);
        Some(if size > 0 { br.extend(size) } else { 0 })
    }
}

/// Big-endian bit reader over unstuffed data (Giesen's branch-light refill).
struct Bits<'a> {
    data: &'a [u8],
    /// Next byte to load.
    pos: usize,
    /// Unread bits, left-aligned.
    buf: u64,
    /// Number of valid bits in `buf`.
    cnt: u32,
    /// The reader ran past the end of `data` (then it reads zeros).
    overrun: bool,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8], pos: usize) -> Bits<'a> {
        Bits {
            data,
            pos,
            buf: 0,
            cnt: 0,
            overrun: false,
        }
    }

    /// Makes at least 56 bits available.
    #[inline(always)]
    fn refill(&mut self) {
        match self.data.get(self.pos..).and_then(|d| d.first_chunk::<8>()) {
            Some(chunk) => {
                self.buf |= u64::from_be_bytes(*chunk) >> self.cnt;
                self.pos += ((63 - self.cnt) >> 3) as usize;
                self.cnt |= 56;
            }
            None => {
                self.overrun = true;
                self.cnt = 64;
            }
        }
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> usize {
        (self.buf >> (64 - n)) as usize
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.cnt -= n;
    }

    /// Reads `n` (1..=16) bits as a signed JPEG magnitude.
    #[inline(always)]
    fn extend(&mut self, n: u32) -> i32 {
        let v = self.peek(n) as u32;
        self.consume(n);
        extend(v, n)
    }

    /// Bits consumed since byte 0.
    fn position(&self) -> usize {
        self.pos * 8 - self.cnt as usize
    }
}

/// Entropy-coded data without stuffing, and where each restart segment ends.
struct Scan {
    data: Vec<u8>,
    ends: Vec<usize>,
}

/// Removes byte stuffing up to EOI; `None` at any other marker or at the end
/// of the file without EOI, or at restart markers out of sequence.
fn unstuff(src: &[u8], restarts: bool) -> Option<Scan> {
    let mut data = Vec::with_capacity(src.len() + 16);
    let mut ends = Vec::new();
    let mut next_rst = 0u8;
    let mut i = 0;
    loop {
        let off = memchr::memchr(0xFF, src.get(i..)?)?;
        data.extend_from_slice(&src[i..i + off]);
        let mut j = i + off + 1;
        while src.get(j) == Some(&0xFF) {
            j += 1;
        }
        match *src.get(j)? {
            0 => data.push(0xFF),
            m @ 0xD0..=0xD7 if restarts && m == 0xD0 + next_rst => {
                next_rst = (next_rst + 1) & 7;
                ends.push(data.len());
            }
            0xD9 => {
                ends.push(data.len());
                break;
            }
            _ => return None,
        }
        i = j + 1;
    }
    data.extend_from_slice(&[0; 16]);
    Some(Scan { data, ends })
}

/// One component of the scan, with what decoding it needs.
struct Component {
    h: usize,
    v: usize,
    dc: usize,
    ac: usize,
    /// Quantisation table, natural order.
    q: [i32; 64],
    /// Samples per block side at 1/8 scale: 1, or 2 when libjpeg-turbo
    /// scales this component by IDCT rather than upsampling it.
    ssize: usize,
    /// Samples at 1/8 scale, `stride` per row.
    plane: Vec<u8>,
    stride: usize,
}

/// libjpeg's clamp after the IDCT: the value wraps to 10 bits, then is
/// limited to 0..=255 around the centre 128.
#[inline(always)]
fn idct_clamp(v: i32) -> u8 {
    let wrapped = ((v & 1023) ^ 512) - 512;
    (wrapped + 128).clamp(0, 255) as u8
}

/// `DESCALE` of libjpeg: round to nearest by adding half, then shift.
#[inline(always)]
fn descale(v: i64, n: u32) -> i64 {
    (v + (1 << (n - 1))) >> n
}

/// libjpeg's `jpeg_idct_2x2` (ISLOW reduced IDCT): the 2×2 block of samples
/// from coefficients in natural order, dequantised with `q`.
fn idct_2x2(coef: &[i32; 64], q: &[i32; 64]) -> [u8; 4] {
    const CONST_BITS: u32 = 13;
    const PASS1_BITS: u32 = 2;
    const FIX_0_720959822: i64 = 5906;
    const FIX_0_850430095: i64 = 6967;
    const FIX_1_272758580: i64 = 10426;
    const FIX_3_624509785: i64 = 29692;
    let deq = |i: usize| i64::from(coef[i] * q[i]);
    let odd = |z7: i64, z5: i64, z3: i64, z1: i64| {
        -z7 * FIX_0_720959822 + z5 * FIX_0_850430095 - z3 * FIX_1_272758580 + z1 * FIX_3_624509785
    };
    // Pass 1: columns 0, 1, 3, 5, 7 into two rows of a workspace.
    let mut ws = [[0i64; 8]; 2];
    for col in [0usize, 1, 3, 5, 7] {
        if coef[8 + col] == 0 && coef[24 + col] == 0 && coef[40 + col] == 0 && coef[56 + col] == 0 {
            // An `int` shift in libjpeg.
            let dc = i64::from((deq(col) as i32).wrapping_shl(PASS1_BITS));
            ws[0][col] = dc;
            ws[1][col] = dc;
            continue;
        }
        let tmp10 = deq(col) << (CONST_BITS + 2);
        let tmp0 = odd(deq(56 + col), deq(40 + col), deq(24 + col), deq(8 + col));
        // The workspace is `int` in libjpeg.
        ws[0][col] = i64::from(descale(tmp10 + tmp0, CONST_BITS - PASS1_BITS + 2) as i32);
        ws[1][col] = i64::from(descale(tmp10 - tmp0, CONST_BITS - PASS1_BITS + 2) as i32);
    }
    // Pass 2: the two rows.
    let mut out = [0u8; 4];
    for (r, w) in ws.iter().enumerate() {
        if w[1] == 0 && w[3] == 0 && w[5] == 0 && w[7] == 0 {
            let dc = idct_clamp(descale(w[0], PASS1_BITS + 3) as i32);
            out[2 * r] = dc;
            out[2 * r + 1] = dc;
            continue;
        }
        let tmp10 = w[0] << (CONST_BITS + 2);
        let tmp0 = odd(w[7], w[5], w[3], w[1]);
        let n = CONST_BITS + PASS1_BITS + 3 + 2;
        out[2 * r] = idct_clamp(descale(tmp10 + tmp0, n) as i32);
        out[2 * r + 1] = idct_clamp(descale(tmp10 - tmp0, n) as i32);
    }
    out
}

/// Parses the DHT segments into tables by (class, id).
fn huffman_tables(segments: &[&[u8]]) -> Option<[[Option<Huffman>; 4]; 2]> {
    let mut tables: [[Option<Huffman>; 4]; 2] = Default::default();
    for seg in segments {
        let mut seg = *seg;
        while let Some(&tc_th) = seg.first() {
            let (class, id) = (usize::from(tc_th >> 4), usize::from(tc_th & 15));
            if class > 1 || id > 3 {
                return None;
            }
            let counts: &[u8; 16] = seg.get(1..17)?.try_into().ok()?;
            let n: usize = counts.iter().map(|&c| usize::from(c)).sum();
            let symbols = seg.get(17..17 + n)?;
            tables[class][id] = Some(Huffman::new(counts, symbols, class == 1)?);
            seg = &seg[17 + n..];
        }
    }
    Some(tables)
}

/// Whether libjpeg would read three components as YCbCr (its default rule),
/// answering `false` for RGB and for anything unusual.
fn is_ycbcr(meta: &Meta<'_>) -> bool {
    let ids: Vec<u8> = meta.frame.iter().map(|c| c.id).collect();
    if ids == [b'R', b'G', b'B'] {
        return false;
    }
    match meta.adobe {
        Some(transform) => transform == 1,
        None => true,
    }
}

/// Decodes at 1/8 scale to 8-bit RGB: `(width, height, pixels)`, or `None`
/// when the file is not one this decoder reproduces exactly.
pub(super) fn decode_eighth(bytes: &[u8], meta: &Meta<'_>) -> Option<(usize, usize, Vec<u8>)> {
    if !matches!(meta.sof, 0xC0 | 0xC1) || meta.precision != 8 {
        return None;
    }
    let gray = match meta.frame.len() {
        1 => true,
        3 if is_ycbcr(meta) => false,
        _ => return None,
    };
    let (sos, scan_at) = meta.scan?;
    let ns = usize::from(*sos.first()?);
    // One scan with every component, spectral selection 0-63, no approximation.
    if ns != meta.frame.len() || sos.get(1 + 2 * ns..4 + 2 * ns)? != [0, 63, 0] {
        return None;
    }
    let tables = huffman_tables(&meta.huffman)?;
    let (width, height) = (meta.width as usize, meta.height as usize);
    let hmax = usize::from(meta.frame.iter().map(|c| c.h).max()?);
    let vmax = usize::from(meta.frame.iter().map(|c| c.v).max()?);
    let mut comps = Vec::with_capacity(ns);
    for s in 0..ns {
        let (id, tables_sel) = (sos[1 + 2 * s], sos[2 + 2 * s]);
        let f = meta.frame.iter().find(|c| c.id == id)?;
        let (h, v) = (usize::from(f.h), usize::from(f.v));
        if !matches!(h, 1 | 2) || !matches!(v, 1 | 2) {
            return None;
        }
        let (dc, ac) = (usize::from(tables_sel >> 4), usize::from(tables_sel & 15));
        if dc > 3 || ac > 3 || tables[0][dc].is_none() || tables[1][ac].is_none() {
            return None;
        }
        let zq = meta.qtables.get(usize::from(f.tq))?.as_ref()?;
        // libjpeg-turbo multiplies by 16-bit signed table entries.
        if zq.iter().any(|&v| v > 0x7FFF) {
            return None;
        }
        let mut q = [0i32; 64];
        for (k, &n) in super::jpeg::ZIGZAG.iter().enumerate() {
            q[n] = i32::from(zq[k]);
        }
        // libjpeg-turbo's choice (jdmaster.c): double the IDCT size while the
        // component still needs at least 2× upsampling both ways.
        let mut ssize = 1;
        while ssize < 8 && hmax % (h * ssize * 2) == 0 && vmax % (v * ssize * 2) == 0 {
            ssize *= 2;
        }
        if ssize > 2 {
            return None;
        }
        comps.push(Component {
            h,
            v,
            dc,
            ac,
            q,
            ssize,
            plane: Vec::new(),
            stride: 0,
        });
    }
    // Frame order for colour conversion; scan order for decoding.
    let order: Vec<usize> = meta
        .frame
        .iter()
        .map(|f| (0..ns).find(|&s| sos[1 + 2 * s] == f.id))
        .collect::<Option<_>>()?;
    let (mcux, mcuy) = if ns == 1 {
        // A single-component scan is not interleaved: one block per MCU.
        let c = &mut comps[0];
        let cw = (width * c.h).div_ceil(hmax);
        let ch = (height * c.v).div_ceil(vmax);
        c.h = 1;
        c.v = 1;
        (cw.div_ceil(8), ch.div_ceil(8))
    } else {
        (width.div_ceil(8 * hmax), height.div_ceil(8 * vmax))
    };
    for c in &mut comps {
        c.stride = mcux * c.h * c.ssize;
        c.plane = vec![0u8; c.stride * mcuy * c.v * c.ssize];
    }
    let scan = unstuff(bytes.get(scan_at..)?, meta.restart_interval > 0)?;
    let total = mcux * mcuy;
    let per_segment = match usize::from(meta.restart_interval) {
        0 => total,
        n => n,
    };
    if scan.ends.len() != total.div_ceil(per_segment) {
        return None;
    }
    let mut start = 0;
    let mut mcu = 0;
    let mut coef = [0i32; 64];
    for &end in &scan.ends {
        let mut br = Bits::new(&scan.data, start);
        let mut pred = [0i32; 4];
        for _ in 0..per_segment.min(total - mcu) {
            let (mx, my) = (mcu % mcux, mcu / mcux);
            for (ci, c) in comps.iter_mut().enumerate() {
                let (Some(dct), Some(act)) = (&tables[0][c.dc], &tables[1][c.ac]) else {
                    return None;
                };
                for by in 0..c.v {
                    for bx in 0..c.h {
                        br.refill();
                        pred[ci] = pred[ci].wrapping_add(dct.decode_dc(&mut br)?);
                        // libjpeg keeps the coefficient as a 16-bit JCOEF.
                        let dc = i32::from(pred[ci] as i16);
                        let (x, y) = ((mx * c.h + bx) * c.ssize, (my * c.v + by) * c.ssize);
                        if c.ssize == 1 {
                            skip_ac(act, &mut br)?;
                            c.plane[y * c.stride + x] = idct_clamp((dc * c.q[0] + 4) >> 3);
                        } else {
                            coef.fill(0);
                            coef[0] = dc;
                            read_ac(act, &mut br, &mut coef)?;
                            let px = idct_2x2(&coef, &c.q);
                            c.plane[y * c.stride + x..][..2].copy_from_slice(&px[..2]);
                            c.plane[(y + 1) * c.stride + x..][..2].copy_from_slice(&px[2..]);
                        }
                    }
                }
            }
            mcu += 1;
        }
        if br.overrun || br.position() > end * 8 {
            return None;
        }
        start = end;
    }
    let (ow, oh) = (width.div_ceil(8), height.div_ceil(8));
    let mut rgb = vec![0u8; ow * oh * 3];
    if gray {
        let c = &comps[0];
        for (y, row) in rgb.chunks_exact_mut(ow * 3).enumerate() {
            let src = &c.plane[y * c.stride..][..ow];
            for (px, &l) in row.chunks_exact_mut(3).zip(src) {
                px.fill(l);
            }
        }
        return Some((ow, oh, rgb));
    }
    let planes: Vec<&Component> = order.iter().map(|&s| &comps[s]).collect();
    // Whole factors: `h·ssize` divides `hmax` (both sides are 1 or 2, and
    // `ssize` is 2 only when `2h` divides `hmax`); likewise vertically.
    let upsample: Vec<(usize, usize)> = planes
        .iter()
        .map(|c| (hmax / (c.h * c.ssize), vmax / (c.v * c.ssize)))
        .collect();
    let conv = YccTables::new();
    for (y, row) in rgb.chunks_exact_mut(ow * 3).enumerate() {
        let line = |i: usize| {
            let c = planes[i];
            &c.plane[(y / upsample[i].1) * c.stride..]
        };
        let (yl, cbl, crl) = (line(0), line(1), line(2));
        let (fy, fb, fr) = (upsample[0].0, upsample[1].0, upsample[2].0);
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            px.copy_from_slice(&conv.rgb(yl[x / fy], cbl[x / fb], crl[x / fr]));
        }
    }
    Some((ow, oh, rgb))
}

/// Skips the AC codes of one block.
#[inline(always)]
fn skip_ac(t: &Huffman, br: &mut Bits<'_>) -> Option<()> {
    let mut k = 1u32;
    loop {
        br.refill();
        // Four lookups of at most `PACK_BITS` bits fit in one refill.
        let mut packs = 0;
        while packs < 4 {
            let e = t.pack[br.peek(PACK_BITS) & ((1 << PACK_BITS) - 1)];
            let adv = u32::from(e >> Pack::ADV_SHIFT) & 0x7F;
            let eob = e & Pack::EOB != 0;
            if e == 0 || k + adv + u32::from(eob) > 64 {
                break;
            }
            br.consume(u32::from(e & Pack::BITS));
            k += adv;
            if eob || k == 64 {
                return Some(());
            }
            packs += 1;
        }
        if packs == 4 {
            continue;
        }
        // A code longer than the table, or groups running past the block's
        // end: one symbol the long way.
        br.refill();
        let symbol = t.decode(br)?;
        let size = u32::from(symbol & 15);
        if size > 0 {
            br.consume(size);
        }
        match ac_advance(symbol) {
            Some(a) => k += a,
            None => return Some(()),
        }
        // Past the last position the block ends, as in libjpeg.
        if k >= 64 {
            return Some(());
        }
    }
}

/// Reads the AC coefficients of one block into `coef` (natural order).
fn read_ac(t: &Huffman, br: &mut Bits<'_>, coef: &mut [i32; 64]) -> Option<()> {
    let mut k = 1usize;
    while k < 64 {
        br.refill();
        let symbol = t.decode(br)?;
        let (run, size) = (usize::from(symbol >> 4), u32::from(symbol & 15));
        if size == 0 {
            if run != 15 {
                break;
            }
            k += 16;
            continue;
        }
        k += run;
        let v = br.extend(size);
        // libjpeg stores coefficients as 16-bit JCOEF; positions past 63
        // go to position 63, as with libjpeg's padded natural-order table.
        let n = super::jpeg::ZIGZAG.get(k).copied().unwrap_or(63);
        coef[n] = i32::from(v as i16);
        k += 1;
    }
    Some(())
}

/// libjpeg's fixed-point YCbCr → RGB tables (`jdcolor.c`, 16 fraction bits).
struct YccTables {
    cr_r: [i32; 256],
    cb_b: [i32; 256],
    cr_g: [i32; 256],
    cb_g: [i32; 256],
}

impl YccTables {
    fn new() -> YccTables {
        const SCALEBITS: u32 = 16;
        const ONE_HALF: i64 = 1 << (SCALEBITS - 1);
        let fix = |x: f64| (x * f64::from(1u32 << SCALEBITS) + 0.5) as i64;
        let mut t = YccTables {
            cr_r: [0; 256],
            cb_b: [0; 256],
            cr_g: [0; 256],
            cb_g: [0; 256],
        };
        for i in 0..256usize {
            let x = i as i64 - 128;
            t.cr_r[i] = ((fix(1.40200) * x + ONE_HALF) >> SCALEBITS) as i32;
            t.cb_b[i] = ((fix(1.77200) * x + ONE_HALF) >> SCALEBITS) as i32;
            t.cr_g[i] = (-fix(0.71414) * x) as i32;
            t.cb_g[i] = (-fix(0.34414) * x + ONE_HALF) as i32;
        }
        t
    }

    #[inline(always)]
    fn rgb(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        let (y, cb, cr) = (i32::from(y), usize::from(cb), usize::from(cr));
        let clamp = |v: i32| v.clamp(0, 255) as u8;
        [
            clamp(y + self.cr_r[cr]),
            clamp(y + ((self.cb_g[cb] + self.cr_g[cr]) >> 16)),
            clamp(y + self.cb_b[cb]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use turbojpeg::{Compressor, Decompressor, PixelFormat, ScalingFactor, Subsamp};

    /// libjpeg-turbo's own 1/8-scale RGB decode.
    fn reference(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
        reference_checked(bytes).expect("libjpeg-turbo decodes")
    }

    /// The same, with libjpeg-turbo's warnings as errors unless the codec
    /// treats them as harmless.
    fn reference_checked(bytes: &[u8]) -> Result<(usize, usize, Vec<u8>), crate::img::Error> {
        let bad = |_| crate::img::Error::unsupported_format();
        let mut d = Decompressor::new().map_err(bad)?;
        let header = d.read_header(bytes).map_err(bad)?;
        let f = ScalingFactor::ONE_EIGHTH;
        d.set_scaling_factor(f).map_err(bad)?;
        let out = header.scaled(f);
        let rgb = super::super::jpeg::decompress(
            &mut d,
            bytes,
            (out.width, out.height),
            PixelFormat::RGB,
        )?;
        Ok((out.width, out.height, rgb))
    }

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/images/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(path).expect("fixture")
    }

    /// Decodes with this decoder, asserting it accepted the file.
    fn ours(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
        let meta = super::super::jpeg::parse(bytes).expect("parse");
        decode_eighth(bytes, &meta).expect("the DC decoder declined")
    }

    fn assert_same(name: &str, bytes: &[u8]) {
        let (w, h, a) = ours(bytes);
        let (rw, rh, b) = reference(bytes);
        assert_eq!((w, h), (rw, rh), "{name}: size");
        let diff = a.iter().zip(&b).filter(|(x, y)| x != y).count();
        let max = a
            .iter()
            .zip(&b)
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0);
        assert_eq!(
            diff,
            0,
            "{name}: {diff} of {} bytes differ (max {max})",
            a.len()
        );
    }

    #[test]
    fn fixtures_match_libjpeg_turbo() {
        // 4:2:2, 4:2:0 (chroma through the 2×2 IDCT), grey, restart markers.
        for name in [
            "photo-12mp.jpg",
            "photo-2mp.jpg",
            "orientation-1.jpg",
            "orientation-6.jpg",
            "gray.jpg",
            "restart.jpg",
            "stereo.mpo",
            "bad-truncated.jpg",
        ] {
            let bytes = fixture(name);
            if name == "bad-truncated.jpg" {
                let meta = super::super::jpeg::parse(&bytes).expect("parse");
                assert!(decode_eighth(&bytes, &meta).is_none(), "{name}");
                continue;
            }
            assert_same(name, &bytes);
        }
    }

    /// A test picture with edges, gradients and noise, `w × h` RGB.
    fn picture(w: usize, h: usize) -> Vec<u8> {
        let mut seed = 0x2545_f491_u32;
        let mut px = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let noise = (seed % 40) as usize;
                let edge = if (x / 9 + y / 7) % 2 == 0 { 60 } else { 0 };
                px.push(((x * 255 / w.max(1) + noise) % 256) as u8);
                px.push(((y * 255 / h.max(1) + edge) % 256) as u8);
                px.push(((x + y) * 3 % 256) as u8);
            }
        }
        px
    }

    fn encode(w: usize, h: usize, sub: Subsamp, quality: i32, optimize: bool) -> Vec<u8> {
        let px = picture(w, h);
        let mut c = Compressor::new().expect("compressor");
        c.set_quality(quality).expect("quality");
        c.set_subsamp(sub).expect("subsamp");
        c.set_optimize(optimize).expect("optimize");
        let img = turbojpeg::Image {
            pixels: &px[..],
            width: w,
            pitch: w * 3,
            height: h,
            format: PixelFormat::RGB,
        };
        c.compress_to_vec(img).expect("compress")
    }

    #[test]
    fn every_supported_sampling_and_size_matches_libjpeg_turbo() {
        let subs = [
            Subsamp::None,
            Subsamp::Sub2x1,
            Subsamp::Sub2x2,
            Subsamp::Sub1x2,
            Subsamp::Gray,
        ];
        // Sizes on, below and above MCU multiples; tiny and odd.
        let sizes = [
            (1, 1),
            (7, 9),
            (16, 16),
            (17, 15),
            (33, 65),
            (123, 77),
            (250, 31),
        ];
        for sub in subs {
            for &(w, h) in &sizes {
                for (quality, optimize) in [(75, false), (95, true), (20, false), (100, false)] {
                    let bytes = encode(w, h, sub, quality, optimize);
                    assert_same(&format!("{sub:?} {w}x{h} q{quality}"), &bytes);
                }
            }
        }
    }

    #[test]
    fn unsupported_files_are_declined() {
        // 4:1:1 (h = 4), progressive, arithmetic coding, CMYK.
        let mut cases = vec![
            ("411", encode(64, 32, Subsamp::Sub4x1, 80, false)),
            ("cmyk", fixture("cmyk.jpg")),
        ];
        for (name, setup) in [
            (
                "progressive",
                Compressor::set_progressive as fn(&mut Compressor, bool) -> _,
            ),
            ("arithmetic", Compressor::set_arithmetic),
        ] {
            let px = picture(40, 24);
            let mut c = Compressor::new().expect("compressor");
            setup(&mut c, true).expect("option");
            let img = turbojpeg::Image {
                pixels: &px[..],
                width: 40,
                pitch: 120,
                height: 24,
                format: PixelFormat::RGB,
            };
            cases.push((name, c.compress_to_vec(img).expect("compress")));
        }
        for (name, bytes) in cases {
            let meta = super::super::jpeg::parse(&bytes).expect("parse");
            assert!(decode_eighth(&bytes, &meta).is_none(), "{name} accepted");
        }
    }

    /// Damaged entropy-coded data: this decoder either declines (and the
    /// caller uses libjpeg-turbo) or gives exactly what libjpeg-turbo gives
    /// without complaint.
    #[test]
    fn damaged_data_is_declined_or_decoded_as_libjpeg_turbo_does() {
        let mut accepted = 0;
        for name in ["restart.jpg", "orientation-1.jpg"] {
            let good = fixture(name);
            let meta = super::super::jpeg::parse(&good).expect("parse");
            let (_, scan_at) = meta.scan.expect("scan");
            let mut seed = 0x9e37_79b9_u32;
            for i in 0..300 {
                let mut bytes = good.clone();
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let at = scan_at + seed as usize % (bytes.len() - scan_at);
                match i % 4 {
                    0 => bytes[at] ^= 1 << (seed % 8),
                    1 => bytes[at] = 0xFF,
                    2 => bytes.truncate(at),
                    _ => bytes[at] = bytes[at].wrapping_add(0x55),
                }
                let meta = super::super::jpeg::parse(&bytes).expect("parse");
                let Some((w, h, ours)) = decode_eighth(&bytes, &meta) else {
                    continue;
                };
                accepted += 1;
                let (rw, rh, theirs) = reference_checked(&bytes).unwrap_or_else(|e| {
                    panic!("{name} case {i}: accepted, libjpeg-turbo says {e:?}")
                });
                assert_eq!((w, h), (rw, rh), "{name} case {i}");
                assert!(ours == theirs, "{name} case {i}: pixels differ");
            }
        }
        // Some flips only change coefficient values: those must be decoded.
        assert!(accepted > 0);
    }

    #[test]
    fn huffman_tables_reject_all_ones_codes() {
        // Two codes of length 1 would need the all-ones code "1".
        let mut counts = [0u8; 16];
        counts[0] = 2;
        assert!(Huffman::new(&counts, &[0, 1], true).is_none());
        counts[0] = 1;
        assert!(Huffman::new(&counts, &[0], true).is_some());
        // DC magnitudes above 15 are refused as libjpeg refuses them.
        assert!(Huffman::new(&counts, &[16], false).is_none());
    }
}
