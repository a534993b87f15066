//! Baseline JPEG decoded at 1/8, 1/4 and 1/2 scale straight from the
//! entropy-coded data, byte for byte as libjpeg-turbo decodes it at those
//! scales, and faster.
//!
//! Byte stuffing is removed in one pass, so the bit reader refills eight bytes
//! at a time without looking for markers. At 1/8 scale libjpeg-turbo's inverse
//! DCT of a block is its average, `(DC·q + 4) >> 3` plus 128, so AC codes are
//! only skipped, several at a time, through a table indexed by the next 13 bits
//! that gives the length of whole (code + extra bits) groups and how far they
//! move in the block. At 1/4 and 1/2 the AC coefficients are needed: a table
//! indexed by the next 11 bits gives up to two whole (code + magnitude) groups
//! at once, with their runs and values, and the loop that writes them has no
//! branch but the block's end; coefficients go straight to natural order,
//! dequantised, and the IDCT reads only the ones it needs.
//!
//! The output is libjpeg-turbo's scaled output, byte for byte (default flags:
//! fancy upsampling, ISLOW DCT): the IDCT size per component that it chooses
//! (chroma is scaled by IDCT rather than upsampled where it can be, e.g.
//! 4:2:0 at 1/4 gives 4×4 chroma blocks), its reduced IDCTs (`jidctred.c`)
//! and full ISLOW IDCT (`jidctint.c`) arithmetic, rounding and clamping as its
//! SIMD code does them (see [`idct_limit`]); its upsampling (replication at
//! 1/8, the triangle "fancy" filters at 1/4 and 1/2); the same fixed-point
//! YCbCr → RGB. Tests compare both decoders on every fixture and on synthetic
//! files of every sampling.
//!
//! Anything else returns `None` and the caller decodes with libjpeg-turbo:
//! progressive, arithmetic-coded, lossless and 12-bit files, CMYK and RGB
//! colour, sampling factors other than 1 and 2 (above 1/8: chroma other than
//! 1×1), multi-scan files, restart markers out of order, coefficients too
//! large for the IDCT to be exact, and any entropy-coded data that does not
//! decode cleanly (so damaged files get exactly libjpeg-turbo's treatment).

use std::sync::{Arc, Mutex};

use super::jpeg::Meta;

/// Bits looked up at once when skipping AC codes.
/// (13 measured fastest on `photo-12mp.jpg`: 12 and 14 were 25% slower.)
const PACK_BITS: u32 = 13;
// Four lookups must fit in one refill, and the bit count in `Pack::BITS`.
const _: () = assert!(4 * PACK_BITS <= 56 && PACK_BITS <= 15);
/// Bits looked up at once when decoding one code (and a DC difference).
const FAST_BITS: u32 = 10;
/// Bits looked up at once when decoding AC (code + magnitude) groups.
/// (11 measured fastest: 12 was 5% slower, 10 and 9 slower still.)
const AC_BITS: u32 = 11;
/// AC lookups per refill: each takes at most `AC_BITS` of the 56 bits.
const AC_PER_REFILL: usize = 4;
const _: () = assert!(AC_PER_REFILL as u32 * AC_BITS <= 56);

/// A block of coefficients in natural order (0-63), a spare slot 64 that
/// takes the writes that only keep the AC loop free of branches, and room for
/// any `u8` index (see [`ZZ`]).
type Block = [i32; 256];

/// Where a coefficient at zig-zag position `k` goes in a [`Block`]: its
/// natural index for `k` < 64; 63 for `k` up to 127, as libjpeg puts a
/// coefficient whose run goes past the block's end at 63; the spare slot 64
/// from 128 on.
const ZZ: [u8; 256] = {
    let mut t = [64u8; 256];
    let mut k = 0;
    while k < 128 {
        t[k] = if k < 64 {
            super::jpeg::ZIGZAG[k] as u8
        } else {
            63
        };
        k += 1;
    }
    t
};

/// One entry of an AC lookup table: the one or two whole (code + magnitude)
/// groups that the next `AC_BITS` bits start with.
///
/// Decoding it at zig-zag position `k` (below 63): value 1 goes to `k +
/// run1`, value 2 to `k + at2`, and decoding goes on at `k + next`. A single
/// group sends a zero value 2 to the spare slot (`at2` ≥ 128); sixteen zeros
/// (ZRL) are a zero value with a run of 15; an end of block is a zero value
/// and `next` [`AcEntry::END`]. `run1` 255: not even one group fits.
#[derive(Clone, Copy, Default)]
struct AcEntry {
    bits: u8,
    run1: u8,
    at2: u8,
    next: u8,
    v1: i16,
    v2: i16,
}

impl AcEntry {
    /// `next` of an entry whose groups end the block.
    const END: u8 = 200;
    /// The entry when no group fits.
    const NONE: AcEntry = AcEntry {
        bits: 0,
        run1: 255,
        at2: 0,
        next: 0,
        v1: 0,
        v2: 0,
    };
}

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
    /// AC tables at 1/8 scale, by the next `PACK_BITS` bits: whole (code +
    /// extra bits) groups, see [`Pack`].
    pack: Option<Box<[u16; 1 << PACK_BITS]>>,
    /// AC tables, by the next `AC_BITS` bits: up to two groups.
    ac: Box<[AcEntry; 1 << AC_BITS]>,
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
    /// Builds a table from a DHT entry (16 counts, then the symbols); `pack`
    /// asks for the 1/8-scale skip table of an AC table.
    fn new(counts: &[u8; 16], symbols: &[u8], ac: bool, pack: bool) -> Option<Huffman> {
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
            let symbol = symbols[i];
            if len > FAST_BITS {
                continue;
            }
            let shift = FAST_BITS - len;
            let first = (code << shift) as usize;
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
            pack: None,
            ac: table::<AcEntry, { 1 << AC_BITS }>()?,
        };
        if ac {
            for i in 0..table.ac.len() {
                table.ac[i] = table.ac_entry(i as u32);
            }
        }
        if ac && pack {
            let mut p = self::table::<u16, { 1 << PACK_BITS }>()?;
            for (i, e) in p.iter_mut().enumerate() {
                *e = table.pack_entry(i as u32);
            }
            table.pack = Some(p);
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

    /// The first (code + magnitude) group of the `width`-bit string `bits`,
    /// if it fits: (bits taken, run, value), the run `None` for an end of
    /// block.
    fn ac_group(&self, bits: u32, width: u32) -> Option<(u32, Option<u8>, i16)> {
        let (len, symbol) = self.match_code(bits, width)?;
        let (run, size) = (symbol >> 4, u32::from(symbol & 15));
        if len + size > width {
            return None;
        }
        Some(match size {
            0 if run == 15 => (len, Some(15), 0),
            // libjpeg treats every zero-size symbol other than ZRL as EOB.
            0 => (len, None, 0),
            _ => {
                let rest = width - len - size;
                let v = extend((bits >> rest) & ((1 << size) - 1), size);
                // At most `AC_BITS` bits: fits.
                (len + size, Some(run), v as i16)
            }
        })
    }

    /// The AC table entry for the `AC_BITS`-bit string `index`.
    fn ac_entry(&self, index: u32) -> AcEntry {
        let Some((bits1, run1, v1)) = self.ac_group(index, AC_BITS) else {
            return AcEntry::NONE;
        };
        let Some(run1) = run1 else {
            return AcEntry {
                bits: bits1 as u8,
                run1: 0,
                at2: 128,
                next: AcEntry::END,
                v1: 0,
                v2: 0,
            };
        };
        let width = AC_BITS - bits1;
        let second = match width {
            0 => None,
            _ => self.ac_group(index & ((1 << width) - 1), width),
        };
        let (bits2, at2, next, v2) = match second {
            None => (0, run1 + 129, run1 + 1, 0),
            Some((bits2, None, _)) => (bits2, run1 + 129, AcEntry::END, 0),
            Some((bits2, Some(run2), v2)) => (bits2, run1 + 1 + run2, run1 + run2 + 2, v2),
        };
        AcEntry {
            bits: (bits1 + bits2) as u8,
            run1,
            at2,
            next,
            v1,
            v2,
        }
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
#[derive(Clone, Copy)]
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

/// How libjpeg-turbo brings a component to the output size.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Upsample {
    /// Already full size.
    None,
    /// Samples repeated `h × v` times (its plain upsamplers).
    Replicate(usize, usize),
    /// The triangle filters of its `h2v1` and `h1v2` "fancy" upsampling.
    FancyH2V1,
    FancyH1V2,
}

/// One component of the scan, with what decoding it needs.
struct Component {
    /// Blocks per MCU (1 × 1 in a single-component scan).
    h: usize,
    v: usize,
    dc: usize,
    ac: usize,
    /// Quantisation table, natural order.
    q: [i32; 64],
    /// Quantisation table by zig-zag position, extended as [`ZZ`].
    qz: [i32; 256],
    /// Samples per block side after the IDCT: libjpeg-turbo's
    /// `DCT_scaled_size` (1, 2, 4 or 8).
    ssize: usize,
    /// Samples after the IDCT, `stride` per row, whole MCUs: one MCU row, or
    /// all of them.
    plane: Vec<u8>,
    stride: usize,
    /// The component row that is row 0 of `plane`.
    base: usize,
    /// libjpeg's `downsampled_width` and `downsampled_height`: the samples
    /// that belong to the image (the rest is MCU padding).
    ds_w: usize,
    ds_h: usize,
    up: Upsample,
    /// Largest dequantised coefficient magnitude whose IDCT is exact here
    /// and in libjpeg-turbo's SIMD code, see [`idct_limit`].
    limit: u32,
    /// The block being decoded. The IDCT reads the positions it needs and
    /// leaves them zero; it never reads the others, which may keep old values.
    coef: Block,
}

impl Component {
    /// Whether a coefficient of the block that the IDCT reads is past
    /// [`idct_limit`].
    fn out_of_range(&self) -> bool {
        // Rows and columns the reduced IDCTs read (`jidctred.c`).
        let used = |i: usize| match self.ssize {
            2 => [0, 1, 3, 5, 7].contains(&(i / 8)) && [0, 1, 3, 5, 7].contains(&(i % 8)),
            4 => i / 8 != 4 && i % 8 != 4,
            _ => true,
        };
        self.coef[..64]
            .iter()
            .enumerate()
            .any(|(i, v)| used(i) && v.unsigned_abs() > self.limit)
    }
}

/// libjpeg's clamp after the IDCT: the value wraps to 10 bits, then is
/// limited to 0..=255 around the centre 128.
#[inline(always)]
fn idct_clamp(v: i32) -> u8 {
    let wrapped = ((v & 1023) ^ 512) - 512;
    (wrapped + 128).clamp(0, 255) as u8
}

/// The largest dequantised coefficient magnitude for which libjpeg-turbo's
/// SIMD IDCT of size `n` (2, 4, 8) computes exactly what its C code
/// computes, but for the final clamp, which saturates.
///
/// The SIMD code multiplies 16-bit coefficients and quantisers into 16 bits,
/// keeps the first pass in 16 bits and sums in 32 bits: with every input at
/// most this large, in any combination of signs, nothing wraps or saturates
/// before the end (and the arithmetic here fits `i32`). Real files stay
/// well inside: their dequantised coefficients are about ±1024 at most.
/// Blocks past it are declined.
fn idct_limit(n: usize) -> u32 {
    match n {
        2 => 2047,
        4 => 1400,
        _ => 1024,
    }
}

/// The final clamp of libjpeg-turbo's SIMD IDCTs: saturation to 0..=255
/// around the centre 128.
#[inline(always)]
fn saturate(v: i32) -> u8 {
    (v.clamp(-128, 127) + 128) as u8
}

/// `DESCALE` of libjpeg: round to nearest by adding half, then shift.
#[inline(always)]
fn descale(v: i32, n: u32) -> i32 {
    (v + (1 << (n - 1))) >> n
}

/// libjpeg's ISLOW IDCT constants: `FIX(x)` = round(x · 2^13).
const FIX_0_211164243: i32 = 1730;
const FIX_0_298631336: i32 = 2446;
const FIX_0_390180644: i32 = 3196;
const FIX_0_509795579: i32 = 4176;
const FIX_0_541196100: i32 = 4433;
const FIX_0_601344887: i32 = 4926;
const FIX_0_720959822: i32 = 5906;
const FIX_0_765366865: i32 = 6270;
const FIX_0_850430095: i32 = 6967;
const FIX_0_899976223: i32 = 7373;
const FIX_1_061594337: i32 = 8697;
const FIX_1_175875602: i32 = 9633;
const FIX_1_272758580: i32 = 10426;
const FIX_1_451774981: i32 = 11893;
const FIX_1_501321110: i32 = 12299;
const FIX_1_847759065: i32 = 15137;
const FIX_1_961570560: i32 = 16069;
const FIX_2_053119869: i32 = 16819;
const FIX_2_172734803: i32 = 17799;
const FIX_2_562915447: i32 = 20995;
const FIX_3_072711026: i32 = 25172;
const FIX_3_624509785: i32 = 29692;
/// `CONST_BITS` and `PASS1_BITS` of libjpeg's ISLOW IDCTs.
const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

/// The sample of a block with only a (dequantised) DC coefficient, at most
/// [`idct_limit`] in magnitude, at any IDCT size from 2 to 8: what every
/// ISLOW IDCT computes for it.
#[inline(always)]
fn dc_sample(dcq: i32) -> u8 {
    saturate(descale(dcq << PASS1_BITS, PASS1_BITS + 3))
}

/// Fills an `n × n` block of `out` (rows `stride` apart) with one value.
#[inline(always)]
fn fill_block(out: &mut [u8], stride: usize, n: usize, v: u8) {
    for r in 0..n {
        if let Some(row) = out.get_mut(r * stride..r * stride + n) {
            row.fill(v);
        }
    }
}

/// libjpeg's `jpeg_idct_2x2` (ISLOW reduced IDCT): the 2×2 block of samples
/// from dequantised coefficients in natural order, each at most
/// [`idct_limit`]`(2)` in magnitude. Leaves the coefficients it reads zero.
fn idct_2x2(c: &mut Block, out: &mut [u8], stride: usize) {
    #[inline(always)]
    fn odd(z7: i32, z5: i32, z3: i32, z1: i32) -> i32 {
        -z7 * FIX_0_720959822 + z5 * FIX_0_850430095 - z3 * FIX_1_272758580 + z1 * FIX_3_624509785
    }
    // Pass 1: columns 0, 1, 3, 5, 7 into two rows of a workspace (an
    // all-zero AC column gives the same values the long way).
    let mut ws = [[0i32; 8]; 2];
    for col in [0usize, 1, 3, 5, 7] {
        let mut x = |r: usize| std::mem::take(&mut c[8 * r + col]);
        let tmp10 = x(0) << (CONST_BITS + 2);
        let tmp0 = odd(x(7), x(5), x(3), x(1));
        ws[0][col] = descale(tmp10 + tmp0, CONST_BITS - PASS1_BITS + 2);
        ws[1][col] = descale(tmp10 - tmp0, CONST_BITS - PASS1_BITS + 2);
    }
    // Pass 2: the two rows.
    for (r, w) in ws.iter().enumerate() {
        let tmp10 = w[0] << (CONST_BITS + 2);
        let tmp0 = odd(w[7], w[5], w[3], w[1]);
        let n = CONST_BITS + PASS1_BITS + 3 + 2;
        if let Some(o) = out.get_mut(r * stride..r * stride + 2) {
            o[0] = saturate(descale(tmp10 + tmp0, n));
            o[1] = saturate(descale(tmp10 - tmp0, n));
        }
    }
}

/// [`idct_2x2`] of a block whose coefficients past zig-zag position 14 are
/// zero: of those it reads, only rows and columns 0, 1 and 3 remain, and
/// (3, 3) is position 24.
fn idct_2x2_low(c: &mut Block, out: &mut [u8], stride: usize) {
    let odd = |z3: i32, z1: i32| -z3 * FIX_1_272758580 + z1 * FIX_3_624509785;
    let mut x = |i: usize| std::mem::take(&mut c[i]);
    let cols = [
        (x(0), odd(x(24), x(8))),
        (x(1), odd(x(25), x(9))),
        (x(3), odd(0, x(11))),
    ];
    let mut ws = [[0i32; 3]; 2];
    for (col, (x0, tmp0)) in cols.into_iter().enumerate() {
        let tmp10 = x0 << (CONST_BITS + 2);
        ws[0][col] = descale(tmp10 + tmp0, CONST_BITS - PASS1_BITS + 2);
        ws[1][col] = descale(tmp10 - tmp0, CONST_BITS - PASS1_BITS + 2);
    }
    for (r, w) in ws.iter().enumerate() {
        let tmp10 = w[0] << (CONST_BITS + 2);
        let tmp0 = odd(w[2], w[1]);
        let n = CONST_BITS + PASS1_BITS + 3 + 2;
        if let Some(o) = out.get_mut(r * stride..r * stride + 2) {
            o[0] = saturate(descale(tmp10 + tmp0, n));
            o[1] = saturate(descale(tmp10 - tmp0, n));
        }
    }
}

/// libjpeg's `jpeg_idct_4x4` (ISLOW reduced IDCT): the 4×4 block of samples
/// from dequantised coefficients in natural order (row and column 4 unused),
/// each at most [`idct_limit`]`(4)` in magnitude. Leaves the coefficients it
/// reads zero.
///
/// The first pass works on all eight columns at once with 16-bit inputs
/// (products of pairs, which vectorise); the results are the same.
fn idct_4x4(c: &mut Block, out: &mut [u8], stride: usize) {
    // Rows 0-3 and 5-7; column 4 (not read) is left out.
    let mut x = [[0i16; 8]; 8];
    for r in [0usize, 1, 2, 3, 5, 6, 7] {
        for (i, x) in x[r].iter_mut().enumerate() {
            let v = std::mem::take(&mut c[8 * r + i]);
            // Within `idct_limit`: fits.
            *x = if i == 4 { 0 } else { v as i16 };
        }
    }
    // Pass 1: the columns, into four rows of a workspace.
    let mut ws = [[0i32; 8]; 4];
    for i in 0..8 {
        let x = |r: usize| i32::from(x[r][i]);
        let tmp0 = x(0) << (CONST_BITS + 1);
        let tmp2 = x(2) * FIX_1_847759065 + x(6) * -FIX_0_765366865;
        let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
        let o0 = (x(7) * -FIX_0_211164243 + x(5) * FIX_1_451774981)
            + (x(3) * -FIX_2_172734803 + x(1) * FIX_1_061594337);
        let o2 = (x(7) * -FIX_0_509795579 + x(5) * -FIX_0_601344887)
            + (x(3) * FIX_0_899976223 + x(1) * FIX_2_562915447);
        let n = CONST_BITS - PASS1_BITS + 1;
        ws[0][i] = descale(tmp10 + o2, n);
        ws[1][i] = descale(tmp12 + o0, n);
        ws[2][i] = descale(tmp12 - o0, n);
        ws[3][i] = descale(tmp10 - o2, n);
    }
    // Pass 2: the four rows.
    for (r, w) in ws.iter().enumerate() {
        let tmp0 = w[0] << (CONST_BITS + 1);
        let tmp2 = w[2] * FIX_1_847759065 - w[6] * FIX_0_765366865;
        let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
        let (z1, z2, z3, z4) = (w[7], w[5], w[3], w[1]);
        let o0 = -z1 * FIX_0_211164243 + z2 * FIX_1_451774981 - z3 * FIX_2_172734803
            + z4 * FIX_1_061594337;
        let o2 = -z1 * FIX_0_509795579 - z2 * FIX_0_601344887
            + z3 * FIX_0_899976223
            + z4 * FIX_2_562915447;
        let n = CONST_BITS + PASS1_BITS + 3 + 1;
        if let Some(o) = out.get_mut(r * stride..r * stride + 4) {
            o[0] = saturate(descale(tmp10 + o2, n));
            o[1] = saturate(descale(tmp12 + o0, n));
            o[2] = saturate(descale(tmp12 - o0, n));
            o[3] = saturate(descale(tmp10 - o2, n));
        }
    }
}

/// [`idct_4x4`] of a block whose coefficients past zig-zag position 14 are
/// zero: of those it reads, only rows and columns 0-3 remain.
fn idct_4x4_low(c: &mut Block, out: &mut [u8], stride: usize) {
    /// The four outputs from inputs 0-3, before the final descale.
    #[inline(always)]
    fn butterfly(x: [i32; 4]) -> [i32; 4] {
        let tmp0 = x[0] << (CONST_BITS + 1);
        let tmp2 = x[2] * FIX_1_847759065;
        let (tmp10, tmp12) = (tmp0 + tmp2, tmp0 - tmp2);
        let o0 = -x[3] * FIX_2_172734803 + x[1] * FIX_1_061594337;
        let o2 = x[3] * FIX_0_899976223 + x[1] * FIX_2_562915447;
        [tmp10 + o2, tmp12 + o0, tmp12 - o0, tmp10 - o2]
    }
    let mut ws = [[0i32; 4]; 4];
    for col in 0..4 {
        let mut x = [0i32; 4];
        for (r, x) in x.iter_mut().enumerate() {
            *x = std::mem::take(&mut c[8 * r + col]);
        }
        for (w, v) in ws.iter_mut().zip(butterfly(x)) {
            w[col] = descale(v, CONST_BITS - PASS1_BITS + 1);
        }
    }
    for (r, w) in ws.iter().enumerate() {
        if let Some(o) = out.get_mut(r * stride..r * stride + 4) {
            for (o, v) in o.iter_mut().zip(butterfly(*w)) {
                *o = saturate(descale(v, CONST_BITS + PASS1_BITS + 3 + 1));
            }
        }
    }
}

/// libjpeg's `jpeg_idct_islow`: the 8×8 block of samples from dequantised
/// coefficients in natural order, each at most [`idct_limit`]`(8)` in
/// magnitude. Leaves the coefficients zero.
fn idct_8x8(c: &mut Block, out: &mut [u8], stride: usize) {
    /// The eight outputs, before the final descale.
    #[inline(always)]
    fn butterfly(x: [i32; 8]) -> [i32; 8] {
        let (z2, z3) = (x[2], x[6]);
        let z1 = (z2 + z3) * FIX_0_541196100;
        let tmp2 = z1 - z3 * FIX_1_847759065;
        let tmp3 = z1 + z2 * FIX_0_765366865;
        let tmp0 = (x[0] + x[4]) << CONST_BITS;
        let tmp1 = (x[0] - x[4]) << CONST_BITS;
        let (tmp10, tmp13) = (tmp0 + tmp3, tmp0 - tmp3);
        let (tmp11, tmp12) = (tmp1 + tmp2, tmp1 - tmp2);
        let (t0, t1, t2, t3) = (x[7], x[5], x[3], x[1]);
        let (z1, z2, z3, z4) = (t0 + t3, t1 + t2, t0 + t2, t1 + t3);
        let z5 = (z3 + z4) * FIX_1_175875602;
        let (t0, t1) = (t0 * FIX_0_298631336, t1 * FIX_2_053119869);
        let (t2, t3) = (t2 * FIX_3_072711026, t3 * FIX_1_501321110);
        let (z1, z2) = (-z1 * FIX_0_899976223, -z2 * FIX_2_562915447);
        let z3 = -z3 * FIX_1_961570560 + z5;
        let z4 = -z4 * FIX_0_390180644 + z5;
        let (t0, t1) = (t0 + z1 + z3, t1 + z2 + z4);
        let (t2, t3) = (t2 + z2 + z3, t3 + z1 + z4);
        [
            tmp10 + t3,
            tmp11 + t2,
            tmp12 + t1,
            tmp13 + t0,
            tmp13 - t0,
            tmp12 - t1,
            tmp11 - t2,
            tmp10 - t3,
        ]
    }
    let mut ws = [[0i32; 8]; 8];
    for col in 0..8 {
        let x = std::array::from_fn(|r| std::mem::take(&mut c[8 * r + col]));
        for (w, v) in ws.iter_mut().zip(butterfly(x)) {
            w[col] = descale(v, CONST_BITS - PASS1_BITS);
        }
    }
    for (r, w) in ws.iter().enumerate() {
        if let Some(o) = out.get_mut(r * stride..r * stride + 8) {
            for (o, v) in o.iter_mut().zip(butterfly(*w)) {
                *o = saturate(descale(v, CONST_BITS + PASS1_BITS + 3));
            }
        }
    }
}

/// Tables by (class, id), shared with [`TABLE_CACHE`].
type Tables = [[Option<Arc<Huffman>>; 4]; 2];

/// Recently built tables by their DHT bytes, most recent first. Files from
/// one camera or encoder share their tables, and building the lookup tables
/// costs about 2% of a 1/8-scale decode of a 12 MP photo.
static TABLE_CACHE: Mutex<Vec<(Vec<u8>, Arc<Huffman>)>> = Mutex::new(Vec::new());

/// Tables kept in [`TABLE_CACHE`] (about 40 KB each).
const TABLE_CACHE_LEN: usize = 16;

/// The table for one DHT entry, from [`TABLE_CACHE`] or newly built.
fn cached_table(counts: &[u8; 16], symbols: &[u8], ac: bool, pack: bool) -> Option<Arc<Huffman>> {
    let mut key = Vec::with_capacity(2 + counts.len() + symbols.len());
    key.extend([u8::from(ac), u8::from(pack)]);
    key.extend_from_slice(counts);
    key.extend_from_slice(symbols);
    let cache = || TABLE_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    {
        let mut entries = cache();
        if let Some(i) = entries.iter().position(|(k, _)| *k == key) {
            entries[..=i].rotate_right(1);
            return Some(entries[0].1.clone());
        }
    }
    let table = Arc::new(Huffman::new(counts, symbols, ac, pack)?);
    let mut entries = cache();
    entries.insert(0, (key, table.clone()));
    entries.truncate(TABLE_CACHE_LEN);
    Some(table)
}

/// Parses the DHT segments into tables by (class, id).
fn huffman_tables(segments: &[&[u8]], pack: bool) -> Option<Tables> {
    let mut tables: Tables = Default::default();
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
            tables[class][id] = Some(cached_table(counts, symbols, class == 1, pack)?);
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

/// Decodes at 1/`denom` scale (`denom` 8, 4 or 2) to 8-bit RGB: `(width,
/// height, pixels)`, or `None` when the file is not one this decoder
/// reproduces exactly.
pub(super) fn decode_scaled(
    bytes: &[u8],
    meta: &Meta<'_>,
    denom: usize,
) -> Option<(usize, usize, Vec<u8>)> {
    // libjpeg-turbo's `min_DCT_scaled_size`.
    let min = match denom {
        8 => 1,
        4 => 2,
        2 => 4,
        _ => return None,
    };
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
    let tables = huffman_tables(&meta.huffman, min == 1)?;
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
        let qz = std::array::from_fn(|k| q.get(usize::from(ZZ[k])).copied().unwrap_or(0));
        // libjpeg-turbo's choice (jdmaster.c): double the IDCT size while the
        // component still needs at least 2× upsampling both ways.
        let mut ssize = min;
        while ssize < 8
            && (hmax * min) % (h * ssize * 2) == 0
            && (vmax * min) % (v * ssize * 2) == 0
        {
            ssize *= 2;
        }
        // Its upsampling (jdsample.c): fancy (triangle) filters unless the
        // IDCT gives one sample per block, or a row has at most 2 samples.
        let ds_w = (width * h * ssize).div_ceil(hmax * 8);
        let ds_h = (height * v * ssize).div_ceil(vmax * 8);
        let (hx, vx) = (hmax * min / (h * ssize), vmax * min / (v * ssize));
        let fancy = min > 1;
        // Above 1/8 only the samplings the tests cover: chroma 1×1 (4:4:4,
        // 4:2:2, 4:2:0, 4:4:0) and grey.
        if fancy && !gray && f.id != meta.frame[0].id && (h, v) != (1, 1) {
            return None;
        }
        let up = match (hx, vx) {
            (1, 1) => Upsample::None,
            (2, 1) if fancy && ds_w > 2 => Upsample::FancyH2V1,
            (1, 2) if fancy => Upsample::FancyH1V2,
            // (Not reached with chroma 1×1: 4:2:0 chroma is scaled by IDCT.)
            (2, 2) if fancy => return None,
            _ => Upsample::Replicate(hx, vx),
        };
        comps.push(Component {
            h,
            v,
            dc,
            ac,
            q,
            qz,
            ssize,
            plane: Vec::new(),
            stride: 0,
            base: 0,
            ds_w,
            ds_h,
            up,
            limit: idct_limit(ssize),
            coef: [0; 256],
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
    // One MCU row at a time, converted as soon as it is decoded, unless a
    // component needs the rows of the next one (vertical upsampling).
    let band = comps.iter().all(|c| c.up != Upsample::FancyH1V2);
    for c in &mut comps {
        c.stride = mcux * c.h * c.ssize;
        let rows = c.v * c.ssize * if band { 1 } else { mcuy };
        c.plane = vec![0u8; c.stride * rows];
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
    let (ow, oh) = ((width * min).div_ceil(8), (height * min).div_ceil(8));
    let mut out = Output {
        rgb: vec![0u8; ow * oh * 3],
        width: ow,
        order,
        bufs: comps
            .iter()
            .map(|c| vec![0u8; (2 * c.ds_w).max(ow)])
            .collect(),
    };
    // Output rows per MCU row.
    let band_rows = if ns == 1 { min } else { vmax * min };
    let mut br = Bits::new(&scan.data, 0);
    let mut pred = [0i32; 4];
    let mut segment = 0;
    for my in 0..mcuy {
        if band {
            for c in &mut comps {
                c.base = my * c.v * c.ssize;
            }
        }
        let mut mx = 0;
        while mx < mcux {
            let mcu = my * mcux + mx;
            if mcu == (segment + 1) * per_segment {
                // The end of a restart segment.
                if br.overrun || br.position() > scan.ends[segment] * 8 {
                    return None;
                }
                br = Bits::new(&scan.data, scan.ends[segment]);
                pred = [0; 4];
                segment += 1;
            }
            let count = (mcux - mx).min((segment + 1) * per_segment - mcu);
            decode_mcus(&mut br, &mut pred, &mut comps, &tables, (mx, my), count)?;
            mx += count;
        }
        if band {
            out.convert(&comps, my * band_rows..((my + 1) * band_rows).min(oh))?;
        }
    }
    if br.overrun || br.position() > scan.ends[segment] * 8 {
        return None;
    }
    if !band {
        out.convert(&comps, 0..oh)?;
    }
    Some((ow, oh, out.rgb))
}

/// The RGB output and what converting rows to it needs.
struct Output {
    rgb: Vec<u8>,
    width: usize,
    /// Components in frame order (Y, Cb, Cr) as indices into the scan's.
    order: Vec<usize>,
    /// A row buffer per component, for upsampling.
    bufs: Vec<Vec<u8>>,
}

impl Output {
    /// Converts output rows `rows` from the components' planes.
    fn convert(&mut self, comps: &[Component], rows: std::ops::Range<usize>) -> Option<()> {
        let w = self.width;
        let start = rows.start;
        if rows.is_empty() {
            return Some(());
        }
        let out = self.rgb.get_mut(start * w * 3..rows.end * w * 3)?;
        if let [c] = comps {
            for (y, row) in out.chunks_exact_mut(w * 3).enumerate() {
                let src = c.plane.get((start + y - c.base) * c.stride..)?.get(..w)?;
                for (px, &l) in row.chunks_exact_mut(3).zip(src) {
                    px.fill(l);
                }
            }
            return Some(());
        }
        let [yi, bi, ri] = self.order[..] else {
            return None;
        };
        let [yb, bb, rb] = &mut self.bufs[..] else {
            return None;
        };
        let (yc, bc, rc) = (comps.get(yi)?, comps.get(bi)?, comps.get(ri)?);
        for (y, row) in out.chunks_exact_mut(w * 3).enumerate() {
            let y = start + y;
            let (yl, cb, cr) = (
                upsampled_row(yc, y, yb)?,
                upsampled_row(bc, y, bb)?,
                upsampled_row(rc, y, rb)?,
            );
            ycc_row(yl.get(..w)?, cb.get(..w)?, cr.get(..w)?, row);
        }
        Some(())
    }
}

/// Decodes `count` MCUs of one MCU row and restart segment, from `(mx, my)`
/// on, into the components' planes; `None` when the data is bad.
///
/// Not inlined, and on a copy of the reader: the bit buffer stays in
/// registers.
#[inline(never)]
fn decode_mcus(
    reader: &mut Bits<'_>,
    pred: &mut [i32; 4],
    comps: &mut [Component],
    tables: &Tables,
    (mut mx, my): (usize, usize),
    count: usize,
) -> Option<()> {
    let mut br = *reader;
    let mut preds = *pred;
    for _ in 0..count {
        for (c, pred) in comps.iter_mut().zip(&mut preds) {
            let (Some(dct), Some(act)) = (&tables[0][c.dc], &tables[1][c.ac]) else {
                return None;
            };
            for by in 0..c.v {
                for bx in 0..c.h {
                    br.refill();
                    *pred = pred.wrapping_add(dct.decode_dc(&mut br)?);
                    // libjpeg keeps the coefficient as a 16-bit JCOEF.
                    let dcq = i32::from(*pred as i16) * c.q[0];
                    let (x, y) = ((mx * c.h + bx) * c.ssize, (my * c.v + by) * c.ssize);
                    let at = (y - c.base) * c.stride + x;
                    if c.ssize == 1 {
                        skip_ac(act, &mut br)?;
                        *c.plane.get_mut(at)? = idct_clamp((dcq + 4) >> 3);
                        continue;
                    }
                    let Some(AcRead { acc, last }) = read_ac(act, &mut br, &mut c.coef, &c.qz)?
                    else {
                        if dcq.unsigned_abs() > c.limit {
                            return None;
                        }
                        let out = c.plane.get_mut(at..)?;
                        fill_block(out, c.stride, c.ssize, dc_sample(dcq));
                        continue;
                    };
                    c.coef[0] = dcq;
                    // Out of ±1024: rare enough to look closer.
                    if (acc | (dcq + 1024) as u32) >= 2048 && c.out_of_range() {
                        return None;
                    }
                    let out = c.plane.get_mut(at..)?;
                    match c.ssize {
                        2 if last <= 14 => idct_2x2_low(&mut c.coef, out, c.stride),
                        2 => idct_2x2(&mut c.coef, out, c.stride),
                        4 if last <= 14 => idct_4x4_low(&mut c.coef, out, c.stride),
                        4 => idct_4x4(&mut c.coef, out, c.stride),
                        _ => idct_8x8(&mut c.coef, out, c.stride),
                    }
                }
            }
        }
        mx += 1;
    }
    (*reader, *pred) = (br, preds);
    Some(())
}

/// Output row `y` from component `c`, brought to the output size (at least as
/// long as the output row), computed in `buf` when it needs upsampling.
fn upsampled_row<'a>(c: &'a Component, y: usize, buf: &'a mut [u8]) -> Option<&'a [u8]> {
    let row = |i: usize| {
        let at = i.checked_sub(c.base)? * c.stride;
        c.plane.get(at..at + c.ds_w)
    };
    Some(match c.up {
        Upsample::None => row(y)?,
        Upsample::Replicate(1, vx) => row(y / vx)?,
        Upsample::Replicate(_, vx) => {
            for (o, &v) in buf.chunks_exact_mut(2).zip(row(y / vx)?) {
                o.fill(v);
            }
            buf
        }
        Upsample::FancyH2V1 => {
            fancy_h2v1(row(y)?, buf);
            buf
        }
        Upsample::FancyH1V2 => {
            let (near, far, bias) = vertical_pair(c, y);
            let (near, far) = (row(near)?, row(far)?);
            for ((o, &n), &f) in buf.iter_mut().zip(near).zip(far) {
                *o = ((3 * u16::from(n) + u16::from(f) + bias) >> 2) as u8;
            }
            buf
        }
    })
}

/// For vertical fancy upsampling of output row `y`: the nearer and further
/// input rows (the image's edge rows repeated) and the rounding bias (1
/// above, 2 below).
fn vertical_pair(c: &Component, y: usize) -> (usize, usize, u16) {
    let i = y / 2;
    if y % 2 == 0 {
        (i, i.saturating_sub(1), 1)
    } else {
        (i, (i + 1).min(c.ds_h - 1), 2)
    }
}

/// libjpeg's `h2v1` triangle filter: output `2i` is
/// `(3·in[i] + in[i-1] + 1) >> 2`, output `2i + 1` is
/// `(3·in[i] + in[i+1] + 2) >> 2`, the edge samples repeated.
fn fancy_h2v1(src: &[u8], out: &mut [u8]) {
    let n = src.len();
    let (Some(&first), Some(&last)) = (src.first(), src.last()) else {
        return;
    };
    let Some(out) = out.get_mut(..2 * n) else {
        return;
    };
    let pair = |near: u8, left: u8, right: u8| {
        let near = 3 * u16::from(near);
        [
            ((near + u16::from(left) + 1) >> 2) as u8,
            ((near + u16::from(right) + 2) >> 2) as u8,
        ]
    };
    let (left, right) = (
        src.get(1).copied(),
        n.checked_sub(2).and_then(|i| src.get(i)),
    );
    out[..2].copy_from_slice(&pair(first, first, left.unwrap_or(first)));
    out[2 * n - 2..].copy_from_slice(&pair(last, right.copied().unwrap_or(last), last));
    if n > 2 {
        let inner = out[2..2 * n - 2].chunks_exact_mut(2);
        for (o, ((&l, &m), &r)) in inner.zip(src.iter().zip(&src[1..]).zip(&src[2..])) {
            o.copy_from_slice(&pair(m, l, r));
        }
    }
}

/// Skips the AC codes of one block.
#[inline(always)]
fn skip_ac(t: &Huffman, br: &mut Bits<'_>) -> Option<()> {
    let pack = t.pack.as_deref()?;
    let mut k = 1u32;
    loop {
        br.refill();
        // Four lookups of at most `PACK_BITS` bits fit in one refill.
        let mut packs = 0;
        while packs < 4 {
            let e = pack[br.peek(PACK_BITS) & ((1 << PACK_BITS) - 1)];
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

/// What [`read_ac`] found in a block with AC coefficients.
struct AcRead {
    /// The bitwise OR of the coefficients written plus 1024: below 2048 when
    /// all are within ±1024.
    acc: u32,
    /// A zig-zag position at or past the last one written.
    last: usize,
}

/// Reads the AC coefficients of one block into `coef` (natural order,
/// dequantised with `qz`): `None` when the entropy-coded data is bad,
/// `Some(None)` when the block has none (its first code is an end of block),
/// otherwise [`AcRead`].
#[inline(always)]
fn read_ac(
    t: &Huffman,
    br: &mut Bits<'_>,
    coef: &mut Block,
    qz: &[i32; 256],
) -> Option<Option<AcRead>> {
    const MASK: usize = (1 << AC_BITS) - 1;
    br.refill();
    let first = t.ac[br.peek(AC_BITS) & MASK];
    // An end of block first (`at2` 128 only then).
    if first.at2 == 128 {
        br.consume(u32::from(first.bits));
        return Some(None);
    }
    let mut acc = 0u32;
    let mut k = 1usize;
    let mut last = 0usize;
    loop {
        let mut n = 0;
        while n < AC_PER_REFILL {
            let e = &t.ac[br.peek(AC_BITS) & MASK];
            let k1 = k + usize::from(e.run1);
            // Nothing fits (`run1` 255), or the first group ends the block
            // (so a second one in the entry belongs to the next block): the
            // long way.
            if k1 >= 63 {
                break;
            }
            br.consume(u32::from(e.bits));
            let d1 = i32::from(e.v1) * qz[k1];
            coef[usize::from(ZZ[k1])] = d1;
            let k2 = (k + usize::from(e.at2)) & 255;
            let d2 = i32::from(e.v2) * qz[k2];
            coef[usize::from(ZZ[k2])] = d2;
            acc |= (d1 + 1024) as u32 | (d2 + 1024) as u32;
            // Value 2's position, or past value 1 when value 2 is a spare
            // write: at or past the last position written.
            last = k2 & 127;
            k += usize::from(e.next);
            if k >= 64 {
                return Some(Some(AcRead { acc, last }));
            }
            n += 1;
        }
        br.refill();
        if n == AC_PER_REFILL {
            continue;
        }
        // One symbol the long way.
        let symbol = t.decode(br)?;
        let (run, size) = (usize::from(symbol >> 4), u32::from(symbol & 15));
        if size == 0 {
            if run != 15 {
                return Some(Some(AcRead { acc, last }));
            }
            k += 16;
        } else {
            k += run;
            // libjpeg stores coefficients as 16-bit JCOEF.
            let v = br.extend(size);
            let z = k & 255;
            let d = i32::from(v as i16) * qz[z];
            coef[usize::from(ZZ[z])] = d;
            acc |= (d + 1024) as u32;
            last = k;
            k += 1;
        }
        if k >= 64 {
            return Some(Some(AcRead { acc, last }));
        }
        br.refill();
    }
}

/// libjpeg's fixed-point YCbCr → RGB (`jdcolor.c`, 16 fraction bits) of one
/// sample, without its tables: `FIX(1.402)` is 65536 + 26345, `FIX(1.772)`
/// 131072 − 14942 and `FIX(0.71414)` 65536 − 18734, so each table entry is a
/// whole part plus a product that fits 16 bits (which vectorises), with the
/// same rounding.
#[inline(always)]
fn ycc_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (i32::from(y), i32::from(cb) - 128, i32::from(cr) - 128);
    let clamp = |v: i32| v.clamp(0, 255) as u8;
    [
        clamp(y + cr + ((26345 * cr + 32768) >> 16)),
        clamp(y - cr + ((18734 * cr - 22554 * cb + 32768) >> 16)),
        clamp(y + 2 * cb + ((32768 - 14942 * cb) >> 16)),
    ]
}

/// Sixteen samples of [`ycc_to_rgb`], as planes, in a loop that vectorises.
#[inline(always)]
fn ycc_to_rgb16(y: &[u8; 16], cb: &[u8; 16], cr: &[u8; 16]) -> [[u8; 16]; 3] {
    let mut rgb = [[0u8; 16]; 3];
    for i in 0..16 {
        let [r, g, b] = ycc_to_rgb(y[i], cb[i], cr[i]);
        (rgb[0][i], rgb[1][i], rgb[2][i]) = (r, g, b);
    }
    rgb
}

/// Converts one row (`out` holds three bytes per sample), sixteen samples at
/// a time so that the arithmetic vectorises.
fn ycc_row(y: &[u8], cb: &[u8], cr: &[u8], out: &mut [u8]) {
    const N: usize = 16;
    let n = y.len().min(cb.len()).min(cr.len()).min(out.len() / 3);
    let mut oc = out[..3 * n].chunks_exact_mut(3 * N);
    let mut yc = y[..n].chunks_exact(N);
    let mut bc = cb[..n].chunks_exact(N);
    let mut rc = cr[..n].chunks_exact(N);
    for (((o, y), cb), cr) in (&mut oc).zip(&mut yc).zip(&mut bc).zip(&mut rc) {
        let (Ok(y), Ok(cb), Ok(cr)) = (y.try_into(), cb.try_into(), cr.try_into()) else {
            continue;
        };
        let [r, g, b] = ycc_to_rgb16(y, cb, cr);
        for (i, o) in o.chunks_exact_mut(3).enumerate() {
            o.copy_from_slice(&[r[i], g[i], b[i]]);
        }
    }
    let rest = oc.into_remainder().chunks_exact_mut(3);
    for (((o, &y), &cb), &cr) in rest
        .zip(yc.remainder())
        .zip(bc.remainder())
        .zip(rc.remainder())
    {
        o.copy_from_slice(&ycc_to_rgb(y, cb, cr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn colour_conversion_matches_libjpeg_tables() {
        let t = YccTables::new();
        for y in [0u8, 1, 77, 128, 200, 254, 255] {
            for cb in 0..=255u8 {
                for cr in 0..=255u8 {
                    assert_eq!(ycc_to_rgb(y, cb, cr), t.rgb(y, cb, cr), "{y} {cb} {cr}");
                }
            }
        }
    }

    use turbojpeg::{Compressor, Decompressor, PixelFormat, ScalingFactor, Subsamp};

    /// The scales this decoder handles, as denominators.
    const DENOMS: [usize; 3] = [8, 4, 2];

    /// libjpeg-turbo's own 1/`denom`-scale RGB decode.
    fn reference(bytes: &[u8], denom: usize) -> (usize, usize, Vec<u8>) {
        reference_checked(bytes, denom).expect("libjpeg-turbo decodes")
    }

    /// The same, with libjpeg-turbo's warnings as errors unless the codec
    /// treats them as harmless.
    fn reference_checked(
        bytes: &[u8],
        denom: usize,
    ) -> Result<(usize, usize, Vec<u8>), crate::img::Error> {
        let bad = |_| crate::img::Error::unsupported_format();
        let mut d = Decompressor::new().map_err(bad)?;
        let header = d.read_header(bytes).map_err(bad)?;
        let f = ScalingFactor::new(1, denom);
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
    fn ours(bytes: &[u8], denom: usize) -> (usize, usize, Vec<u8>) {
        let meta = super::super::jpeg::parse(bytes).expect("parse");
        decode_scaled(bytes, &meta, denom).expect("the scaled decoder declined")
    }

    fn assert_same(name: &str, bytes: &[u8], denom: usize) {
        let name = format!("{name} at 1/{denom}");
        let (w, h, a) = ours(bytes, denom);
        let (rw, rh, b) = reference(bytes, denom);
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
        // 4:2:2, 4:2:0 (chroma scaled by IDCT), grey, restart markers.
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
            for denom in DENOMS {
                if name == "bad-truncated.jpg" {
                    let meta = super::super::jpeg::parse(&bytes).expect("parse");
                    assert!(decode_scaled(&bytes, &meta, denom).is_none(), "{name}");
                    continue;
                }
                assert_same(name, &bytes, denom);
            }
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
            (2, 3),
            (7, 9),
            (9, 17),
            (16, 16),
            (17, 15),
            (33, 15),
            (33, 65),
            (123, 77),
            (250, 31),
        ];
        for sub in subs {
            for &(w, h) in &sizes {
                for (quality, optimize) in [(75, false), (95, true), (20, false), (100, false)] {
                    let bytes = encode(w, h, sub, quality, optimize);
                    for denom in DENOMS {
                        assert_same(&format!("{sub:?} {w}x{h} q{quality}"), &bytes, denom);
                    }
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
            for denom in DENOMS {
                assert!(
                    decode_scaled(&bytes, &meta, denom).is_none(),
                    "{name} accepted at 1/{denom}"
                );
            }
        }
        // Scales this decoder does not produce.
        let fine = encode(40, 24, Subsamp::Sub2x1, 80, false);
        let meta = super::super::jpeg::parse(&fine).expect("parse");
        for denom in [1, 3, 16] {
            assert!(decode_scaled(&fine, &meta, denom).is_none(), "1/{denom}");
        }
    }

    /// Damaged entropy-coded data: this decoder either declines (and the
    /// caller uses libjpeg-turbo) or gives exactly what libjpeg-turbo gives
    /// without complaint.
    #[test]
    fn damaged_data_is_declined_or_decoded_as_libjpeg_turbo_does() {
        for denom in DENOMS {
            damaged_files(denom);
        }
    }

    fn damaged_files(denom: usize) {
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
                let Some((w, h, ours)) = decode_scaled(&bytes, &meta, denom) else {
                    continue;
                };
                accepted += 1;
                let (rw, rh, theirs) = reference_checked(&bytes, denom).unwrap_or_else(|e| {
                    panic!("{name} case {i} at 1/{denom}: accepted, libjpeg-turbo says {e:?}")
                });
                assert_eq!((w, h), (rw, rh), "{name} case {i} at 1/{denom}");
                assert!(
                    ours == theirs,
                    "{name} case {i} at 1/{denom}: pixels differ"
                );
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
        assert!(Huffman::new(&counts, &[0, 1], true, true).is_none());
        counts[0] = 1;
        assert!(Huffman::new(&counts, &[0], true, true).is_some());
        // DC magnitudes above 15 are refused as libjpeg refuses them.
        assert!(Huffman::new(&counts, &[16], false, false).is_none());
    }

    #[test]
    fn table_cache_shares_only_identical_tables() {
        let mut counts = [0u8; 16];
        counts[1] = 3;
        let a = cached_table(&counts, &[0x01, 0x02, 0x11], true, true).expect("table");
        let b = cached_table(&counts, &[0x01, 0x02, 0x11], true, true).expect("table");
        assert!(Arc::ptr_eq(&a, &b), "identical DHT bytes share one table");
        let other_symbols = cached_table(&counts, &[0x01, 0x02, 0x12], true, true).expect("t");
        let no_pack = cached_table(&counts, &[0x01, 0x02, 0x11], true, false).expect("t");
        let dc = cached_table(&counts, &[0x01, 0x02, 0x03], false, false).expect("t");
        for t in [&other_symbols, &no_pack, &dc] {
            assert!(!Arc::ptr_eq(&a, t));
        }
        assert!(no_pack.pack.is_none() && a.pack.is_some());
        // A table that fails to build is not cached as anything.
        counts[0] = 2;
        assert!(cached_table(&counts, &[0, 1, 2, 3, 4], true, true).is_none());
        let len = TABLE_CACHE.lock().map(|c| c.len()).unwrap_or(usize::MAX);
        assert!(len <= TABLE_CACHE_LEN);
    }
}
