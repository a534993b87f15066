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
pub fn to_xml<T: Serialize>(doc: &T) -> String {
    match quick_xml::se::to_string(doc) {
        Ok(body) => format!("{DECLARATION}{body}"),
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

/// Parses a request body; `None` when it is not well-formed for `T`.
pub fn from_xml<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Option<T> {
    let text = std::str::from_utf8(body).ok()?;
    quick_xml::de::from_str(text).ok()
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
    pub owner: Owner,
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

/// PutBucket body (all optional).
#[derive(Debug, Clone, Deserialize)]
pub struct CreateBucketConfiguration {
    /// Storage class.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: Option<String>,
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
}
