//! Where recordings and CSV exports are kept. The file-system store is the default (a
//! folder in the data directory); the trait lets an S3-compatible store follow.

use async_trait::async_trait;
use std::path::{Path, PathBuf};
use tokio::io::AsyncRead;

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

    /// Stores the file at `path` under `key` (large files: exports), taking it over: the
    /// file is gone from `path` afterwards. The default reads it into memory and `put`s it;
    /// a store that can do better (a rename, a streamed upload) overrides this.
    async fn put_file(&self, key: &str, path: &Path) -> Result<(), BlobError> {
        let bytes = tokio::fs::read(path).await?;
        self.put(key, bytes).await?;
        tokio::fs::remove_file(path).await?;
        Ok(())
    }

    /// The blob as a stream of bytes with its length, to send without holding it in memory.
    async fn open(&self, key: &str) -> Result<Option<BlobReader>, BlobError> {
        Ok(self.get(key).await?.map(|bytes| BlobReader {
            len: bytes.len() as u64,
            reader: Box::new(std::io::Cursor::new(bytes)),
        }))
    }
}

/// A blob being read: its length and its bytes.
pub struct BlobReader {
    pub len: u64,
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
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

    /// Synced, then renamed into place: no copy when `path` is on the same file system as
    /// the store (the export worker writes next to it); copied aside first when it is not.
    async fn put_file(&self, key: &str, path: &Path) -> Result<(), BlobError> {
        let target = self.path(key);
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        tokio::fs::File::open(path).await?.sync_all().await?;
        match tokio::fs::rename(path, &target).await {
            Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
                let partial = target.with_extension("partial");
                tokio::fs::copy(path, &partial).await?;
                tokio::fs::File::open(&partial).await?.sync_all().await?;
                tokio::fs::rename(&partial, &target).await?;
                tokio::fs::remove_file(path).await?;
                Ok(())
            }
            other => Ok(other?),
        }
    }

    async fn open(&self, key: &str) -> Result<Option<BlobReader>, BlobError> {
        let file = match tokio::fs::File::open(self.path(key)).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata().await?.len();
        Ok(Some(BlobReader {
            len,
            reader: Box::new(file),
        }))
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

    #[tokio::test]
    async fn a_file_is_moved_in_and_read_back_as_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = FsBlobStore::new(dir.path().join("blobs"));
        let scratch = dir.path().join("export.csv");
        std::fs::write(&scratch, b"id,created\n").unwrap();
        blobs.put_file("exports/o/e.csv", &scratch).await.unwrap();
        assert!(!scratch.exists(), "the file is taken over");
        let mut blob = blobs.open("exports/o/e.csv").await.unwrap().unwrap();
        assert_eq!(blob.len, 11);
        let mut read = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut blob.reader, &mut read)
            .await
            .unwrap();
        assert_eq!(read, b"id,created\n");
        assert!(blobs.open("exports/o/missing.csv").await.unwrap().is_none());
    }
}
