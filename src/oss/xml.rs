//! XML bodies of requests and responses (oss-api.md §3.3, §6, §7, §10, §11),
//! plus the date and key encodings they use.
//!
//! Responses carry no namespace, start with the XML declaration, and use
//! `.000Z` timestamps.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// The XML declaration every response starts with.
pub const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Serializes a response document with the declaration in front.
///
/// Empty elements are written as `<Prefix></Prefix>`, as in the skeletons of
/// oss-api.md and OSS's own responses (not `<Prefix/>`).
pub fn to_xml<T: Serialize>(doc: &T) -> String {
    let mut out = String::from(DECLARATION);
    let mut ser = quick_xml::se::Serializer::new(&mut out);
    ser.expand_empty_elements(true);
    match doc.serialize(ser) {
        Ok(_) => out,
        // Serializing plain structs of strings and numbers cannot fail.
        Err(_) => DECLARATION.to_string(),
    }
}

/// A single element whose whole content is text: `<Name>text</Name>`.
pub fn text_document(name: &str, text: &str) -> String {
    format!(
        "{DECLARATION}<{name}>{}</{name}>",
        quick_xml::escape::escape(text)
    )
}

/// A request body document and the name of its root element.
pub trait RequestDocument: for<'de> Deserialize<'de> {
    /// The root element, e.g. `Delete`.
    const ROOT: &'static str;
}

/// Parses a request body; `None` (→ `MalformedXML`) when it is not
/// well-formed UTF-8 XML, its root element is not `T::ROOT`, or it lacks an
/// element `T` requires. Unknown elements are ignored.
pub fn from_xml<T: RequestDocument>(body: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    if root_element(text)? != T::ROOT {
        return None;
    }
    quick_xml::de::from_str(text).ok()
}

/// The local name of the root element; `None` when text other than
/// whitespace precedes it or there is none.
fn root_element(text: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) | Event::Empty(e) => {
                return String::from_utf8(e.local_name().as_ref().to_vec()).ok();
            }
            Event::Text(t) if !t.iter().all(u8::is_ascii_whitespace) => return None,
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// ISO 8601 UTC with a literal `.000Z` (oss-api.md §3.2).
pub fn iso8601(t: SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// RFC 1123 GMT (`Fri, 11 Apr 2025 06:41:24 GMT`).
pub fn rfc1123(t: SystemTime) -> String {
    httpdate::fmt_http_date(t)
}

/// Percent-encodes every byte outside `A–Z a–z 0–9 - _ . ~` (§7.10).
pub fn url_encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Encodes a key-like value when `encoding-type=url` was requested.
pub fn encode_key(s: &str, url: bool) -> String {
    if url {
        url_encode(s)
    } else {
        s.to_string()
    }
}

/// `<Owner>`.
#[derive(Debug, Clone, Serialize)]
pub struct Owner {
    /// Owner ID.
    #[serde(rename = "ID")]
    pub id: String,
    /// Display name.
    #[serde(rename = "DisplayName")]
    pub display_name: String,
}

/// One `<Bucket>` of ListBuckets.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEntry {
    /// Creation time.
    pub creation_date: String,
    /// Public endpoint.
    pub extranet_endpoint: String,
    /// Internal endpoint.
    pub intranet_endpoint: String,
    /// `oss-<region>`.
    pub location: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Storage class.
    pub storage_class: String,
}

/// `<Buckets>`.
#[derive(Debug, Clone, Serialize)]
pub struct Buckets {
    /// Entries.
    #[serde(rename = "Bucket")]
    pub bucket: Vec<BucketEntry>,
}

/// ListBuckets response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "ListAllMyBucketsResult", rename_all = "PascalCase")]
pub struct ListAllMyBucketsResult {
    /// Prefix asked.
    pub prefix: String,
    /// Marker asked.
    pub marker: String,
    /// Page size.
    pub max_keys: usize,
    /// More follow.
    pub is_truncated: bool,
    /// Marker of the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// Owner.
    pub owner: Owner,
    /// Buckets.
    pub buckets: Buckets,
}

/// `<AccessControlList>`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessControlList {
    /// ACL value.
    pub grant: String,
}

/// GetBucketAcl / GetObjectAcl response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "AccessControlPolicy", rename_all = "PascalCase")]
pub struct AccessControlPolicy {
    /// Owner.
    pub owner: Owner,
    /// ACL.
    pub access_control_list: AccessControlList,
}

/// `<Owner>` inside GetBucketInfo, where OSS writes `DisplayName` before
/// `ID` (oss-api.md §6.5).
#[derive(Debug, Clone, Serialize)]
pub struct BucketInfoOwner {
    /// Display name.
    #[serde(rename = "DisplayName")]
    pub display_name: String,
    /// Owner ID.
    #[serde(rename = "ID")]
    pub id: String,
}

impl From<Owner> for BucketInfoOwner {
    fn from(o: Owner) -> Self {
        BucketInfoOwner {
            display_name: o.display_name,
            id: o.id,
        }
    }
}

/// `<ServerSideEncryptionRule>`.
#[derive(Debug, Clone, Serialize)]
pub struct ServerSideEncryptionRule {
    /// Always `None`.
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: String,
}

/// `<BucketPolicy>` of GetBucketInfo.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    /// Logging target bucket.
    pub log_bucket: String,
    /// Logging prefix.
    pub log_prefix: String,
}

/// The `<Bucket>` inside GetBucketInfo.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketInfoBucket {
    /// Access monitor.
    pub access_monitor: String,
    /// Creation time.
    pub creation_date: String,
    /// CRR.
    pub cross_region_replication: String,
    /// Redundancy.
    pub data_redundancy_type: String,
    /// Public endpoint.
    pub extranet_endpoint: String,
    /// Internal endpoint.
    pub intranet_endpoint: String,
    /// `oss-<region>`.
    pub location: String,
    /// Name.
    pub name: String,
    /// Resource group.
    pub resource_group_id: String,
    /// Storage class.
    pub storage_class: String,
    /// Transfer acceleration.
    pub transfer_acceleration: String,
    /// Versioning.
    pub versioning: String,
    /// Owner.
    pub owner: BucketInfoOwner,
    /// ACL.
    pub access_control_list: AccessControlList,
    /// Encryption.
    pub server_side_encryption_rule: ServerSideEncryptionRule,
    /// Logging.
    pub bucket_policy: BucketPolicy,
}

/// GetBucketInfo response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "BucketInfo", rename_all = "PascalCase")]
pub struct BucketInfoResult {
    /// The bucket.
    pub bucket: BucketInfoBucket,
}

/// GetBucketStat response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "BucketStat", rename_all = "PascalCase")]
pub struct BucketStatResult {
    /// Bytes stored.
    pub storage: u64,
    /// Objects.
    pub object_count: u64,
    /// Unfinished uploads.
    pub multipart_upload_count: u64,
    /// Standard-class bytes.
    pub standard_storage: u64,
    /// Standard-class objects.
    pub standard_object_count: u64,
}

/// One `<Contents>` of a listing.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contents {
    /// Key.
    pub key: String,
    /// Last change.
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// `Normal`, `Multipart` or `Appendable`.
    #[serde(rename = "Type")]
    pub object_type: String,
    /// Size.
    pub size: u64,
    /// Storage class.
    pub storage_class: String,
    /// Owner (always in V1, on request in V2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

/// `<CommonPrefixes>`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CommonPrefix {
    /// The prefix.
    pub prefix: String,
}

/// ListObjects (V1 and V2) response; the V2-only fields are optional.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename = "ListBucketResult", rename_all = "PascalCase")]
pub struct ListBucketResult {
    /// Bucket.
    pub name: String,
    /// Prefix asked.
    pub prefix: String,
    /// V1 marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// V2 start-after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_after: Option<String>,
    /// V2 continuation token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuation_token: Option<String>,
    /// Page size.
    pub max_keys: usize,
    /// Delimiter.
    pub delimiter: String,
    /// `url` when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// More follow.
    pub is_truncated: bool,
    /// V1 next marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_marker: Option<String>,
    /// V2 next token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_continuation_token: Option<String>,
    /// V2 number of entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_count: Option<usize>,
    /// Objects.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contents: Vec<Contents>,
    /// Rolled-up prefixes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub common_prefixes: Vec<CommonPrefix>,
}

/// CopyObject response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "CopyObjectResult", rename_all = "PascalCase")]
pub struct CopyObjectResult {
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// Last change.
    pub last_modified: String,
}

/// UploadPartCopy response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "CopyPartResult", rename_all = "PascalCase")]
pub struct CopyPartResult {
    /// Last change.
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// `<Deleted>`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deleted {
    /// Key.
    pub key: String,
}

/// DeleteMultipleObjects response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "DeleteResult", rename_all = "PascalCase")]
pub struct DeleteResult {
    /// `url` when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// Deleted keys (empty in quiet mode).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<Deleted>,
}

/// InitiateMultipartUpload response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "InitiateMultipartUploadResult", rename_all = "PascalCase")]
pub struct InitiateMultipartUploadResult {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Upload ID.
    pub upload_id: String,
    /// `url` when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
}

/// CompleteMultipartUpload response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "CompleteMultipartUploadResult", rename_all = "PascalCase")]
pub struct CompleteMultipartUploadResult {
    /// `url` when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// URL of the object.
    pub location: String,
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// One `<Upload>`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Upload {
    /// Key.
    pub key: String,
    /// Upload ID.
    pub upload_id: String,
    /// Storage class.
    pub storage_class: String,
    /// Initiation time.
    pub initiated: String,
}

/// ListMultipartUploads response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "ListMultipartUploadsResult", rename_all = "PascalCase")]
pub struct ListMultipartUploadsResult {
    /// Bucket.
    pub bucket: String,
    /// Key marker asked.
    pub key_marker: String,
    /// Upload-id marker asked.
    pub upload_id_marker: String,
    /// Next key marker.
    pub next_key_marker: String,
    /// Next upload-id marker.
    pub next_upload_id_marker: String,
    /// Delimiter.
    pub delimiter: String,
    /// Prefix.
    pub prefix: String,
    /// Page size.
    pub max_uploads: usize,
    /// `url` when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// More follow.
    pub is_truncated: bool,
    /// Uploads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upload: Vec<Upload>,
    /// Rolled-up prefixes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub common_prefixes: Vec<CommonPrefix>,
}

/// One `<Part>` of ListParts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartEntry {
    /// Number.
    pub part_number: u32,
    /// Upload time.
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
    /// CRC-64.
    pub hash_crc64ecma: u64,
    /// Size.
    pub size: u64,
}

/// ListParts response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "ListPartsResult", rename_all = "PascalCase")]
pub struct ListPartsResult {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
    /// Upload ID.
    pub upload_id: String,
    /// Storage class.
    pub storage_class: String,
    /// Marker asked.
    pub part_number_marker: u32,
    /// Next marker.
    pub next_part_number_marker: u32,
    /// Page size.
    pub max_parts: usize,
    /// `url` when requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_type: Option<String>,
    /// More follow.
    pub is_truncated: bool,
    /// Parts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub part: Vec<PartEntry>,
}

/// A `<Style>` document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "Style", rename_all = "PascalCase")]
pub struct StyleDoc {
    /// Name.
    pub name: String,
    /// Processing string.
    pub content: String,
    /// Category.
    pub category: String,
    /// RFC 1123.
    pub create_time: String,
    /// RFC 1123.
    pub last_modify_time: String,
}

/// ListStyle response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename = "StyleList")]
pub struct StyleList {
    /// Styles.
    #[serde(rename = "Style", skip_serializing_if = "Vec::is_empty")]
    pub style: Vec<StyleDoc>,
}

// ---- request bodies -------------------------------------------------------

/// `<Object>` of a DeleteMultipleObjects body.
#[derive(Debug, Clone, Deserialize)]
pub struct DeleteObject {
    /// Key (plain text).
    #[serde(rename = "Key")]
    pub key: String,
}

/// DeleteMultipleObjects body.
#[derive(Debug, Clone, Deserialize)]
pub struct DeleteRequest {
    /// Quiet mode.
    #[serde(rename = "Quiet", default)]
    pub quiet: Option<String>,
    /// Keys.
    #[serde(rename = "Object", default)]
    pub objects: Vec<DeleteObject>,
}

impl RequestDocument for DeleteRequest {
    const ROOT: &'static str = "Delete";
}

/// `<Part>` of a CompleteMultipartUpload body.
#[derive(Debug, Clone, Deserialize)]
pub struct CompletePart {
    /// Number.
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// ETag as sent (quoted or not).
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// CompleteMultipartUpload body.
#[derive(Debug, Clone, Deserialize)]
pub struct CompleteRequest {
    /// Parts.
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletePart>,
}

impl RequestDocument for CompleteRequest {
    const ROOT: &'static str = "CompleteMultipartUpload";
}

/// PutStyle body.
#[derive(Debug, Clone, Deserialize)]
pub struct StyleRequest {
    /// Processing string.
    #[serde(rename = "Content")]
    pub content: String,
    /// Category.
    #[serde(rename = "Category", default)]
    pub category: Option<String>,
}

impl RequestDocument for StyleRequest {
    const ROOT: &'static str = "Style";
}

/// PutBucket body (all optional).
#[derive(Debug, Clone, Deserialize)]
pub struct CreateBucketConfiguration {
    /// Storage class.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: Option<String>,
}

impl RequestDocument for CreateBucketConfiguration {
    const ROOT: &'static str = "CreateBucketConfiguration";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_secs(1_744_353_684);
        assert_eq!(iso8601(t), "2025-04-11T06:41:24.000Z");
        assert_eq!(rfc1123(t), "Fri, 11 Apr 2025 06:41:24 GMT");
    }

    #[test]
    fn url_encoding_never_uses_plus() {
        assert_eq!(url_encode("img/cat copy.jpg"), "img%2Fcat%20copy.jpg");
        assert_eq!(url_encode("a&b<c>.txt"), "a%26b%3Cc%3E.txt");
        assert_eq!(url_encode("a+b~_-."), "a%2Bb~_-.");
    }

    #[test]
    fn list_result_has_no_namespace_and_owner() {
        let doc = ListBucketResult {
            name: "b".into(),
            prefix: "".into(),
            marker: Some("".into()),
            max_keys: 100,
            delimiter: "/".into(),
            is_truncated: false,
            contents: vec![Contents {
                key: "a<b".into(),
                last_modified: "2025-04-11T06:41:24.000Z".into(),
                etag: "\"AB\"".into(),
                object_type: "Normal".into(),
                size: 9,
                storage_class: "Standard".into(),
                owner: Some(Owner {
                    id: "1".into(),
                    display_name: "1".into(),
                }),
            }],
            ..Default::default()
        };
        let xml = to_xml(&doc);
        assert!(xml.starts_with(DECLARATION));
        assert!(!xml.contains("xmlns"));
        assert!(xml.contains("<ListBucketResult><Name>b</Name>"));
        assert!(xml.contains("<Key>a&lt;b</Key>"));
        assert!(xml.contains("<IsTruncated>false</IsTruncated>"));
        assert!(xml.contains("<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner>"));
    }

    #[test]
    fn parses_request_bodies() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Delete>
  <Quiet>false</Quiet>
  <Object><Key>img/cat copy.jpg</Key></Object>
  <Object><Key>a&amp;b&lt;c&gt;.txt</Key><VersionId>x</VersionId></Object>
</Delete>"#;
        let d: DeleteRequest = from_xml(body).expect("parses");
        assert_eq!(d.objects.len(), 2);
        assert_eq!(d.objects[1].key, "a&b<c>.txt");
        let c: CompleteRequest = from_xml(
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"AB\"</ETag></Part>\n<Part><PartNumber>2</PartNumber><ETag>cd</ETag></Part></CompleteMultipartUpload>",
        )
        .expect("parses");
        assert_eq!(c.parts.len(), 2);
        assert_eq!(c.parts[0].etag, "\"AB\"");
        assert!(from_xml::<CompleteRequest>(b"<Complete><Part>").is_none());
        assert!(from_xml::<StyleRequest>(b"<Style></Style>").is_none());
    }

    #[test]
    fn request_bodies_need_their_root_element() {
        let style = |s: &str| from_xml::<StyleRequest>(s.as_bytes()).map(|r| r.content);
        assert_eq!(
            style("<Style><Content>c</Content></Style>").as_deref(),
            Some("c")
        );
        // Declarations (either quote), comments, whitespace and a namespace
        // before or on the root are fine (§3.3).
        assert_eq!(
            style("<?xml version='1.0'?>\n<!-- x -->\n <Style xmlns=\"urn:x\"><Content>c</Content><Extra/></Style>\n")
                .as_deref(),
            Some("c")
        );
        for bad in [
            "<Other><Content>c</Content></Other>",
            "<style><Content>c</Content></style>",
            "junk<Style><Content>c</Content></Style>",
            "",
            "   ",
            "<?xml version=\"1.0\"?>",
        ] {
            assert_eq!(style(bad), None, "{bad:?}");
        }
        assert!(
            from_xml::<DeleteRequest>(b"<Remove><Object><Key>a</Key></Object></Remove>").is_none()
        );
        assert!(from_xml::<CreateBucketConfiguration>(b"<CreateBucketConfiguration/>").is_some());
        assert!(from_xml::<CreateBucketConfiguration>(b"<Config/>").is_none());
    }
}

/// Byte-exact renderings of every success document, checked against the
/// skeletons of oss-api.md (§6, §7, §10, §11): the spec's examples are
/// written here as printed there and compacted (indentation and line breaks
/// between elements removed), so element names and order must match.
#[cfg(test)]
mod documents {
    use super::*;

    const OWNER_ID: &str = "1234567890123456";
    const T: &str = "2025-04-11T06:41:24.000Z";

    /// The declaration line, then the document with the whitespace between
    /// elements removed (every line trimmed and joined).
    fn compact(spec: &str) -> String {
        let mut lines = spec.trim().lines().map(str::trim);
        let decl = lines.next().unwrap_or_default();
        assert_eq!(format!("{decl}\n"), DECLARATION);
        format!("{DECLARATION}{}", lines.collect::<String>())
    }

    fn owner() -> Owner {
        Owner {
            id: OWNER_ID.into(),
            display_name: OWNER_ID.into(),
        }
    }

    #[test]
    fn list_all_my_buckets() {
        let doc = ListAllMyBucketsResult {
            prefix: String::new(),
            marker: String::new(),
            max_keys: 100,
            is_truncated: false,
            next_marker: None,
            owner: owner(),
            buckets: Buckets {
                bucket: vec![BucketEntry {
                    creation_date: T.into(),
                    extranet_endpoint: "oss-cn-hangzhou.aliyuncs.com".into(),
                    intranet_endpoint: "oss-cn-hangzhou-internal.aliyuncs.com".into(),
                    location: "oss-cn-hangzhou".into(),
                    name: "examplebucket".into(),
                    region: "cn-hangzhou".into(),
                    storage_class: "Standard".into(),
                }],
            },
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult>
  <Prefix></Prefix>
  <Marker></Marker>
  <MaxKeys>100</MaxKeys>
  <IsTruncated>false</IsTruncated>
  <Owner>
    <ID>1234567890123456</ID>
    <DisplayName>1234567890123456</DisplayName>
  </Owner>
  <Buckets>
    <Bucket>
      <CreationDate>2025-04-11T06:41:24.000Z</CreationDate>
      <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>
      <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>
      <Location>oss-cn-hangzhou</Location>
      <Name>examplebucket</Name>
      <Region>cn-hangzhou</Region>
      <StorageClass>Standard</StorageClass>
    </Bucket>
  </Buckets>
</ListAllMyBucketsResult>"#
            )
        );
    }

    #[test]
    fn list_all_my_buckets_truncated_and_empty() {
        let doc = ListAllMyBucketsResult {
            prefix: "a".into(),
            marker: "a0".into(),
            max_keys: 1,
            is_truncated: true,
            next_marker: Some("a1".into()),
            owner: owner(),
            buckets: Buckets { bucket: vec![] },
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult>
  <Prefix>a</Prefix>
  <Marker>a0</Marker>
  <MaxKeys>1</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <NextMarker>a1</NextMarker>
  <Owner>
    <ID>1234567890123456</ID>
    <DisplayName>1234567890123456</DisplayName>
  </Owner>
  <Buckets></Buckets>
</ListAllMyBucketsResult>"#
            )
        );
    }

    fn contents(key: &str, etag: &str, size: u64, with_owner: bool) -> Contents {
        Contents {
            key: key.into(),
            last_modified: T.into(),
            etag: format!("\"{etag}\""),
            object_type: "Normal".into(),
            size,
            storage_class: "Standard".into(),
            owner: with_owner.then(owner),
        }
    }

    #[test]
    fn list_objects_v1_url_encoded_with_delimiter() {
        let doc = ListBucketResult {
            name: "examplebucket".into(),
            prefix: String::new(),
            marker: Some(String::new()),
            max_keys: 100,
            delimiter: encode_key("/", true),
            encoding_type: Some("url".into()),
            is_truncated: true,
            next_marker: Some(encode_key("img/", true)),
            contents: vec![contents(
                "readme.txt",
                "337B33C02F89493026843983FF272A30",
                9,
                true,
            )],
            common_prefixes: vec![CommonPrefix {
                prefix: encode_key("img/", true),
            }],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
  <Name>examplebucket</Name>
  <Prefix></Prefix>
  <Marker></Marker>
  <MaxKeys>100</MaxKeys>
  <Delimiter>%2F</Delimiter>
  <EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <NextMarker>img%2F</NextMarker>
  <Contents>
    <Key>readme.txt</Key>
    <LastModified>2025-04-11T06:41:24.000Z</LastModified>
    <ETag>"337B33C02F89493026843983FF272A30"</ETag>
    <Type>Normal</Type>
    <Size>9</Size>
    <StorageClass>Standard</StorageClass>
    <Owner>
      <ID>1234567890123456</ID>
      <DisplayName>1234567890123456</DisplayName>
    </Owner>
  </Contents>
  <CommonPrefixes>
    <Prefix>img%2F</Prefix>
  </CommonPrefixes>
</ListBucketResult>"#
            )
        );
    }

    #[test]
    fn list_objects_v1_plain_text_is_escaped() {
        let doc = ListBucketResult {
            name: "b".into(),
            prefix: "a&".into(),
            marker: Some("a&<".into()),
            max_keys: 1000,
            delimiter: String::new(),
            is_truncated: false,
            contents: vec![contents("a&<b>.txt", "AB", 0, true)],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
  <Name>b</Name>
  <Prefix>a&amp;</Prefix>
  <Marker>a&amp;&lt;</Marker>
  <MaxKeys>1000</MaxKeys>
  <Delimiter></Delimiter>
  <IsTruncated>false</IsTruncated>
  <Contents>
    <Key>a&amp;&lt;b&gt;.txt</Key>
    <LastModified>2025-04-11T06:41:24.000Z</LastModified>
    <ETag>"AB"</ETag>
    <Type>Normal</Type>
    <Size>0</Size>
    <StorageClass>Standard</StorageClass>
    <Owner>
      <ID>1234567890123456</ID>
      <DisplayName>1234567890123456</DisplayName>
    </Owner>
  </Contents>
</ListBucketResult>"#
            )
        );
    }

    #[test]
    fn list_objects_v2_url_encoded() {
        let doc = ListBucketResult {
            name: "examplebucket".into(),
            prefix: encode_key("dir/", true),
            start_after: Some(String::new()),
            continuation_token: Some(String::new()),
            max_keys: 100,
            delimiter: encode_key("/", true),
            encoding_type: Some("url".into()),
            is_truncated: false,
            key_count: Some(1),
            contents: vec![contents(
                &encode_key("dir/hello world.txt", true),
                "8542826A2140ED720CED048317133643",
                8,
                false,
            )],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
  <Name>examplebucket</Name>
  <Prefix>dir%2F</Prefix>
  <StartAfter></StartAfter>
  <ContinuationToken></ContinuationToken>
  <MaxKeys>100</MaxKeys>
  <Delimiter>%2F</Delimiter>
  <EncodingType>url</EncodingType>
  <IsTruncated>false</IsTruncated>
  <KeyCount>1</KeyCount>
  <Contents>
    <Key>dir%2Fhello%20world.txt</Key>
    <LastModified>2025-04-11T06:41:24.000Z</LastModified>
    <ETag>"8542826A2140ED720CED048317133643"</ETag>
    <Type>Normal</Type>
    <Size>8</Size>
    <StorageClass>Standard</StorageClass>
  </Contents>
</ListBucketResult>"#
            )
        );
    }

    #[test]
    fn list_objects_v2_truncated_with_owner_and_prefixes() {
        let doc = ListBucketResult {
            name: "b".into(),
            prefix: String::new(),
            max_keys: 2,
            delimiter: "/".into(),
            is_truncated: true,
            next_continuation_token: Some("aW1nLw".into()),
            key_count: Some(2),
            contents: vec![contents("a.txt", "AB", 1, true)],
            common_prefixes: vec![CommonPrefix {
                prefix: "img/".into(),
            }],
            ..Default::default()
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult>
  <Name>b</Name>
  <Prefix></Prefix>
  <MaxKeys>2</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>aW1nLw</NextContinuationToken>
  <KeyCount>2</KeyCount>
  <Contents>
    <Key>a.txt</Key>
    <LastModified>2025-04-11T06:41:24.000Z</LastModified>
    <ETag>"AB"</ETag>
    <Type>Normal</Type>
    <Size>1</Size>
    <StorageClass>Standard</StorageClass>
    <Owner>
      <ID>1234567890123456</ID>
      <DisplayName>1234567890123456</DisplayName>
    </Owner>
  </Contents>
  <CommonPrefixes>
    <Prefix>img/</Prefix>
  </CommonPrefixes>
</ListBucketResult>"#
            )
        );
    }

    #[test]
    fn bucket_info() {
        let doc = BucketInfoResult {
            bucket: BucketInfoBucket {
                access_monitor: "Disabled".into(),
                creation_date: T.into(),
                cross_region_replication: "Disabled".into(),
                data_redundancy_type: "LRS".into(),
                extranet_endpoint: "oss-cn-hangzhou.aliyuncs.com".into(),
                intranet_endpoint: "oss-cn-hangzhou-internal.aliyuncs.com".into(),
                location: "oss-cn-hangzhou".into(),
                name: "examplebucket".into(),
                resource_group_id: "rg-default".into(),
                storage_class: "Standard".into(),
                transfer_acceleration: "Disabled".into(),
                versioning: "Disabled".into(),
                owner: owner().into(),
                access_control_list: AccessControlList {
                    grant: "private".into(),
                },
                server_side_encryption_rule: ServerSideEncryptionRule {
                    sse_algorithm: "None".into(),
                },
                bucket_policy: BucketPolicy {
                    log_bucket: String::new(),
                    log_prefix: String::new(),
                },
            },
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<BucketInfo>
  <Bucket>
    <AccessMonitor>Disabled</AccessMonitor>
    <CreationDate>2025-04-11T06:41:24.000Z</CreationDate>
    <CrossRegionReplication>Disabled</CrossRegionReplication>
    <DataRedundancyType>LRS</DataRedundancyType>
    <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>
    <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>
    <Location>oss-cn-hangzhou</Location>
    <Name>examplebucket</Name>
    <ResourceGroupId>rg-default</ResourceGroupId>
    <StorageClass>Standard</StorageClass>
    <TransferAcceleration>Disabled</TransferAcceleration>
    <Versioning>Disabled</Versioning>
    <Owner>
      <DisplayName>1234567890123456</DisplayName>
      <ID>1234567890123456</ID>
    </Owner>
    <AccessControlList>
      <Grant>private</Grant>
    </AccessControlList>
    <ServerSideEncryptionRule>
      <SSEAlgorithm>None</SSEAlgorithm>
    </ServerSideEncryptionRule>
    <BucketPolicy>
      <LogBucket></LogBucket>
      <LogPrefix></LogPrefix>
    </BucketPolicy>
  </Bucket>
</BucketInfo>"#
            )
        );
    }

    #[test]
    fn bucket_stat() {
        let doc = BucketStatResult {
            storage: 1024,
            object_count: 3,
            multipart_upload_count: 1,
            standard_storage: 1024,
            standard_object_count: 3,
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<BucketStat>
  <Storage>1024</Storage>
  <ObjectCount>3</ObjectCount>
  <MultipartUploadCount>1</MultipartUploadCount>
  <StandardStorage>1024</StandardStorage>
  <StandardObjectCount>3</StandardObjectCount>
</BucketStat>"#
            )
        );
    }

    #[test]
    fn access_control_policy() {
        // The same document serves GetBucketAcl and GetObjectAcl (§7.13).
        for grant in ["public-read", "default"] {
            let doc = AccessControlPolicy {
                owner: owner(),
                access_control_list: AccessControlList {
                    grant: grant.into(),
                },
            };
            assert_eq!(
                to_xml(&doc),
                compact(&format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy>
  <Owner>
    <ID>1234567890123456</ID>
    <DisplayName>1234567890123456</DisplayName>
  </Owner>
  <AccessControlList>
    <Grant>{grant}</Grant>
  </AccessControlList>
</AccessControlPolicy>"#
                ))
            );
        }
    }

    #[test]
    fn location_constraint() {
        assert_eq!(
            text_document("LocationConstraint", "oss-cn-hangzhou"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint>oss-cn-hangzhou</LocationConstraint>"
        );
    }

    #[test]
    fn copy_object_and_copy_part() {
        let doc = CopyObjectResult {
            etag: "\"5FEBC9986E14AD328CE450764C145656\"".into(),
            last_modified: T.into(),
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<CopyObjectResult>
  <ETag>"5FEBC9986E14AD328CE450764C145656"</ETag>
  <LastModified>2025-04-11T06:41:24.000Z</LastModified>
</CopyObjectResult>"#
            )
        );
        let doc = CopyPartResult {
            last_modified: T.into(),
            etag: "\"C9A34CFC85D982698C6AC89F76071ABD\"".into(),
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<CopyPartResult>
  <LastModified>2025-04-11T06:41:24.000Z</LastModified>
  <ETag>"C9A34CFC85D982698C6AC89F76071ABD"</ETag>
</CopyPartResult>"#
            )
        );
    }

    #[test]
    fn delete_result_verbose() {
        let keys = ["img/cat copy.jpg", "a&b<c>.txt"];
        let doc = DeleteResult {
            encoding_type: Some("url".into()),
            deleted: keys
                .iter()
                .map(|k| Deleted {
                    key: encode_key(k, true),
                })
                .collect(),
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult>
  <EncodingType>url</EncodingType>
  <Deleted><Key>img%2Fcat%20copy.jpg</Key></Deleted>
  <Deleted><Key>a%26b%3Cc%3E.txt</Key></Deleted>
</DeleteResult>"#
            )
        );
        // Without encoding-type the keys are escaped XML text (ali-oss).
        let doc = DeleteResult {
            encoding_type: None,
            deleted: keys
                .iter()
                .map(|k| Deleted {
                    key: encode_key(k, false),
                })
                .collect(),
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<DeleteResult>
  <Deleted><Key>img/cat copy.jpg</Key></Deleted>
  <Deleted><Key>a&amp;b&lt;c&gt;.txt</Key></Deleted>
</DeleteResult>"#
            )
        );
    }

    #[test]
    fn delete_result_quiet() {
        let doc = DeleteResult {
            encoding_type: None,
            deleted: vec![],
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult></DeleteResult>"
        );
        let doc = DeleteResult {
            encoding_type: Some("url".into()),
            deleted: vec![],
        };
        assert_eq!(
            to_xml(&doc),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult><EncodingType>url</EncodingType></DeleteResult>"
        );
    }

    #[test]
    fn initiate_multipart_upload() {
        let doc = InitiateMultipartUploadResult {
            bucket: "examplebucket".into(),
            key: "big/multi.bin".into(),
            upload_id: "0004B9894A22E5B1888A1E29F8236E2D".into(),
            encoding_type: None,
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult>
  <Bucket>examplebucket</Bucket>
  <Key>big/multi.bin</Key>
  <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
</InitiateMultipartUploadResult>"#
            )
        );
        let doc = InitiateMultipartUploadResult {
            key: encode_key("big/multi.bin", true),
            encoding_type: Some("url".into()),
            ..doc
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult>
  <Bucket>examplebucket</Bucket>
  <Key>big%2Fmulti.bin</Key>
  <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
  <EncodingType>url</EncodingType>
</InitiateMultipartUploadResult>"#
            )
        );
    }

    #[test]
    fn complete_multipart_upload() {
        let doc = CompleteMultipartUploadResult {
            encoding_type: Some("url".into()),
            location: "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/big/multi.bin".into(),
            bucket: "examplebucket".into(),
            key: encode_key("big/multi.bin", true),
            etag: "\"986A36156EB9BEEFEEA12B0E118A4B2E-2\"".into(),
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult>
  <EncodingType>url</EncodingType>
  <Location>http://examplebucket.oss-cn-hangzhou.aliyuncs.com/big/multi.bin</Location>
  <Bucket>examplebucket</Bucket>
  <Key>big%2Fmulti.bin</Key>
  <ETag>"986A36156EB9BEEFEEA12B0E118A4B2E-2"</ETag>
</CompleteMultipartUploadResult>"#
            )
        );
        let doc = CompleteMultipartUploadResult {
            encoding_type: None,
            key: "big/multi.bin".into(),
            ..doc
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult>
  <Location>http://examplebucket.oss-cn-hangzhou.aliyuncs.com/big/multi.bin</Location>
  <Bucket>examplebucket</Bucket>
  <Key>big/multi.bin</Key>
  <ETag>"986A36156EB9BEEFEEA12B0E118A4B2E-2"</ETag>
</CompleteMultipartUploadResult>"#
            )
        );
    }

    #[test]
    fn list_multipart_uploads() {
        let doc = ListMultipartUploadsResult {
            bucket: "examplebucket".into(),
            key_marker: String::new(),
            upload_id_marker: String::new(),
            next_key_marker: encode_key("big/multi.bin", true),
            next_upload_id_marker: "0004B9894A22E5B1888A1E29F8236E2D".into(),
            delimiter: String::new(),
            prefix: String::new(),
            max_uploads: 1000,
            encoding_type: Some("url".into()),
            is_truncated: false,
            upload: vec![Upload {
                key: encode_key("big/multi.bin", true),
                upload_id: "0004B9894A22E5B1888A1E29F8236E2D".into(),
                storage_class: "Standard".into(),
                initiated: T.into(),
            }],
            common_prefixes: vec![],
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult>
  <Bucket>examplebucket</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker>big%2Fmulti.bin</NextKeyMarker>
  <NextUploadIdMarker>0004B9894A22E5B1888A1E29F8236E2D</NextUploadIdMarker>
  <Delimiter></Delimiter>
  <Prefix></Prefix>
  <MaxUploads>1000</MaxUploads>
  <EncodingType>url</EncodingType>
  <IsTruncated>false</IsTruncated>
  <Upload>
    <Key>big%2Fmulti.bin</Key>
    <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
    <StorageClass>Standard</StorageClass>
    <Initiated>2025-04-11T06:41:24.000Z</Initiated>
  </Upload>
</ListMultipartUploadsResult>"#
            )
        );
    }

    #[test]
    fn list_multipart_uploads_with_prefixes_and_nothing_else() {
        let doc = ListMultipartUploadsResult {
            bucket: "b".into(),
            key_marker: String::new(),
            upload_id_marker: String::new(),
            next_key_marker: String::new(),
            next_upload_id_marker: String::new(),
            delimiter: "/".into(),
            prefix: String::new(),
            max_uploads: 1000,
            encoding_type: None,
            is_truncated: false,
            upload: vec![],
            common_prefixes: vec![CommonPrefix {
                prefix: "big/".into(),
            }],
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult>
  <Bucket>b</Bucket>
  <KeyMarker></KeyMarker>
  <UploadIdMarker></UploadIdMarker>
  <NextKeyMarker></NextKeyMarker>
  <NextUploadIdMarker></NextUploadIdMarker>
  <Delimiter>/</Delimiter>
  <Prefix></Prefix>
  <MaxUploads>1000</MaxUploads>
  <IsTruncated>false</IsTruncated>
  <CommonPrefixes>
    <Prefix>big/</Prefix>
  </CommonPrefixes>
</ListMultipartUploadsResult>"#
            )
        );
    }

    #[test]
    fn list_parts() {
        let doc = ListPartsResult {
            bucket: "examplebucket".into(),
            key: "big/multi.bin".into(),
            upload_id: "0004B9894A22E5B1888A1E29F8236E2D".into(),
            storage_class: "Standard".into(),
            part_number_marker: 0,
            next_part_number_marker: 2,
            max_parts: 1000,
            encoding_type: None,
            is_truncated: false,
            part: vec![PartEntry {
                part_number: 1,
                last_modified: T.into(),
                etag: "\"302D3A0C8E319EAA95B059B346DE1D1D\"".into(),
                hash_crc64ecma: 12_696_911_168_479_852_064,
                size: 102_400,
            }],
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult>
  <Bucket>examplebucket</Bucket>
  <Key>big/multi.bin</Key>
  <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
  <StorageClass>Standard</StorageClass>
  <PartNumberMarker>0</PartNumberMarker>
  <NextPartNumberMarker>2</NextPartNumberMarker>
  <MaxParts>1000</MaxParts>
  <IsTruncated>false</IsTruncated>
  <Part>
    <PartNumber>1</PartNumber>
    <LastModified>2025-04-11T06:41:24.000Z</LastModified>
    <ETag>"302D3A0C8E319EAA95B059B346DE1D1D"</ETag>
    <HashCrc64ecma>12696911168479852064</HashCrc64ecma>
    <Size>102400</Size>
  </Part>
</ListPartsResult>"#
            )
        );
        // encoding-type=url: the key is encoded and EncodingType present.
        let doc = ListPartsResult {
            key: encode_key("big/multi.bin", true),
            encoding_type: Some("url".into()),
            part: vec![],
            next_part_number_marker: 0,
            ..doc
        };
        assert_eq!(
            to_xml(&doc),
            compact(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult>
  <Bucket>examplebucket</Bucket>
  <Key>big%2Fmulti.bin</Key>
  <UploadId>0004B9894A22E5B1888A1E29F8236E2D</UploadId>
  <StorageClass>Standard</StorageClass>
  <PartNumberMarker>0</PartNumberMarker>
  <NextPartNumberMarker>0</NextPartNumberMarker>
  <MaxParts>1000</MaxParts>
  <EncodingType>url</EncodingType>
  <IsTruncated>false</IsTruncated>
</ListPartsResult>"#
            )
        );
    }

    fn style(name: &str) -> StyleDoc {
        StyleDoc {
            name: name.into(),
            content: "image/resize,w_100".into(),
            category: "image".into(),
            create_time: "Wed, 20 May 2020 12:07:15 GMT".into(),
            last_modify_time: "Wed, 21 May 2020 12:07:15 GMT".into(),
        }
    }

    const STYLE: &str = r#"<Style>
  <Name>thumb</Name>
  <Content>image/resize,w_100</Content>
  <Category>image</Category>
  <CreateTime>Wed, 20 May 2020 12:07:15 GMT</CreateTime>
  <LastModifyTime>Wed, 21 May 2020 12:07:15 GMT</LastModifyTime>
</Style>"#;

    #[test]
    fn style_and_style_list() {
        assert_eq!(
            to_xml(&style("thumb")),
            compact(&format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{STYLE}"
            ))
        );
        let list = StyleList {
            style: vec![style("thumb"), style("wide")],
        };
        assert_eq!(
            to_xml(&list),
            compact(&format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyleList>\n{STYLE}\n{}\n</StyleList>",
                STYLE.replace("thumb", "wide")
            ))
        );
        assert_eq!(
            to_xml(&StyleList { style: vec![] }),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StyleList></StyleList>"
        );
    }
}
