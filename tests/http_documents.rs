//! Every success document, byte for byte, as the handlers render it through
//! the router (oss-api.md §6, §7, §10, §11). Timestamps are the only part
//! that varies between runs: each one is checked for its format and then
//! replaced by a placeholder (`ISO` or `RFC1123`) before the comparison.

mod common;

use common::{element, md5_b64, TestApp};

const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const OWNER: &str =
    "<Owner><ID>1234567890123456</ID><DisplayName>1234567890123456</DisplayName></Owner>";

/// Replaces the text of every timestamp element with a placeholder after
/// checking its shape: ISO 8601 with `.000Z` (§3.2) or RFC 1123 (styles).
fn normalize(xml: &str) -> String {
    let mut out = xml.to_string();
    for (name, placeholder) in [
        ("LastModified", "ISO"),
        ("CreationDate", "ISO"),
        ("Initiated", "ISO"),
        ("CreateTime", "RFC1123"),
        ("LastModifyTime", "RFC1123"),
    ] {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let mut from = 0;
        while let Some(i) = out[from..].find(&open) {
            let start = from + i + open.len();
            let end = start + out[start..].find(&close).expect("closed element");
            let value = &out[start..end];
            if placeholder == "ISO" {
                assert!(
                    value.len() == 24 && value.ends_with(".000Z") && &value[10..11] == "T",
                    "{name}: {value}"
                );
            } else {
                assert!(
                    value.len() == 29 && value.ends_with(" GMT"),
                    "{name}: {value}"
                );
            }
            out.replace_range(start..end, placeholder);
            from = start + placeholder.len() + close.len();
        }
    }
    out
}

/// Body of a 200 `application/xml` response, normalized.
fn doc(r: &common::TestResponse) -> String {
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert_eq!(
        r.header("content-length"),
        Some(r.body.len().to_string().as_str())
    );
    normalize(&r.text())
}

fn md5_quoted(data: &[u8]) -> String {
    format!("\"{}\"", common::md5_hex(data))
}

#[tokio::test]
async fn service_and_bucket_documents() {
    let app = TestApp::new();
    let r = app.signed("GET", "/", &[], Vec::new()).await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListAllMyBucketsResult><Prefix></Prefix><Marker></Marker>\
             <MaxKeys>100</MaxKeys><IsTruncated>false</IsTruncated>{OWNER}\
             <Buckets></Buckets></ListAllMyBucketsResult>"
        )
    );
    for b in ["docs-a", "docs-b"] {
        let r = app.signed("PUT", &format!("/{b}/"), &[], Vec::new()).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.body.is_empty());
    }
    let bucket = |name: &str| {
        format!(
            "<Bucket><CreationDate>ISO</CreationDate>\
             <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>\
             <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>\
             <Location>oss-cn-hangzhou</Location><Name>{name}</Name>\
             <Region>cn-hangzhou</Region><StorageClass>Standard</StorageClass></Bucket>"
        )
    };
    let r = app
        .signed("GET", "/?prefix=&marker=&max-keys=100", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListAllMyBucketsResult><Prefix></Prefix><Marker></Marker>\
             <MaxKeys>100</MaxKeys><IsTruncated>false</IsTruncated>{OWNER}\
             <Buckets>{}{}</Buckets></ListAllMyBucketsResult>",
            bucket("docs-a"),
            bucket("docs-b")
        )
    );
    let r = app
        .signed("GET", "/?prefix=docs&max-keys=1", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListAllMyBucketsResult><Prefix>docs</Prefix><Marker></Marker>\
             <MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated>\
             <NextMarker>docs-a</NextMarker>{OWNER}\
             <Buckets>{}</Buckets></ListAllMyBucketsResult>",
            bucket("docs-a")
        )
    );

    let r = app
        .signed("GET", "/docs-a/?bucketInfo", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<BucketInfo><Bucket><AccessMonitor>Disabled</AccessMonitor>\
             <CreationDate>ISO</CreationDate>\
             <CrossRegionReplication>Disabled</CrossRegionReplication>\
             <DataRedundancyType>LRS</DataRedundancyType>\
             <ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>\
             <IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint>\
             <Location>oss-cn-hangzhou</Location><Name>docs-a</Name>\
             <ResourceGroupId>rg-default</ResourceGroupId>\
             <StorageClass>Standard</StorageClass>\
             <TransferAcceleration>Disabled</TransferAcceleration>\
             <Versioning>Disabled</Versioning>\
             <Owner><DisplayName>1234567890123456</DisplayName><ID>1234567890123456</ID></Owner>\
             <AccessControlList><Grant>private</Grant></AccessControlList>\
             <ServerSideEncryptionRule><SSEAlgorithm>None</SSEAlgorithm></ServerSideEncryptionRule>\
             <BucketPolicy><LogBucket></LogBucket><LogPrefix></LogPrefix></BucketPolicy>\
             </Bucket></BucketInfo>"
        )
    );
    let r = app
        .signed("GET", "/docs-a/?location", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!("{DECL}<LocationConstraint>oss-cn-hangzhou</LocationConstraint>")
    );

    let r = app
        .signed(
            "PUT",
            "/docs-a/?acl",
            &[("x-oss-acl", "public-read")],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let acl = |grant: &str| {
        format!(
            "{DECL}<AccessControlPolicy>{OWNER}<AccessControlList><Grant>{grant}</Grant>\
             </AccessControlList></AccessControlPolicy>"
        )
    };
    let r = app.signed("GET", "/docs-a/?acl", &[], Vec::new()).await;
    assert_eq!(doc(&r), acl("public-read"));

    let r = app.signed("PUT", "/docs-a/o", &[], b"12345".to_vec()).await;
    assert_eq!(r.status, 200);
    let r = app.signed("GET", "/docs-a/o?acl", &[], Vec::new()).await;
    assert_eq!(doc(&r), acl("default"));
    app.signed(
        "PUT",
        "/docs-a/o?acl",
        &[("x-oss-object-acl", "public-read-write")],
        Vec::new(),
    )
    .await;
    let r = app.signed("GET", "/docs-a/o?acl", &[], Vec::new()).await;
    assert_eq!(doc(&r), acl("public-read-write"));

    let r = app.signed("GET", "/docs-a/?stat", &[], Vec::new()).await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<BucketStat><Storage>5</Storage><ObjectCount>1</ObjectCount>\
             <MultipartUploadCount>0</MultipartUploadCount><StandardStorage>5</StandardStorage>\
             <StandardObjectCount>1</StandardObjectCount></BucketStat>"
        )
    );
}

/// Keys of the listing tests; sorted byte-wise.
const KEYS: [&str; 5] = ["a b.txt", "a&b.txt", "img/1.jpg", "img/2.jpg", "z"];

async fn listing_app() -> TestApp {
    let app = TestApp::new();
    app.signed("PUT", "/lst/", &[], Vec::new()).await;
    for k in KEYS {
        let path = format!("/lst/{}", k.replace(' ', "%20").replace('&', "%26"));
        let r = app.signed("PUT", &path, &[], k.as_bytes().to_vec()).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    app
}

fn contents(key_text: &str, key: &str, owner: bool) -> String {
    format!(
        "<Contents><Key>{key_text}</Key><LastModified>ISO</LastModified>\
         <ETag>{}</ETag><Type>Normal</Type><Size>{}</Size>\
         <StorageClass>Standard</StorageClass>{}</Contents>",
        md5_quoted(key.as_bytes()),
        key.len(),
        if owner { OWNER } else { "" }
    )
}

#[tokio::test]
async fn list_objects_v1_documents() {
    let app = listing_app().await;
    // oss2's request: every parameter, empty ones included, encoding-type=url.
    let r = app
        .signed(
            "GET",
            "/lst/?prefix=&delimiter=%2F&marker=&max-keys=100&encoding-type=url",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix></Prefix><Marker></Marker>\
             <MaxKeys>100</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType>\
             <IsTruncated>false</IsTruncated>{}{}{}\
             <CommonPrefixes><Prefix>img%2F</Prefix></CommonPrefixes></ListBucketResult>",
            contents("a%20b.txt", "a b.txt", true),
            contents("a%26b.txt", "a&b.txt", true),
            contents("z", "z", true),
        )
    );
    // Plain text (ali-oss), truncated after a common prefix: NextMarker is it.
    let r = app
        .signed(
            "GET",
            "/lst/?delimiter=/&marker=a%26b.txt&max-keys=1",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix></Prefix>\
             <Marker>a&amp;b.txt</Marker><MaxKeys>1</MaxKeys><Delimiter>/</Delimiter>\
             <IsTruncated>true</IsTruncated><NextMarker>img/</NextMarker>\
             <CommonPrefixes><Prefix>img/</Prefix></CommonPrefixes></ListBucketResult>"
        )
    );
    // Truncated after an object, with a prefix, URL-encoded.
    let r = app
        .signed(
            "GET",
            "/lst/?prefix=a&max-keys=1&encoding-type=url",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix>a</Prefix><Marker></Marker>\
             <MaxKeys>1</MaxKeys><Delimiter></Delimiter><EncodingType>url</EncodingType>\
             <IsTruncated>true</IsTruncated><NextMarker>a%20b.txt</NextMarker>{}\
             </ListBucketResult>",
            contents("a%20b.txt", "a b.txt", true)
        )
    );
    // Nothing matches.
    let r = app.signed("GET", "/lst/?prefix=q", &[], Vec::new()).await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix>q</Prefix><Marker></Marker>\
             <MaxKeys>100</MaxKeys><Delimiter></Delimiter><IsTruncated>false</IsTruncated>\
             </ListBucketResult>"
        )
    );
}

#[tokio::test]
async fn list_objects_v2_documents() {
    let app = listing_app().await;
    // oss2's request: all parameters, fetch-owner=false, encoding-type=url.
    let r = app
        .signed(
            "GET",
            "/lst/?list-type=2&prefix=&delimiter=%2F&continuation-token=&start-after=&max-keys=3&fetch-owner=false&encoding-type=url",
            &[],
            Vec::new(),
        )
        .await;
    let xml = doc(&r);
    let token = element(&xml, "NextContinuationToken").expect("token");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token}"
    );
    assert_eq!(
        xml,
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix></Prefix>\
             <StartAfter></StartAfter><ContinuationToken></ContinuationToken>\
             <MaxKeys>3</MaxKeys><Delimiter>%2F</Delimiter><EncodingType>url</EncodingType>\
             <IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>\
             <KeyCount>3</KeyCount>{}{}\
             <CommonPrefixes><Prefix>img%2F</Prefix></CommonPrefixes></ListBucketResult>",
            contents("a%20b.txt", "a b.txt", false),
            contents("a%26b.txt", "a&b.txt", false),
        )
    );
    // The next page through the token, with the owner; no StartAfter element
    // because the request had none.
    let r = app
        .signed(
            "GET",
            &format!("/lst/?list-type=2&delimiter=%2F&continuation-token={token}&fetch-owner=true"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix></Prefix>\
             <ContinuationToken>{token}</ContinuationToken>\
             <MaxKeys>100</MaxKeys><Delimiter>/</Delimiter>\
             <IsTruncated>false</IsTruncated><KeyCount>1</KeyCount>{}</ListBucketResult>",
            contents("z", "z", true),
        )
    );
    // start-after alone, plain text (escaped).
    let r = app
        .signed(
            "GET",
            "/lst/?list-type=2&start-after=a%26b.txt&max-keys=1",
            &[],
            Vec::new(),
        )
        .await;
    let xml = doc(&r);
    let token = element(&xml, "NextContinuationToken").expect("token");
    assert_eq!(
        xml,
        format!(
            "{DECL}<ListBucketResult><Name>lst</Name><Prefix></Prefix>\
             <StartAfter>a&amp;b.txt</StartAfter>\
             <MaxKeys>1</MaxKeys><Delimiter></Delimiter>\
             <IsTruncated>true</IsTruncated><NextContinuationToken>{token}</NextContinuationToken>\
             <KeyCount>1</KeyCount>{}</ListBucketResult>",
            contents("img/1.jpg", "img/1.jpg", false),
        )
    );
}

#[tokio::test]
async fn object_documents() {
    let app = listing_app().await;
    let r = app
        .signed(
            "PUT",
            "/lst/copy%20of",
            &[("x-oss-copy-source", "/lst/a%20b.txt")],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<CopyObjectResult><ETag>{}</ETag><LastModified>ISO</LastModified>\
             </CopyObjectResult>",
            md5_quoted(b"a b.txt")
        )
    );
    assert_eq!(
        r.header("etag").map(str::to_string),
        Some(md5_quoted(b"a b.txt"))
    );

    let delete = |quiet: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>{quiet}</Quiet>\
             <Object><Key>a&amp;b.txt</Key></Object><Object><Key>img/1.jpg</Key></Object>\
             <Object><Key>never there</Key></Object></Delete>"
        )
    };
    for (query, quiet, expected) in [
        (
            "delete&encoding-type=url",
            "false",
            format!(
                "{DECL}<DeleteResult><EncodingType>url</EncodingType>\
                 <Deleted><Key>a%26b.txt</Key></Deleted><Deleted><Key>img%2F1.jpg</Key></Deleted>\
                 <Deleted><Key>never%20there</Key></Deleted></DeleteResult>"
            ),
        ),
        (
            "delete",
            "false",
            format!(
                "{DECL}<DeleteResult>\
                 <Deleted><Key>a&amp;b.txt</Key></Deleted><Deleted><Key>img/1.jpg</Key></Deleted>\
                 <Deleted><Key>never there</Key></Deleted></DeleteResult>"
            ),
        ),
        (
            "delete&encoding-type=url",
            "true",
            format!("{DECL}<DeleteResult><EncodingType>url</EncodingType></DeleteResult>"),
        ),
        (
            "delete",
            "true",
            format!("{DECL}<DeleteResult></DeleteResult>"),
        ),
    ] {
        let body = delete(quiet);
        let r = app
            .signed(
                "POST",
                &format!("/lst/?{query}"),
                &[("content-md5", &md5_b64(body.as_bytes()))],
                body,
            )
            .await;
        assert_eq!(doc(&r), expected, "{query} quiet={quiet}");
    }
}

#[tokio::test]
async fn multipart_documents() {
    let app = TestApp::new();
    app.signed("PUT", "/mpd/", &[], Vec::new()).await;
    // v2 asks for encoding-type=url on Initiate, ListParts and Complete.
    let r = app
        .signed(
            "POST",
            "/mpd/big/multi%20part.bin?uploads&encoding-type=url",
            &[],
            Vec::new(),
        )
        .await;
    let xml = doc(&r);
    let id = element(&xml, "UploadId").expect("upload id");
    assert!(
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
        "{id}"
    );
    assert_eq!(
        xml,
        format!(
            "{DECL}<InitiateMultipartUploadResult><Bucket>mpd</Bucket>\
             <Key>big%2Fmulti%20part.bin</Key><UploadId>{id}</UploadId>\
             <EncodingType>url</EncodingType></InitiateMultipartUploadResult>"
        )
    );
    // ali-oss: no encoding.
    let r = app
        .signed("POST", "/mpd/other.bin?uploads", &[], Vec::new())
        .await;
    let xml = doc(&r);
    let id2 = element(&xml, "UploadId").expect("upload id");
    assert_eq!(
        xml,
        format!(
            "{DECL}<InitiateMultipartUploadResult><Bucket>mpd</Bucket>\
             <Key>other.bin</Key><UploadId>{id2}</UploadId></InitiateMultipartUploadResult>"
        )
    );

    let p1 = vec![b'x'; 100 * 1024];
    let p2 = b"tail".to_vec();
    for (n, part) in [(1, &p1), (2, &p2)] {
        let r = app
            .signed(
                "PUT",
                &format!("/mpd/big/multi%20part.bin?partNumber={n}&uploadId={id}"),
                &[],
                part.clone(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.body.is_empty());
    }
    let part = |n: u32, data: &[u8]| {
        let mut crc = crc64fast::Digest::new();
        crc.write(data);
        format!(
            "<Part><PartNumber>{n}</PartNumber><LastModified>ISO</LastModified>\
             <ETag>{}</ETag><HashCrc64ecma>{}</HashCrc64ecma><Size>{}</Size></Part>",
            md5_quoted(data),
            crc.sum64(),
            data.len()
        )
    };
    let r = app
        .signed(
            "GET",
            &format!("/mpd/big/multi%20part.bin?uploadId={id}&encoding-type=url"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListPartsResult><Bucket>mpd</Bucket><Key>big%2Fmulti%20part.bin</Key>\
             <UploadId>{id}</UploadId><StorageClass>Standard</StorageClass>\
             <PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>2</NextPartNumberMarker>\
             <MaxParts>1000</MaxParts><EncodingType>url</EncodingType>\
             <IsTruncated>false</IsTruncated>{}{}</ListPartsResult>",
            part(1, &p1),
            part(2, &p2)
        )
    );
    let r = app
        .signed(
            "GET",
            &format!("/mpd/big/multi%20part.bin?uploadId={id}&max-parts=1"),
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListPartsResult><Bucket>mpd</Bucket><Key>big/multi part.bin</Key>\
             <UploadId>{id}</UploadId><StorageClass>Standard</StorageClass>\
             <PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker>\
             <MaxParts>1</MaxParts><IsTruncated>true</IsTruncated>{}</ListPartsResult>",
            part(1, &p1)
        )
    );

    let upload = |key: &str, id: &str| {
        format!(
            "<Upload><Key>{key}</Key><UploadId>{id}</UploadId>\
             <StorageClass>Standard</StorageClass><Initiated>ISO</Initiated></Upload>"
        )
    };
    let r = app
        .signed(
            "GET",
            "/mpd/?uploads&prefix=&delimiter=&key-marker=&upload-id-marker=&max-uploads=1000&encoding-type=url",
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListMultipartUploadsResult><Bucket>mpd</Bucket><KeyMarker></KeyMarker>\
             <UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker>\
             <NextUploadIdMarker></NextUploadIdMarker><Delimiter></Delimiter><Prefix></Prefix>\
             <MaxUploads>1000</MaxUploads><EncodingType>url</EncodingType>\
             <IsTruncated>false</IsTruncated>{}{}</ListMultipartUploadsResult>",
            upload("big%2Fmulti%20part.bin", &id),
            upload("other.bin", &id2)
        )
    );
    let r = app
        .signed("GET", "/mpd/?uploads&max-uploads=1", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListMultipartUploadsResult><Bucket>mpd</Bucket><KeyMarker></KeyMarker>\
             <UploadIdMarker></UploadIdMarker><NextKeyMarker>big/multi part.bin</NextKeyMarker>\
             <NextUploadIdMarker>{id}</NextUploadIdMarker><Delimiter></Delimiter><Prefix></Prefix>\
             <MaxUploads>1</MaxUploads><IsTruncated>true</IsTruncated>{}\
             </ListMultipartUploadsResult>",
            upload("big/multi part.bin", &id)
        )
    );
    let r = app
        .signed("GET", "/mpd/?uploads&delimiter=/", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListMultipartUploadsResult><Bucket>mpd</Bucket><KeyMarker></KeyMarker>\
             <UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker>\
             <NextUploadIdMarker></NextUploadIdMarker><Delimiter>/</Delimiter><Prefix></Prefix>\
             <MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>{}\
             <CommonPrefixes><Prefix>big/</Prefix></CommonPrefixes></ListMultipartUploadsResult>",
            upload("other.bin", &id2)
        )
    );

    let e1 = md5_quoted(&p1);
    let e2 = md5_quoted(&p2);
    let body = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{e1}</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>{e2}</ETag></Part></CompleteMultipartUpload>"
    );
    let r = app
        .signed(
            "POST",
            &format!("/mpd/big/multi%20part.bin?uploadId={id}&encoding-type=url"),
            &[],
            body,
        )
        .await;
    let xml = doc(&r);
    let etag = r.header("etag").expect("etag").to_string();
    assert!(etag.ends_with("-2\""), "{etag}");
    assert_eq!(
        xml,
        format!(
            "{DECL}<CompleteMultipartUploadResult><EncodingType>url</EncodingType>\
             <Location>http://127.0.0.1:8080/mpd/big%2Fmulti%20part.bin</Location>\
             <Bucket>mpd</Bucket><Key>big%2Fmulti%20part.bin</Key><ETag>{etag}</ETag>\
             </CompleteMultipartUploadResult>"
        )
    );
    let body = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
                <ETag>\"7215EE9C7D9DC229D2921A40E899EC5F\"</ETag></Part></CompleteMultipartUpload>";
    app.signed(
        "PUT",
        &format!("/mpd/other.bin?partNumber=1&uploadId={id2}"),
        &[],
        b" ".to_vec(),
    )
    .await;
    let r = app
        .signed("POST", &format!("/mpd/other.bin?uploadId={id2}"), &[], body)
        .await;
    let xml = doc(&r);
    let etag = r.header("etag").expect("etag").to_string();
    assert_eq!(
        xml,
        format!(
            "{DECL}<CompleteMultipartUploadResult>\
             <Location>http://127.0.0.1:8080/mpd/other.bin</Location>\
             <Bucket>mpd</Bucket><Key>other.bin</Key><ETag>{etag}</ETag>\
             </CompleteMultipartUploadResult>"
        )
    );
    let r = app.signed("GET", "/mpd/?uploads", &[], Vec::new()).await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<ListMultipartUploadsResult><Bucket>mpd</Bucket><KeyMarker></KeyMarker>\
             <UploadIdMarker></UploadIdMarker><NextKeyMarker></NextKeyMarker>\
             <NextUploadIdMarker></NextUploadIdMarker><Delimiter></Delimiter><Prefix></Prefix>\
             <MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>\
             </ListMultipartUploadsResult>"
        )
    );
}

#[tokio::test]
async fn style_documents() {
    let app = TestApp::new();
    app.signed("PUT", "/sty/", &[], Vec::new()).await;
    let r = app.signed("GET", "/sty/?style", &[], Vec::new()).await;
    assert_eq!(doc(&r), format!("{DECL}<StyleList></StyleList>"));
    for (name, content) in [
        ("thumb", "image/resize,w_100"),
        ("gray", "image/quality,q_80"),
    ] {
        let body = format!("<Style><Content>{content}</Content></Style>");
        let r = app
            .signed(
                "PUT",
                &format!("/sty/?style&styleName={name}"),
                &[("content-md5", &md5_b64(body.as_bytes()))],
                body,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.body.is_empty());
    }
    let style = |name: &str, content: &str| {
        format!(
            "<Style><Name>{name}</Name><Content>{content}</Content><Category>image</Category>\
             <CreateTime>RFC1123</CreateTime><LastModifyTime>RFC1123</LastModifyTime></Style>"
        )
    };
    let r = app
        .signed("GET", "/sty/?style&styleName=thumb", &[], Vec::new())
        .await;
    assert_eq!(
        doc(&r),
        format!("{DECL}{}", style("thumb", "image/resize,w_100"))
    );
    let r = app.signed("GET", "/sty/?style", &[], Vec::new()).await;
    assert_eq!(
        doc(&r),
        format!(
            "{DECL}<StyleList>{}{}</StyleList>",
            style("gray", "image/quality,q_80"),
            style("thumb", "image/resize,w_100")
        )
    );
}
