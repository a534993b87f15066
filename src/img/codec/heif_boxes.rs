//! A small reader of the HEIF item structure (ISO/IEC 23008-12 on ISOBMFF),
//! just enough to tell whether a thumbnail item shows the same picture as the
//! primary image.
//!
//! libheif 1.15 decodes a thumbnail with the thumbnail item's own `irot`,
//! `imir` and `clap` properties (not the primary's) and its API does not
//! expose an item's properties, so this module reads `meta` → `pitm`,
//! `iinf`/`infe`, `iref` and `iprp` (`ipco` + `ipma`) itself.
//!
//! The reader is bounded and never panics on file data: every read is checked
//! against the buffer, the number of boxes, items, references and
//! associations is capped, and only the fixed path `meta` → `iprp` → `ipco`
//! is descended (no recursion). Anything malformed, duplicated or unknown
//! makes [`Meta::parse`] return `None` or [`Meta::thumbnail_matches`] return
//! `false`, which means "decode the primary image".

/// Most boxes visited in one file (all levels together).
const MAX_BOXES: usize = 20_000;
/// Most entries in any one table (items, references, associations, the
/// targets of one reference, the properties of one item).
const MAX_ENTRIES: usize = 4096;

/// A property or reference type.
type FourCc = [u8; 4];

/// The item structure of a HEIF file, borrowing property payloads from it.
#[derive(Debug)]
pub(super) struct Meta<'a> {
    primary: u32,
    /// Item id and item type (`[0; 4]` when the `infe` is too old to say).
    items: Vec<(u32, FourCc)>,
    refs: Vec<Ref>,
    /// `ipco` children in order (property index `i` is `props[i - 1]`).
    props: Vec<Prop<'a>>,
    /// Item id and its property indices, in association order.
    assoc: Vec<(u32, Vec<u16>)>,
}

#[derive(Debug)]
struct Ref {
    kind: FourCc,
    from: u32,
    to: Vec<u32>,
}

#[derive(Debug, Clone, Copy)]
struct Prop<'a> {
    kind: FourCc,
    /// Payload after the 8- or 16-byte box header (full-box version and flags
    /// included).
    body: &'a [u8],
}

/// A bounds-checked big-endian cursor.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(data: &'a [u8]) -> Self {
        Cursor { data, pos: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    fn fourcc(&mut self) -> Option<FourCc> {
        self.take(4)?.try_into().ok()
    }

    /// An item id of 16 bits (`wide == false`) or 32 bits.
    fn id(&mut self, wide: bool) -> Option<u32> {
        if wide {
            self.u32()
        } else {
            self.u16().map(u32::from)
        }
    }

    fn rest(&mut self) -> &'a [u8] {
        let s = self.data.get(self.pos..).unwrap_or(&[]);
        self.pos = self.data.len();
        s
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The next box: type and payload. A size of 0 means "to the end".
    fn next_box(&mut self, budget: &mut usize) -> Option<(FourCc, &'a [u8])> {
        *budget = budget.checked_sub(1)?;
        let start = self.pos;
        let size32 = self.u32()?;
        let kind = self.fourcc()?;
        let size = match size32 {
            0 => self.data.len().checked_sub(start)?,
            1 => usize::try_from(self.u64()?).ok()?,
            n => usize::try_from(n).ok()?,
        };
        let header = self.pos - start;
        let body_len = size.checked_sub(header)?;
        Some((kind, self.take(body_len)?))
    }
}

/// Every child box of a container payload; `None` unless the boxes tile it
/// exactly.
fn children<'a>(data: &'a [u8], budget: &mut usize) -> Option<Vec<(FourCc, &'a [u8])>> {
    let mut c = Cursor::new(data);
    let mut out = Vec::new();
    while !c.at_end() {
        if out.len() >= MAX_ENTRIES {
            return None;
        }
        out.push(c.next_box(budget)?);
    }
    Some(out)
}

/// Splits a full box payload into (version, flags, rest).
fn full_box(body: &[u8]) -> Option<(u8, u32, &[u8])> {
    let mut c = Cursor::new(body);
    let vf = c.u32()?;
    Some(((vf >> 24) as u8, vf & 0x00FF_FFFF, c.rest()))
}

/// The single box of a type among `boxes`: `Ok(None)` when absent, `Err`
/// when repeated.
fn single<'a>(boxes: &[(FourCc, &'a [u8])], kind: &FourCc) -> Result<Option<&'a [u8]>, ()> {
    let mut found = boxes.iter().filter(|(k, _)| k == kind);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((_, b)), None) => Ok(Some(b)),
        (Some(_), Some(_)) => Err(()),
    }
}

impl<'a> Meta<'a> {
    /// Reads the item structure of a HEIF file; `None` if it is missing,
    /// malformed, repeated where it must be unique, or over the caps.
    pub(super) fn parse(file: &'a [u8]) -> Option<Meta<'a>> {
        let mut budget = MAX_BOXES;
        let mut top = Cursor::new(file);
        // Boxes before `meta` must be whole; what follows it (mdat) is not read.
        let meta = loop {
            let (kind, body) = top.next_box(&mut budget)?;
            if kind == *b"meta" {
                break body;
            }
        };
        let (version, _, meta) = full_box(meta)?;
        if version != 0 {
            return None;
        }
        let boxes = children(meta, &mut budget)?;
        let primary = parse_pitm(single(&boxes, b"pitm").ok()??)?;
        let items = parse_iinf(single(&boxes, b"iinf").ok()??, &mut budget)?;
        let refs = match single(&boxes, b"iref").ok()? {
            Some(b) => parse_iref(b, &mut budget)?,
            None => Vec::new(),
        };
        let iprp = children(single(&boxes, b"iprp").ok()??, &mut budget)?;
        let ipco = single(&iprp, b"ipco").ok()??;
        let props: Vec<Prop<'a>> = children(ipco, &mut budget)?
            .into_iter()
            .map(|(kind, body)| Prop { kind, body })
            .collect();
        let mut assoc: Vec<(u32, Vec<u16>)> = Vec::new();
        for (kind, body) in &iprp {
            match kind {
                b"ipco" => {}
                b"ipma" => parse_ipma(body, props.len(), &mut assoc)?,
                _ => return None,
            }
        }
        Some(Meta {
            primary,
            items,
            refs,
            props,
            assoc,
        })
    }

    fn item_type(&self, id: u32) -> Option<FourCc> {
        self.items.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
    }

    /// The targets of the reference of `kind` from `from` (empty if none).
    fn refs_from(&self, kind: &FourCc, from: u32) -> impl Iterator<Item = u32> + '_ {
        let kind = *kind;
        self.refs
            .iter()
            .filter(move |r| r.kind == kind && r.from == from)
            .flat_map(|r| r.to.iter().copied())
    }

    /// The properties of an item in association order.
    fn props_of(&self, id: u32) -> impl Iterator<Item = Prop<'a>> + '_ {
        self.assoc
            .iter()
            .filter(move |(i, _)| *i == id)
            .flat_map(|(_, idx)| idx.iter())
            .filter_map(|&i| self.props.get(usize::from(i).checked_sub(1)?).copied())
    }

    /// What an item looks like when libheif decodes it; `None` if it carries
    /// a property this module cannot vouch for.
    fn look(&self, id: u32) -> Option<Look<'a>> {
        let mut look = Look {
            transform: Transform::IDENTITY,
            size: None,
            compared: Vec::new(),
        };
        for p in self.props_of(id) {
            match &p.kind {
                // Coding configuration, bit depth, layer sizes: the item's own
                // business, they do not change what the picture shows.
                b"hvcC" | b"av1C" | b"pixi" | b"a1lx" => {}
                b"ispe" => {
                    let (version, _, rest) = full_box(p.body)?;
                    let mut c = Cursor::new(rest);
                    let size = (c.u32()?, c.u32()?);
                    if version != 0 || !c.at_end() || look.size.replace(size).is_some() {
                        return None;
                    }
                }
                b"irot" => {
                    let [b] = p.body else { return None };
                    look.transform = look.transform.then(Transform::rotation(*b & 3));
                }
                b"imir" => {
                    let [b] = p.body else { return None };
                    look.transform = look.transform.then(Transform::mirror(*b & 1));
                }
                // Colour and display properties: must be byte-equal.
                b"colr" | b"pasp" | b"clli" | b"mdcv" | b"cclv" | b"amve" => {
                    look.compared.push((p.kind, p.body));
                }
                // `clap` is in pixels of the item it belongs to, so equal
                // boxes on different sizes crop differently; unknown
                // properties may transform too. Either way: not verifiable.
                _ => return None,
            }
            if look.compared.len() > MAX_ENTRIES {
                return None;
            }
        }
        look.size?;
        Some(look)
    }

    /// Whether an item is a coded image (`hvc1`, `av01`) or a `grid` of
    /// coded tiles without transforms of their own (libheif decodes each tile
    /// with its own transforms before applying the grid's).
    fn plain_image(&self, id: u32) -> Option<bool> {
        let coded = |t: FourCc| t == *b"hvc1" || t == *b"av01";
        let kind = self.item_type(id)?;
        if coded(kind) {
            return Some(true);
        }
        if kind != *b"grid" {
            return Some(false);
        }
        let mut tiles = 0usize;
        for tile in self.refs_from(b"dimg", id) {
            tiles += 1;
            if tiles > MAX_ENTRIES
                || !coded(self.item_type(tile)?)
                || self.look(tile)?.transform != Transform::IDENTITY
            {
                return Some(false);
            }
        }
        Some(tiles > 0)
    }

    /// Whether libheif's decode of `thumb` shows the same picture as its
    /// decode of the primary image (up to scale): `thumb` is a coded image
    /// with a `thmb` reference to the primary; both are coded images or grids
    /// of coded tiles without transforms of their own; both carry only properties this module understands; their
    /// `irot`/`imir` sequences compose to the same transform; their colour
    /// and display properties (`colr`, `pasp`, `clli`, `mdcv`, `cclv`,
    /// `amve`) are byte-equal and in the same order; neither has `clap`; and
    /// the thumbnail's `ispe` is smaller than the primary's with the same
    /// aspect ratio up to rounding (see [`same_aspect`]).
    ///
    /// Alpha is not checked here (libheif reports it per handle).
    pub(super) fn thumbnail_matches(&self, thumb: u32) -> bool {
        self.thumbnail_matches_inner(thumb).unwrap_or(false)
    }

    fn thumbnail_matches_inner(&self, thumb: u32) -> Option<bool> {
        let primary = self.primary;
        if thumb == primary || !self.refs_from(b"thmb", thumb).any(|t| t == primary) {
            return Some(false);
        }
        if !(self.plain_image(primary)? && self.plain_image(thumb)?) {
            return Some(false);
        }
        let p = self.look(primary)?;
        let t = self.look(thumb)?;
        Some(
            p.transform == t.transform && p.compared == t.compared && same_aspect(p.size?, t.size?),
        )
    }
}

/// Whether a `(tw, th)` thumbnail is a proper reduction of a `(pw, ph)`
/// image with the same aspect ratio up to rounding: not larger on either
/// side, smaller in area, and each thumbnail side less than one thumbnail
/// pixel away from the exact scaled side (`|th − ph·tw/pw| < 1` and
/// `|tw − pw·th/ph| < 1`, i.e. `|tw·ph − th·pw| < min(pw, ph)`). Encoders
/// that floor or round one side pass; a thumbnail cropped or stretched by a
/// pixel or more does not.
pub(super) fn same_aspect((pw, ph): (u32, u32), (tw, th): (u32, u32)) -> bool {
    if tw == 0 || th == 0 || tw > pw || th > ph || (tw, th) == (pw, ph) {
        return false;
    }
    let cross = (u64::from(tw) * u64::from(ph)).abs_diff(u64::from(th) * u64::from(pw));
    cross < u64::from(pw.min(ph))
}

/// An item's effective appearance.
#[derive(Debug)]
struct Look<'a> {
    transform: Transform,
    /// `ispe` (before transforms).
    size: Option<(u32, u32)>,
    /// Colour and display properties in order, compared byte for byte.
    compared: Vec<(FourCc, &'a [u8])>,
}

/// An element of the 8-element group of rotations and mirrors, as the 2×2
/// integer matrix it applies to pixel coordinates. Only equality matters, so
/// the orientation conventions of `irot` (anticlockwise) and `imir` (axis)
/// need only be applied consistently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transform([[i8; 2]; 2]);

impl Transform {
    const IDENTITY: Transform = Transform([[1, 0], [0, 1]]);

    /// `irot`: `quarter_turns` × 90° anticlockwise.
    fn rotation(quarter_turns: u8) -> Transform {
        let quarter = Transform([[0, -1], [1, 0]]);
        (0..quarter_turns).fold(Transform::IDENTITY, |t, _| t.then(quarter))
    }

    /// `imir`: mirror about the vertical (0) or horizontal (1) axis.
    fn mirror(axis: u8) -> Transform {
        if axis == 0 {
            Transform([[-1, 0], [0, 1]])
        } else {
            Transform([[1, 0], [0, -1]])
        }
    }

    /// `self` followed by `next` (the matrix product `next · self`).
    fn then(self, next: Transform) -> Transform {
        let (a, b) = (next.0, self.0);
        let mut out = [[0i8; 2]; 2];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = a[i][0] * b[0][j] + a[i][1] * b[1][j];
            }
        }
        Transform(out)
    }
}

fn parse_pitm(body: &[u8]) -> Option<u32> {
    let (version, _, rest) = full_box(body)?;
    let mut c = Cursor::new(rest);
    let id = match version {
        0 => c.id(false)?,
        1 => c.id(true)?,
        _ => return None,
    };
    c.at_end().then_some(id)
}

fn parse_iinf(body: &[u8], budget: &mut usize) -> Option<Vec<(u32, FourCc)>> {
    let (version, _, rest) = full_box(body)?;
    let mut c = Cursor::new(rest);
    let count = if version == 0 {
        usize::from(c.u16()?)
    } else {
        usize::try_from(c.u32()?).ok()?
    };
    let entries = children(c.rest(), budget)?;
    if entries.len() != count {
        return None;
    }
    let mut items: Vec<(u32, FourCc)> = Vec::with_capacity(count);
    for (kind, body) in entries {
        if kind != *b"infe" {
            return None;
        }
        let (version, _, rest) = full_box(body)?;
        let mut c = Cursor::new(rest);
        let item = match version {
            0 | 1 => (c.id(false)?, [0; 4]),
            2 | 3 => {
                let id = c.id(version == 3)?;
                c.u16()?; // protection index
                (id, c.fourcc()?)
            }
            _ => return None,
        };
        if items.iter().any(|(i, _)| *i == item.0) {
            return None;
        }
        items.push(item);
    }
    Some(items)
}

fn parse_iref(body: &[u8], budget: &mut usize) -> Option<Vec<Ref>> {
    let (version, _, rest) = full_box(body)?;
    let wide = match version {
        0 => false,
        1 => true,
        _ => return None,
    };
    let mut refs = Vec::new();
    for (kind, body) in children(rest, budget)? {
        let mut c = Cursor::new(body);
        let from = c.id(wide)?;
        let count = usize::from(c.u16()?);
        if count > MAX_ENTRIES {
            return None;
        }
        let to = (0..count)
            .map(|_| c.id(wide))
            .collect::<Option<Vec<u32>>>()?;
        if !c.at_end() {
            return None;
        }
        refs.push(Ref { kind, from, to });
    }
    Some(refs)
}

fn parse_ipma(body: &[u8], n_props: usize, assoc: &mut Vec<(u32, Vec<u16>)>) -> Option<()> {
    let (version, flags, rest) = full_box(body)?;
    if version > 1 {
        return None;
    }
    let mut c = Cursor::new(rest);
    let count = usize::try_from(c.u32()?).ok()?;
    if count > MAX_ENTRIES || assoc.len() + count > MAX_ENTRIES {
        return None;
    }
    for _ in 0..count {
        let id = c.id(version >= 1)?;
        if assoc.iter().any(|(i, _)| *i == id) {
            return None;
        }
        let n = usize::from(c.u8()?);
        let mut idx = Vec::with_capacity(n);
        for _ in 0..n {
            let index = if flags & 1 == 1 {
                c.u16()? & 0x7FFF
            } else {
                u16::from(c.u8()? & 0x7F)
            };
            if usize::from(index) > n_props {
                return None;
            }
            // Index 0 means "no property".
            if index != 0 {
                idx.push(index);
            }
        }
        assoc.push((id, idx));
    }
    c.at_end().then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/images/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn thumbs(meta: &Meta<'_>) -> Vec<u32> {
        meta.refs
            .iter()
            .filter(|r| r.kind == *b"thmb" && r.to.contains(&meta.primary))
            .map(|r| r.from)
            .collect()
    }

    fn verdicts(name: &str) -> Vec<bool> {
        let bytes = fixture(name);
        let meta = Meta::parse(&bytes).expect("parses");
        let t = thumbs(&meta);
        assert!(!t.is_empty(), "{name} has a thumbnail");
        t.iter().map(|&id| meta.thumbnail_matches(id)).collect()
    }

    #[test]
    fn reads_the_item_structure() {
        let bytes = fixture("thumb.heic");
        let meta = Meta::parse(&bytes).unwrap();
        assert_eq!(meta.primary, 1);
        assert_eq!(meta.item_type(1), Some(*b"hvc1"));
        assert_eq!(thumbs(&meta), vec![2]);
        let p = meta.look(1).unwrap();
        assert_eq!(p.size, Some((480, 300)));
        assert_eq!(p.transform, Transform::IDENTITY);
        assert_eq!(meta.look(2).unwrap().size, Some((160, 100)));
    }

    #[test]
    fn plain_thumbnails_match() {
        for name in [
            "thumb.heic",
            "thumb.avif",
            "thumb-alpha.heic",
            // Alpha is libheif's call, not this module's.
            "thumb-noalpha.heic",
            "thumb-grid.heic",
            "thumb-rot-both.heic",
        ] {
            assert_eq!(verdicts(name), vec![true], "{name}");
        }
    }

    #[test]
    fn rotated_primary_with_an_upright_thumbnail_does_not_match() {
        assert_eq!(verdicts("thumb-rot-primary.heic"), vec![false]);
        let bytes = fixture("thumb-rot-primary.heic");
        let meta = Meta::parse(&bytes).unwrap();
        assert_eq!(meta.look(1).unwrap().transform, Transform::rotation(3));
    }

    #[test]
    fn off_aspect_thumbnails_do_not_match() {
        // 320×213 with a 128×84 thumbnail (exact 128×85.2).
        assert_eq!(verdicts("thumb-grid-aspect.heic"), vec![false]);
        // 480×300 with 240×150, 120×74 (exact 120×75) and 96×60.
        assert_eq!(verdicts("thumb-multi.heic"), vec![true, false, true]);
    }

    /// The offset of the payload of the `n`th (0-based) box of `kind`.
    fn find_box(bytes: &[u8], kind: &[u8; 4], n: usize) -> usize {
        bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == kind)
            .nth(n)
            .map(|(i, _)| i + 4)
            .unwrap()
    }

    #[test]
    fn patched_transforms_are_compared() {
        // thumb-rot-both: primary irot 3 + imir 1, thumbnail the same.
        let orig = fixture("thumb-rot-both.heic");
        for (kind, n, value) in [
            (b"irot", 0, 1u8),
            (b"irot", 1, 2),
            (b"imir", 0, 0),
            (b"imir", 1, 0),
        ] {
            let mut bytes = orig.clone();
            let at = find_box(&bytes, kind, n);
            bytes[at] = value;
            let meta = Meta::parse(&bytes).unwrap();
            assert!(!meta.thumbnail_matches(2), "{kind:?} #{n} = {value}");
        }
        // irot 3 then imir 1 equals imir 0 then irot 3 (a transpose).
        let mut bytes = orig.clone();
        let (r, m) = (find_box(&bytes, b"irot", 1), find_box(&bytes, b"imir", 1));
        bytes[r - 4..r].copy_from_slice(b"imir");
        bytes[r] = 0;
        bytes[m - 4..m].copy_from_slice(b"irot");
        bytes[m] = 3;
        let meta = Meta::parse(&bytes).unwrap();
        assert!(meta.thumbnail_matches(2));
        // ... but not imir 0 then irot 1 (the other diagonal).
        bytes[m] = 1;
        let meta = Meta::parse(&bytes).unwrap();
        assert!(!meta.thumbnail_matches(2));
        bytes[m] = 3;
        let meta = Meta::parse(&bytes).unwrap();
        assert!(meta.thumbnail_matches(2));
    }

    #[test]
    fn colour_properties_are_compared() {
        // thumb.avif: both items carry the same nclx `colr`.
        let mut bytes = fixture("thumb.avif");
        let at = find_box(&bytes, b"colr", 1);
        assert_eq!(&bytes[at..at + 4], b"nclx");
        bytes[at + 5] ^= 1; // colour primaries
        assert!(!Meta::parse(&bytes).unwrap().thumbnail_matches(2));
    }

    #[test]
    fn unknown_properties_are_not_vouched_for() {
        let mut bytes = fixture("thumb.heic");
        let at = find_box(&bytes, b"pixi", 1);
        bytes[at - 4..at].copy_from_slice(b"xyzw");
        assert!(!Meta::parse(&bytes).unwrap().thumbnail_matches(2));
        bytes[at - 4..at].copy_from_slice(b"clap");
        assert!(!Meta::parse(&bytes).unwrap().thumbnail_matches(2));
    }

    /// A hand-built structure: item 1 (`primary_type`) is the primary, item
    /// 3 (`hvc1`) its thumbnail, item 2 (`hvc1`) a tile of item 1 when it is
    /// a grid. Properties: 1 `ispe` 400×300, 2 `ispe` 200×150, 3 `irot` 1,
    /// 4 `clap`, 5 `ispe` 400×300 for the tile.
    fn synthetic<'a>(primary_type: &[u8; 4], assoc: Vec<(u32, Vec<u16>)>) -> Meta<'a> {
        const ISPE_400: &[u8] = &[0, 0, 0, 0, 0, 0, 1, 144, 0, 0, 1, 44];
        const ISPE_200: &[u8] = &[0, 0, 0, 0, 0, 0, 0, 200, 0, 0, 0, 150];
        let prop = |kind: &[u8; 4], body: &'a [u8]| Prop { kind: *kind, body };
        Meta {
            primary: 1,
            items: vec![(1, *primary_type), (2, *b"hvc1"), (3, *b"hvc1")],
            refs: vec![
                Ref {
                    kind: *b"dimg",
                    from: 1,
                    to: vec![2],
                },
                Ref {
                    kind: *b"thmb",
                    from: 3,
                    to: vec![1],
                },
            ],
            props: vec![
                prop(b"ispe", ISPE_400),
                prop(b"ispe", ISPE_200),
                prop(b"irot", &[1]),
                prop(b"clap", &[0; 32]),
                prop(b"ispe", ISPE_400),
            ],
            assoc,
        }
    }

    #[test]
    fn grids_and_other_derived_primaries() {
        let plain = || vec![(1, vec![1]), (2, vec![5]), (3, vec![2])];
        assert!(synthetic(b"hvc1", plain()).thumbnail_matches(3));
        assert!(synthetic(b"grid", plain()).thumbnail_matches(3));
        // Derived images whose transforms this module does not follow.
        for kind in [b"iden", b"iovl", b"tmap", b"mime"] {
            assert!(!synthetic(kind, plain()).thumbnail_matches(3), "{kind:?}");
        }
        // A grid tile with a rotation of its own.
        let rotated_tile = vec![(1, vec![1]), (2, vec![5, 3]), (3, vec![2])];
        assert!(synthetic(b"hvc1", rotated_tile.clone()).thumbnail_matches(3));
        assert!(!synthetic(b"grid", rotated_tile).thumbnail_matches(3));
        // Rotation on both: fine; on one: not.
        let both = vec![(1, vec![1, 3]), (3, vec![2, 3])];
        assert!(synthetic(b"hvc1", both).thumbnail_matches(3));
        let one = vec![(1, vec![1, 3]), (3, vec![2])];
        assert!(!synthetic(b"hvc1", one).thumbnail_matches(3));
        // clap anywhere, even on both.
        let clap = vec![(1, vec![1, 4]), (3, vec![2, 4])];
        assert!(!synthetic(b"hvc1", clap).thumbnail_matches(3));
        // No ispe on the thumbnail, or two.
        assert!(!synthetic(b"hvc1", vec![(1, vec![1]), (3, vec![])]).thumbnail_matches(3));
        let two = vec![(1, vec![1]), (3, vec![2, 2])];
        assert!(!synthetic(b"hvc1", two).thumbnail_matches(3));
        // Not a thumbnail of the primary, or the primary itself.
        assert!(!synthetic(b"hvc1", plain()).thumbnail_matches(2));
        assert!(!synthetic(b"hvc1", plain()).thumbnail_matches(1));
        assert!(!synthetic(b"hvc1", plain()).thumbnail_matches(7));
    }

    #[test]
    fn aspect_rule() {
        assert!(same_aspect((480, 300), (160, 100)));
        assert!(same_aspect((320, 213), (160, 106)));
        assert!(same_aspect((320, 213), (160, 107)));
        assert!(!same_aspect((320, 213), (160, 105)));
        assert!(!same_aspect((320, 213), (128, 84)));
        assert!(same_aspect((4032, 3024), (320, 240)));
        assert!(!same_aspect((4032, 3024), (320, 180)));
        assert!(!same_aspect((480, 300), (480, 300)));
        assert!(!same_aspect((480, 300), (500, 100)));
        assert!(!same_aspect((480, 300), (0, 0)));
        assert!(same_aspect(
            (u32::MAX, u32::MAX),
            (u32::MAX - 1, u32::MAX - 1)
        ));
    }

    #[test]
    fn transforms_form_the_dihedral_group() {
        let r = Transform::rotation;
        assert_eq!(r(1).then(r(1)).then(r(1)).then(r(1)), Transform::IDENTITY);
        assert_eq!(r(1).then(r(2)), r(3));
        let (h, v) = (Transform::mirror(0), Transform::mirror(1));
        assert_eq!(h.then(h), Transform::IDENTITY);
        assert_eq!(h.then(v), r(2));
        assert_ne!(r(1).then(h), h.then(r(1)));
        assert_eq!(r(1).then(h), h.then(r(3)));
    }

    #[test]
    fn truncated_or_corrupted_files_never_panic() {
        for name in ["thumb-alpha.heic", "thumb-grid.heic", "thumb.avif"] {
            let orig = fixture(name);
            let meta_end = {
                let m = find_box(&orig, b"mdat", 0);
                m.min(orig.len())
            };
            let check = |bytes: &[u8]| {
                if let Some(meta) = Meta::parse(bytes) {
                    for id in 0..8 {
                        let _ = meta.thumbnail_matches(id);
                    }
                }
            };
            for len in 0..meta_end {
                check(&orig[..len]);
            }
            let mut state = 0x9E37_79B9_7F4A_7C15u64;
            for _ in 0..3000 {
                // xorshift: deterministic pseudo-random flips inside the header.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let mut bytes = orig[..meta_end].to_vec();
                for k in 0..1 + (state % 3) as usize {
                    let at = (state >> (8 + 8 * k)) as usize % meta_end;
                    bytes[at] ^= (state >> (40 + k)) as u8 | 1;
                }
                check(&bytes);
            }
            for at in 0..meta_end {
                for v in [0u8, 1, 0x7F, 0x80, 0xFF] {
                    let mut bytes = orig[..meta_end].to_vec();
                    bytes[at] = v;
                    check(&bytes);
                }
            }
        }
    }
}
