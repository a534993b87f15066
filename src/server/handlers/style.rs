//! Image styles API (oss-api.md §11, image-processing.md §6).

use axum::body::Body;
use axum::http::{Response, StatusCode};

use crate::img;
use crate::oss::error::{OssError, OssErrorCode};
use crate::oss::xml::{self, rfc1123, StyleDoc, StyleList};
use crate::server::context::Ctx;
use crate::server::error::{ApiError, ApiResult};
use crate::server::response;
use crate::storage::Style;

use super::object::read_body_limited;

/// Checks a style name: 1–63 characters from `A–Z a–z 0–9 _ - .`.
pub fn check_style_name(name: &str) -> ApiResult<()> {
    let message = format!("The value: {name} of parameter: stylename is invalid.");
    if name.is_empty() || name.len() > 63 {
        return Err(
            OssError::with_message(OssErrorCode::InvalidArgument, message)
                .ec("0017-00000250")
                .into(),
        );
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        return Err(
            OssError::with_message(OssErrorCode::InvalidArgument, message)
                .ec("0017-00000251")
                .into(),
        );
    }
    Ok(())
}

/// Checks style content: a valid `image/...` string without `style/` or `sys/saveas`.
pub fn check_style_content(content: &str) -> ApiResult<()> {
    let invalid = || {
        ApiError::from(OssError::with_message(
            OssErrorCode::InvalidArgument,
            "Style content is invalid.",
        ))
    };
    let content = content.trim();
    if content.is_empty() || !content.starts_with("image/") || content.contains("sys/saveas") {
        return Err(invalid());
    }
    img::plan::parse(content, &img::NoResources).map_err(|e| {
        ApiError::from(OssError::with_message(
            OssErrorCode::InvalidArgument,
            format!("Style content is invalid. {}", e.message),
        ))
    })?;
    Ok(())
}

fn bucket(ctx: &Ctx) -> ApiResult<String> {
    ctx.bucket()
        .map(str::to_string)
        .ok_or_else(|| OssErrorCode::InvalidBucketName.into())
}

fn style_name(ctx: &Ctx) -> ApiResult<String> {
    let name = ctx.query.get("styleName").unwrap_or("").to_string();
    if name.is_empty() {
        return Err(OssError::with_message(
            OssErrorCode::MissingArgument,
            "Missing required parameter styleName.",
        )
        .into());
    }
    check_style_name(&name)?;
    Ok(name)
}

fn doc(s: &Style) -> StyleDoc {
    StyleDoc {
        name: s.name.clone(),
        content: s.content.clone(),
        category: s.category.clone(),
        create_time: rfc1123(s.created),
        last_modify_time: rfc1123(s.modified),
    }
}

/// `PUT /?style&styleName=NAME`.
pub async fn put(ctx: &Ctx, body: Body) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let bucket = bucket(ctx)?;
    let name = style_name(ctx)?;
    let bytes = read_body_limited(ctx, body, 64 * 1024).await?;
    let req: xml::StyleRequest =
        xml::from_xml(&bytes).ok_or_else(|| ApiError::from(OssErrorCode::MalformedXML))?;
    check_style_content(&req.content)?;
    let category = req.category.unwrap_or_else(|| "image".into());
    ctx.state.store.bucket(&bucket).await?;
    ctx.state
        .store
        .put_style(&bucket, &name, req.content.trim(), &category)
        .await?;
    response::empty(StatusCode::OK)
}

/// `GET /?style&styleName=NAME`.
pub async fn get(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let bucket = bucket(ctx)?;
    let name = style_name(ctx)?;
    let s = ctx.state.store.get_style(&bucket, &name).await?;
    response::xml(xml::to_xml(&doc(&s)))
}

/// `GET /?style`.
pub async fn list(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let bucket = bucket(ctx)?;
    let styles = ctx.state.store.list_styles(&bucket).await?;
    let list = StyleList {
        style: styles.iter().map(doc).collect(),
    };
    response::xml(xml::to_xml(&list))
}

/// `DELETE /?style&styleName=NAME`: 204.
pub async fn delete(ctx: &Ctx) -> ApiResult<Response<Body>> {
    ctx.require_signed()?;
    let bucket = bucket(ctx)?;
    let name = style_name(ctx)?;
    ctx.state.store.bucket(&bucket).await?;
    ctx.state.store.delete_style(&bucket, &name).await?;
    response::empty(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_style_name("thumb_1.x-y").is_ok());
        assert!(check_style_name("").is_err());
        assert!(check_style_name(&"a".repeat(64)).is_err());
        assert!(check_style_name("a b").is_err());
        assert!(check_style_name("a;b").is_err());
    }
}
