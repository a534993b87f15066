//! The processed-image result cache: memory-bounded (weighed in bytes), keyed
//! by bucket, key, the source's ETag and modification time, and the plan's
//! canonical string; single-flight, so N identical concurrent requests render
//! once.
//!
//! A new version of the source has a new ETag or modification time, so it
//! never meets an entry of the old one; entries of replaced or deleted sources
//! are never served (the source is looked up before the cache) and age out.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use crate::oss::error::OssError;

/// What identifies one processed result.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Bucket of the source.
    pub bucket: String,
    /// Key of the source.
    pub key: String,
    /// ETag of the source.
    pub etag: String,
    /// Modification time of the source.
    pub modified: SystemTime,
    /// Canonical processing plan.
    pub plan: String,
}

/// A processed result.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Encoded bytes.
    pub bytes: Bytes,
    /// Their media type.
    pub content_type: &'static str,
}

/// The cache; `None` inside when switched off.
#[derive(Clone)]
pub struct ResultCache {
    inner: Option<moka::future::Cache<CacheKey, Arc<Rendered>>>,
}

impl ResultCache {
    /// A cache holding at most `max_bytes` of results (0 = off).
    pub fn new(max_bytes: u64) -> ResultCache {
        let inner = (max_bytes > 0).then(|| {
            moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|k: &CacheKey, v: &Arc<Rendered>| {
                    let size = v.bytes.len() + k.key.len() + k.plan.len() + 128;
                    u32::try_from(size).unwrap_or(u32::MAX)
                })
                .build()
        });
        ResultCache { inner }
    }

    /// Whether the cache is on.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The cached result for `key`, or the result of `render`, which runs once
    /// for all concurrent callers with the same key. Errors are not cached.
    pub async fn get_or_render<F>(
        &self,
        key: CacheKey,
        render: F,
    ) -> Result<Arc<Rendered>, OssError>
    where
        F: std::future::Future<Output = Result<Rendered, OssError>>,
    {
        let Some(cache) = &self.inner else {
            return render.await.map(Arc::new);
        };
        if let Some(hit) = cache.get(&key).await {
            super::metrics::record_cache(true);
            return Ok(hit);
        }
        super::metrics::record_cache(false);
        cache
            .try_get_with(key, async move { render.await.map(Arc::new) })
            .await
            .map_err(|e: Arc<OssError>| (*e).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(plan: &str) -> CacheKey {
        CacheKey {
            bucket: "b".into(),
            key: "k".into(),
            etag: "E".into(),
            modified: SystemTime::UNIX_EPOCH,
            plan: plan.into(),
        }
    }

    #[tokio::test]
    async fn identical_concurrent_requests_render_once() {
        let cache = ResultCache::new(1 << 20);
        let renders = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            let renders = renders.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_render(key("image/resize,w_1"), async move {
                        renders.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        Ok(Rendered {
                            bytes: Bytes::from_static(b"x"),
                            content_type: "image/jpeg",
                        })
                    })
                    .await
            }));
        }
        for t in tasks {
            let r = t.await.expect("join").expect("rendered");
            assert_eq!(&r.bytes[..], b"x");
        }
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_off_means_off() {
        let cache = ResultCache::new(1 << 20);
        let err = cache
            .get_or_render(key("p"), async {
                Err(OssError::new(crate::oss::error::OssErrorCode::BadRequest))
            })
            .await;
        assert!(err.is_err());
        let ok = cache
            .get_or_render(key("p"), async {
                Ok(Rendered {
                    bytes: Bytes::from_static(b"y"),
                    content_type: "image/png",
                })
            })
            .await;
        assert!(ok.is_ok());
        let off = ResultCache::new(0);
        assert!(!off.enabled());
        let calls = AtomicUsize::new(0);
        for _ in 0..2 {
            let _ = off
                .get_or_render(key("p"), async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(Rendered {
                        bytes: Bytes::new(),
                        content_type: "image/png",
                    })
                })
                .await;
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
