//! The OSS error-code table (oss-api.md §5.3) and the XML error document (§5.1).

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = ($status:expr, $msg:expr) ),* $(,)?) => {
        /// An OSS error code; each knows its HTTP status and default message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum OssErrorCode {
            $( $(#[$doc])* $name, )*
        }

        impl OssErrorCode {
            /// The code as it appears in `<Code>`.
            pub fn as_str(self) -> &'static str {
                match self { $( OssErrorCode::$name => stringify!($name), )* }
            }

            /// The HTTP status that goes with the code.
            pub fn status(self) -> u16 {
                match self { $( OssErrorCode::$name => $status, )* }
            }

            /// The default message.
            pub fn default_message(self) -> &'static str {
                match self { $( OssErrorCode::$name => $msg, )* }
            }
        }
    };
}

error_codes! {
    /// Permission denied.
    AccessDenied = (403, "AccessDenied"),
    /// Unknown AccessKeyId or bad STS token.
    InvalidAccessKeyId = (403, "The OSS Access Key Id you provided does not exist in our records."),
    /// Signature mismatch.
    SignatureDoesNotMatch = (403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
    /// Request time too far from server time.
    RequestTimeTooSkewed = (403, "The difference between the request time and the current time is too large."),
    /// A malformed parameter or header value.
    InvalidArgument = (400, "Invalid Argument"),
    /// A bucket name that violates the naming rules.
    InvalidBucketName = (400, "The specified bucket is not valid."),
    /// An object key that violates the naming rules.
    InvalidObjectName = (400, "The specified object is not valid."),
    /// Content-MD5 is malformed or does not match.
    InvalidDigest = (400, "The Content-MD5 you specified is not valid."),
    /// Request XML unparsable or incomplete.
    MalformedXML = (400, "The XML you provided was not well-formed or did not validate against our published schema."),
    /// Body above the size limit.
    EntityTooLarge = (400, "Your proposed upload exceeds the maximum allowed object size."),
    /// A non-last part is too small.
    EntityTooSmall = (400, "Your proposed upload is smaller than the minimum allowed object size."),
    /// A listed part is missing or has another ETag.
    InvalidPart = (400, "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."),
    /// Parts not in ascending order.
    InvalidPartOrder = (400, "The list of parts was not in ascending order. Parts list must be specified in order by part number."),
    /// Unsatisfiable range (standard range behaviour).
    InvalidRange = (416, "The requested range is not satisfiable"),
    /// Body without Content-Length or chunked framing.
    MissingContentLength = (411, "You must provide the Content-Length HTTP header."),
    /// A required parameter or header is absent.
    MissingArgument = (400, "Missing Argument"),
    /// Well-formed but not valid here.
    InvalidRequest = (400, "Invalid Request"),
    /// Generic bad request (image processing).
    BadRequest = (400, "Bad Request"),
    /// Source image above the byte quota.
    ImageTooLarge = (400, "The image is too large."),
    /// Source image above the dimension limits.
    MemLimitExceeded = (400, "The image exceeds the memory limit."),
    /// A watermark cannot be applied.
    WatermarkError = (400, "The watermark is invalid."),
    /// The body ended before Content-Length bytes.
    IncompleteBody = (400, "You did not provide the number of bytes specified by the Content-Length HTTP header."),
    /// The bucket does not exist.
    NoSuchBucket = (404, "The specified bucket does not exist."),
    /// The object does not exist.
    NoSuchKey = (404, "The specified key does not exist."),
    /// The upload does not exist.
    NoSuchUpload = (404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."),
    /// The style does not exist.
    NoSuchStyle = (404, "The style you get is not found."),
    /// The bucket exists already.
    BucketAlreadyExists = (409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."),
    /// The bucket is not empty.
    BucketNotEmpty = (409, "The bucket you tried to delete is not empty."),
    /// Append position mismatch.
    PositionNotEqualToLength = (409, "Position is not equal to file length"),
    /// Append on a non-appendable object.
    ObjectNotAppendable = (409, "The object is not appendable"),
    /// Overwrite forbidden.
    FileAlreadyExists = (409, "The object you specified already exists and can not be overwritten."),
    /// A precondition header failed.
    PreconditionFailed = (412, "At least one of the pre-conditions you specified did not hold."),
    /// Method not valid for the resource.
    MethodNotAllowed = (405, "The specified method is not allowed against this resource."),
    /// Header section or body too large.
    RequestHeaderTooLarge = (400, "Your request header is too large."),
    /// A feature not implemented.
    NotImplemented = (501, "A header you provided implies functionality that is not implemented."),
    /// Unexpected failure.
    InternalError = (500, "We encountered an internal error. Please try again."),
    /// The server is overloaded.
    ServiceUnavailable = (503, "Please reduce your request rate."),
}

/// An OSS error ready to be rendered as the XML document of §5.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OssError {
    /// The code.
    pub code: OssErrorCode,
    /// `<Message>`.
    pub message: String,
    /// `<EC>` and `x-oss-ec`, when known.
    pub ec: Option<String>,
    /// Extra elements after `HostId`, in order (`Key`, `BucketName`, ...).
    pub details: Vec<(&'static str, String)>,
    /// Extra response headers (e.g. `x-oss-next-append-position`).
    pub headers: Vec<(&'static str, String)>,
}

impl OssError {
    /// An error with the code's default message.
    pub fn new(code: OssErrorCode) -> OssError {
        OssError {
            code,
            message: code.default_message().to_string(),
            ec: None,
            details: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// An error with a message.
    pub fn with_message(code: OssErrorCode, message: impl Into<String>) -> OssError {
        OssError {
            message: message.into(),
            ..OssError::new(code)
        }
    }

    /// Adds an extra element to the body.
    pub fn detail(mut self, name: &'static str, value: impl Into<String>) -> OssError {
        self.details.push((name, value.into()));
        self
    }

    /// Adds an extra response header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> OssError {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets the EC.
    pub fn ec(mut self, ec: impl Into<String>) -> OssError {
        self.ec = Some(ec.into());
        self
    }

    /// `InvalidArgument` naming the argument and its value.
    pub fn invalid_argument(message: impl Into<String>, name: &str, value: &str) -> OssError {
        OssError::with_message(OssErrorCode::InvalidArgument, message)
            .detail("ArgumentName", name)
            .detail("ArgumentValue", value)
    }

    /// The XML document: `<Error>` with Code, Message, RequestId, HostId, the
    /// details, then EC (and RecommendDoc when an EC is known).
    pub fn to_xml(&self, request_id: &str, host_id: &str) -> String {
        let mut w = Writer::new(Vec::new());
        let text = |w: &mut Writer<Vec<u8>>, name: &str, value: &str| {
            // Writing to a Vec cannot fail.
            let _ = w.write_event(Event::Start(BytesStart::new(name)));
            let _ = w.write_event(Event::Text(BytesText::new(value)));
            let _ = w.write_event(Event::End(BytesEnd::new(name)));
        };
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        let _ = w.write_event(Event::Text(BytesText::new("\n")));
        let _ = w.write_event(Event::Start(BytesStart::new("Error")));
        text(&mut w, "Code", self.code.as_str());
        text(&mut w, "Message", &self.message);
        text(&mut w, "RequestId", request_id);
        text(&mut w, "HostId", host_id);
        for (name, value) in &self.details {
            text(&mut w, name, value);
        }
        if let Some(ec) = &self.ec {
            text(&mut w, "EC", ec);
            text(
                &mut w,
                "RecommendDoc",
                &format!("https://api.aliyun.com/troubleshoot?q={ec}"),
            );
        }
        let _ = w.write_event(Event::End(BytesEnd::new("Error")));
        String::from_utf8(w.into_inner()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_know_their_status() {
        assert_eq!(OssErrorCode::NoSuchKey.status(), 404);
        assert_eq!(OssErrorCode::NoSuchKey.as_str(), "NoSuchKey");
        assert_eq!(OssErrorCode::PositionNotEqualToLength.status(), 409);
        assert_eq!(OssErrorCode::InvalidRange.status(), 416);
        assert_eq!(OssErrorCode::MissingContentLength.status(), 411);
        assert_eq!(OssErrorCode::NotImplemented.status(), 501);
    }

    #[test]
    fn error_document_is_exact() {
        let e = OssError::new(OssErrorCode::NoSuchKey).detail("Key", "dir/a&b.txt");
        assert_eq!(
            e.to_xml(
                "5C3D9175B6FC201293AD4C7F",
                "examplebucket.oss-cn-hangzhou.aliyuncs.com"
            ),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
             <Message>The specified key does not exist.</Message>\
             <RequestId>5C3D9175B6FC201293AD4C7F</RequestId>\
             <HostId>examplebucket.oss-cn-hangzhou.aliyuncs.com</HostId>\
             <Key>dir/a&amp;b.txt</Key></Error>"
        );
    }

    #[test]
    fn ec_is_rendered_with_recommend_doc() {
        let e = OssError::with_message(OssErrorCode::InvalidArgument, "x").ec("0040-00000312");
        let xml = e.to_xml("R", "H");
        assert!(xml.contains("<EC>0040-00000312</EC>"));
        assert!(xml.contains(
            "<RecommendDoc>https://api.aliyun.com/troubleshoot?q=0040-00000312</RecommendDoc>"
        ));
    }
}
