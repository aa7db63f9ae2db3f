//! Where recordings are kept. The file-system store is the default (a folder in the data
//! directory); the trait lets an S3-compatible store follow.

use async_trait::async_trait;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[error("blob store: {0}")]
pub struct BlobError(#[from] pub std::io::Error);

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there; durable when it returns.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
    async fn exists(&self, key: &str) -> Result<bool, BlobError>;
    /// Deleting a missing blob is not an error.
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// Blobs as files under a root folder; keys are relative paths made by the engine
/// (`recordings/<org>/<call>.wav`), never by clients.
#[derive(Clone, Debug)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> FsBlobStore {
        FsBlobStore { root: root.into() }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        let path = self.path(key);
        if let Some(dir) = path.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // Write aside, sync, then rename: a crash leaves the old blob or the new, never half.
        let partial = path.with_extension("partial");
        let mut file = tokio::fs::File::create(&partial).await?;
        tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match tokio::fs::read(self.path(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        Ok(tokio::fs::try_exists(self.path(key)).await?)
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_delete_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobStore::new(dir.path());
        assert_eq!(blobs.get("recordings/a/b.wav").await.unwrap(), None);
        blobs
            .put("recordings/a/b.wav", b"RIFF".to_vec())
            .await
            .unwrap();
        blobs
            .put("recordings/a/b.wav", b"RIFF2".to_vec())
            .await
            .unwrap();
        assert_eq!(
            blobs.get("recordings/a/b.wav").await.unwrap(),
            Some(b"RIFF2".to_vec())
        );
        blobs.delete("recordings/a/b.wav").await.unwrap();
        blobs.delete("recordings/a/b.wav").await.unwrap();
        assert_eq!(blobs.get("recordings/a/b.wav").await.unwrap(), None);
        assert!(!blobs.exists("recordings/a/b.wav").await.unwrap());
    }
}
