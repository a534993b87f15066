//! Fonts of text watermarks (image-processing.md §5.15.2): OSS font names
//! mapped to freely licensed fonts that Debian packages, a configurable list
//! of font directories, a process-wide cache of parsed faces, and per-glyph
//! fallback to other installed fonts.
//!
//! The mapping and the licences are documented in `docs/watermark.md`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use ab_glyph::{Font, FontArc, FontVec};

use crate::img::{Error, ErrorCode};

/// EC of an unknown font name (`type_`).
pub const EC_UNKNOWN_FONT: &str = "0040-00000251";

/// A font name accepted by `type_` (the decoded value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FontName {
    /// `wqy-zenhei` (default).
    WqyZenhei,
    /// `wqy-microhei`.
    WqyMicrohei,
    /// `fangzhengshusong` (方正书宋, a Song/Ming serif).
    FangzhengShusong,
    /// `fangzhengkaiti` (方正楷体, a brush Kai face).
    FangzhengKaiti,
    /// `fangzhengheiti` (方正黑体, a sans face).
    FangzhengHeiti,
    /// `fangzhengfangsong` (方正仿宋, a light Song-like serif).
    FangzhengFangsong,
    /// `droidsansfallback`.
    DroidSansFallback,
}

impl FontName {
    /// Every font name, in the order of the OSS table.
    pub const ALL: [FontName; 7] = [
        FontName::WqyZenhei,
        FontName::WqyMicrohei,
        FontName::FangzhengShusong,
        FontName::FangzhengKaiti,
        FontName::FangzhengHeiti,
        FontName::FangzhengFangsong,
        FontName::DroidSansFallback,
    ];

    /// Parses a decoded `type_` value (case-sensitive, lower-case).
    pub fn parse(name: &str) -> Option<FontName> {
        FontName::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The OSS name.
    pub fn name(self) -> &'static str {
        match self {
            FontName::WqyZenhei => "wqy-zenhei",
            FontName::WqyMicrohei => "wqy-microhei",
            FontName::FangzhengShusong => "fangzhengshusong",
            FontName::FangzhengKaiti => "fangzhengkaiti",
            FontName::FangzhengHeiti => "fangzhengheiti",
            FontName::FangzhengFangsong => "fangzhengfangsong",
            FontName::DroidSansFallback => "droidsansfallback",
        }
    }

    /// Whether the face is a serif (Song, FangSong) or brush (Kai) face,
    /// whose missing glyphs fall back to a serif face first.
    pub fn serif(self) -> bool {
        matches!(
            self,
            FontName::FangzhengShusong | FontName::FangzhengKaiti | FontName::FangzhengFangsong
        )
    }

    /// The face this name is drawn with.
    pub fn face(self) -> &'static FaceSpec {
        match self {
            FontName::WqyZenhei => &WQY_ZENHEI,
            FontName::WqyMicrohei => &WQY_MICROHEI,
            FontName::FangzhengShusong => &NOTO_SERIF_SC,
            FontName::FangzhengKaiti => &AR_PL_KAITI,
            FontName::FangzhengHeiti => &NOTO_SANS_SC,
            FontName::FangzhengFangsong => &AR_PL_SUNGTI,
            FontName::DroidSansFallback => &DROID_FALLBACK,
        }
    }
}

/// Where a face comes from: a file name searched in the font directories,
/// the face's family name inside a collection, and the Debian package that
/// installs it.
#[derive(Debug, PartialEq, Eq)]
pub struct FaceSpec {
    /// File names to look for, best first.
    pub files: &'static [&'static str],
    /// Family name of the face inside a collection (`None`: the first face).
    pub family: Option<&'static str>,
    /// The Debian package that installs the file.
    pub package: &'static str,
}

static WQY_ZENHEI: FaceSpec = FaceSpec {
    files: &["wqy-zenhei.ttc"],
    family: Some("WenQuanYi Zen Hei"),
    package: "fonts-wqy-zenhei",
};
static WQY_MICROHEI: FaceSpec = FaceSpec {
    files: &["wqy-microhei.ttc"],
    family: Some("WenQuanYi Micro Hei"),
    package: "fonts-wqy-microhei",
};
static NOTO_SERIF_SC: FaceSpec = FaceSpec {
    files: &["NotoSerifCJK-Regular.ttc"],
    family: Some("Noto Serif CJK SC"),
    package: "fonts-noto-cjk",
};
static NOTO_SANS_SC: FaceSpec = FaceSpec {
    files: &["NotoSansCJK-Regular.ttc"],
    family: Some("Noto Sans CJK SC"),
    package: "fonts-noto-cjk",
};
static AR_PL_KAITI: FaceSpec = FaceSpec {
    files: &["gkai00mp.ttf"],
    family: None,
    package: "fonts-arphic-gkai00mp",
};
static AR_PL_SUNGTI: FaceSpec = FaceSpec {
    files: &["gbsn00lp.ttf"],
    family: None,
    package: "fonts-arphic-gbsn00lp",
};
static DROID_FALLBACK: FaceSpec = FaceSpec {
    files: &["DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"],
    family: None,
    package: "fonts-droid-fallback",
};
static DEJAVU_SANS: FaceSpec = FaceSpec {
    files: &["DejaVuSans.ttf"],
    family: None,
    package: "fonts-dejavu-core",
};

/// Faces tried, in order, for a character the requested face lacks (after
/// Noto Serif CJK for the serif and Kai faces, see [`FontName::serif`]).
/// Missing fallback files are skipped silently.
pub static FALLBACKS: &[&FaceSpec] = &[
    &NOTO_SANS_SC,
    &WQY_ZENHEI,
    &WQY_MICROHEI,
    &DROID_FALLBACK,
    &DEJAVU_SANS,
];

/// Every Debian package the font table and the fallbacks use.
pub const DEBIAN_PACKAGES: &[&str] = &[
    "fonts-wqy-zenhei",
    "fonts-wqy-microhei",
    "fonts-droid-fallback",
    "fonts-noto-cjk",
    "fonts-arphic-gkai00mp",
    "fonts-arphic-gbsn00lp",
    "fonts-dejavu-core",
];

/// The default font directories (Debian's).
pub fn default_font_dirs() -> Vec<PathBuf> {
    vec![
        PathBuf::from("/usr/share/fonts"),
        PathBuf::from("/usr/local/share/fonts"),
    ]
}

/// The environment variable that lists font directories, `:`-separated
/// like `PATH` (`;` on Windows).
pub const FONT_DIRS_ENV: &str = "OSSIMG_FONT_DIRS";

/// The directories of a [`FONT_DIRS_ENV`] value, in order; empty entries are
/// skipped, so an empty value is an empty list.
pub fn parse_dir_list(value: &std::ffi::OsStr) -> Vec<PathBuf> {
    std::env::split_paths(value)
        .filter(|p| !p.as_os_str().is_empty())
        .collect()
}

/// A face loaded at most once; loading happens outside the registry lock,
/// so reading one large file does not hold up lookups of other faces.
type FaceCell = Arc<OnceLock<Option<FontArc>>>;

/// Process-wide font state: the directory list, the file index built from
/// it, and the faces loaded so far.
struct Registry {
    dirs: Vec<PathBuf>,
    /// File name → path, built on first use from `dirs`.
    index: Option<HashMap<String, PathBuf>>,
    /// Faces by path and family, each loaded once; `None` caches a failed
    /// load.
    faces: HashMap<(PathBuf, Option<&'static str>), FaceCell>,
}

fn registry() -> MutexGuard<'static, Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            Mutex::new(Registry {
                dirs: default_font_dirs(),
                index: None,
                faces: HashMap::new(),
            })
        })
        .lock()
        // The registry holds only caches; a panic while it was held cannot
        // leave it inconsistent in a way that matters.
        .unwrap_or_else(PoisonError::into_inner)
}

/// Sets the directories searched (recursively) for font files, in order;
/// the first file found with a wanted name is used. Call at server start;
/// faces already loaded stay cached.
pub fn set_font_dirs(dirs: Vec<PathBuf>) {
    let mut reg = registry();
    reg.dirs = dirs;
    reg.index = None;
}

/// The directories currently searched for fonts.
pub fn font_dirs() -> Vec<PathBuf> {
    registry().dirs.clone()
}

/// Walks `dir` recursively, recording each file name the first time it is
/// seen. Unreadable entries are skipped.
fn index_dir(dir: &Path, index: &mut HashMap<String, PathBuf>, depth: u32) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            index_dir(&path, index, depth + 1);
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            index.entry(name.to_owned()).or_insert(path);
        }
    }
}

/// The path of the first file of `spec` present in `index`.
fn locate(spec: &FaceSpec, index: &HashMap<String, PathBuf>) -> Option<PathBuf> {
    spec.files.iter().find_map(|f| index.get(*f)).cloned()
}

/// Loads the face of `spec`, or `None` when no file of it is installed or
/// it does not parse. Each face is read once per process.
pub fn load(spec: &'static FaceSpec) -> Option<FontArc> {
    let mut reg = registry();
    if reg.index.is_none() {
        let mut index = HashMap::new();
        for dir in reg.dirs.clone() {
            index_dir(&dir, &mut index, 0);
        }
        reg.index = Some(index);
    }
    let path = locate(spec, reg.index.as_ref()?)?;
    let cell = reg
        .faces
        .entry((path.clone(), spec.family))
        .or_default()
        .clone();
    drop(reg);
    cell.get_or_init(|| {
        let face = read_face(&path, spec.family);
        if face.is_none() {
            tracing::warn!(path = %path.display(), "font file does not parse");
        }
        face
    })
    .clone()
}

/// Reads a font file and picks the face whose family is `family`.
fn read_face(path: &Path, family: Option<&str>) -> Option<FontArc> {
    let data = std::fs::read(path).ok()?;
    let index = face_index(&data, family);
    FontVec::try_from_vec_and_index(data, index)
        .ok()
        .map(FontArc::new)
}

/// The index of the face whose family (or typographic family) is `family`
/// in a font file or collection; 0 when `family` is `None` or not found.
fn face_index(data: &[u8], family: Option<&str>) -> u32 {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    family
        .and_then(|want| {
            (0..count).find(|&i| {
                ttf_parser::Face::parse(data, i).is_ok_and(|face| {
                    face.names().into_iter().any(|n| {
                        (n.name_id == ttf_parser::name_id::FAMILY
                            || n.name_id == ttf_parser::name_id::TYPOGRAPHIC_FAMILY)
                            && n.to_string().is_some_and(|s| s == want)
                    })
                })
            })
        })
        .unwrap_or(0)
}

/// `501 NotImplemented` for a font that is not installed, naming the Debian
/// package to install.
fn missing_font(name: FontName) -> Error {
    Error::new(
        ErrorCode::NotImplemented,
        None,
        format!(
            "The font {} is not installed on this server: install the Debian package {} \
             (font directories searched: {}).",
            name.name(),
            name.face().package,
            font_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

/// The faces used for `name`: its own face first, then the fallbacks.
///
/// Fails with `501 NotImplemented` naming the Debian package when the
/// requested face is not installed: that is a server configuration problem,
/// not bad input and not a bug.
pub fn chain(name: FontName) -> Result<FontChain, Error> {
    let spec = name.face();
    let primary = load(spec).ok_or_else(|| missing_font(name))?;
    let mut faces = vec![primary];
    let serif: &[&'static FaceSpec] = if name.serif() { &[&NOTO_SERIF_SC] } else { &[] };
    for fb in serif.iter().chain(FALLBACKS) {
        if std::ptr::eq(*fb, spec) {
            continue;
        }
        if let Some(f) = load(fb) {
            faces.push(f);
        }
    }
    Ok(FontChain { faces })
}

/// An ordered list of faces: a character is drawn with the first face that
/// has a glyph for it.
#[derive(Clone)]
pub struct FontChain {
    /// Faces, requested face first.
    pub faces: Vec<FontArc>,
}

impl std::fmt::Debug for FontChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FontChain({} faces)", self.faces.len())
    }
}

impl FontChain {
    /// The face index and glyph for `c`: the first face with a real glyph,
    /// or the requested face's `.notdef` (glyph 0) when none has one.
    pub fn glyph(&self, c: char) -> (usize, ab_glyph::GlyphId) {
        for (i, face) in self.faces.iter().enumerate() {
            let id = face.glyph_id(c);
            if id.0 != 0 {
                return (i, id);
            }
        }
        (0, ab_glyph::GlyphId(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in FontName::ALL {
            assert_eq!(FontName::parse(f.name()), Some(f));
        }
        assert_eq!(FontName::parse("WQY-ZENHEI"), None);
        assert_eq!(FontName::parse("arial"), None);
        for f in FontName::ALL {
            assert!(DEBIAN_PACKAGES.contains(&f.face().package));
        }
    }

    #[test]
    fn every_font_is_installed_and_has_its_face() {
        for f in FontName::ALL {
            let chain = chain(f).unwrap_or_else(|e| panic!("{}: {e}", f.name()));
            assert!(chain.faces.len() >= 2, "{}: no fallback", f.name());
        }
    }

    #[test]
    fn collection_face_is_chosen_by_family() {
        assert!(load(&NOTO_SANS_SC).is_some());
        let reg = registry();
        let path = reg
            .index
            .as_ref()
            .and_then(|i| locate(&NOTO_SANS_SC, i))
            .expect("fonts-noto-cjk installed");
        drop(reg);
        let data = std::fs::read(path).expect("readable");
        let i = face_index(&data, NOTO_SANS_SC.family);
        let face = ttf_parser::Face::parse(&data, i).expect("face");
        let family: Vec<String> = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
            .filter_map(|n| n.to_string())
            .collect();
        assert!(family.iter().any(|f| f == "Noto Sans CJK SC"), "{family:?}");
        assert_eq!(face_index(&data, None), 0);
        assert_eq!(face_index(&data, Some("No Such Family")), 0);
    }

    #[test]
    fn cjk_and_latin_have_real_glyphs_in_every_chain() {
        for f in FontName::ALL {
            let chain = chain(f).expect("installed");
            for c in "Hello 水印 テスト 워터마크 é€"
                .chars()
                .filter(|c| *c != ' ')
            {
                let (_, id) = chain.glyph(c);
                assert_ne!(id.0, 0, "{}: tofu for {c}", f.name());
            }
        }
    }

    /// A character the requested face lacks is drawn with the first face of
    /// the fallback chain that has it: Hangul is not in the GB faces of
    /// KaiTi and FangSong (AR PL, GB 2312) nor in Droid Sans Fallback, so it
    /// comes from Noto Serif CJK SC for the serif faces and from Noto Sans
    /// CJK SC for Droid; the face's own characters stay with it.
    #[test]
    fn missing_glyph_comes_from_the_first_fallback_that_has_it() {
        let serif = load(&NOTO_SERIF_SC).expect("fonts-noto-cjk installed");
        let sans = load(&NOTO_SANS_SC).expect("fonts-noto-cjk installed");
        for (name, own, fallback) in [
            (FontName::FangzhengKaiti, &AR_PL_KAITI, &serif),
            (FontName::FangzhengFangsong, &AR_PL_SUNGTI, &serif),
            (FontName::DroidSansFallback, &DROID_FALLBACK, &sans),
        ] {
            let face = load(own).expect("installed");
            assert_eq!(face.glyph_id('한').0, 0, "{}: has Hangul", name.name());
            assert_ne!(face.glyph_id('水').0, 0, "{}: lacks 水", name.name());
            let chain = chain(name).expect("installed");
            let (i, id) = chain.glyph('한');
            assert!(i > 0, "{}: Hangul from the requested face", name.name());
            // The face that drew it is the expected fallback: same glyph,
            // same glyph count, same outline box.
            let used = &chain.faces[i];
            assert_eq!(id, fallback.glyph_id('한'), "{}", name.name());
            assert_eq!(
                used.glyph_count(),
                fallback.glyph_count(),
                "{}",
                name.name()
            );
            assert_eq!(
                used.glyph_bounds(&id.with_scale(40.0)),
                fallback.glyph_bounds(&id.with_scale(40.0)),
                "{}",
                name.name()
            );
            assert_eq!(
                chain.glyph('水'),
                (0, face.glyph_id('水')),
                "{}",
                name.name()
            );
        }
    }

    /// A character that no face of any chain has (U+E000, the first code
    /// point of the Private Use Area) maps to the requested face's
    /// `.notdef` glyph (glyph 0).
    #[test]
    fn character_no_face_has_is_the_requested_faces_notdef() {
        for f in FontName::ALL {
            let chain = chain(f).expect("installed");
            for face in &chain.faces {
                assert_eq!(face.glyph_id('\u{E000}').0, 0, "{}", f.name());
            }
            assert_eq!(
                chain.glyph('\u{E000}'),
                (0, ab_glyph::GlyphId(0)),
                "{}",
                f.name()
            );
        }
    }

    #[test]
    fn missing_font_names_its_package() {
        let mut index = HashMap::new();
        index_dir(
            &std::env::temp_dir().join("ossimg-no-fonts-here"),
            &mut index,
            0,
        );
        assert_eq!(locate(&AR_PL_KAITI, &index), None);
        let err = missing_font(FontName::FangzhengKaiti);
        assert_eq!(err.code, ErrorCode::NotImplemented);
        assert_eq!(err.code.http_status(), 501);
        assert!(
            err.message.contains("fonts-arphic-gkai00mp"),
            "{}",
            err.message
        );
    }
}
