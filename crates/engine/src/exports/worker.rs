//! The export worker: claim, build the CSV, store it, mail it, record the outcome; and the
//! retention sweep. No transaction is held across the work: the claim commits first, and
//! every later write checks that this worker still holds the lease.

use super::ExportConfig;
use super::csv::Layout;
use super::mail::{ExportMail, MailConfigError, Mailer, NOT_CONFIGURED};
use crate::blob::{BlobError, BlobStore};
use crate::worker::{Leases, Worker, WorkerState};
use std::sync::Arc;
use std::time::Duration;
use switchyard_core::call_query::CallKey;
use switchyard_core::export::{Export, ExportStatus, MailOutcome};
use switchyard_core::run::Lease;
use switchyard_core::store::{EngineScope, Store, StoreError, StoreResult};
use switchyard_core::{Clocks, OrgId, Timestamp};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Claims of one export before it is given up as `failed` (each crash or error is one).
const MAX_ATTEMPTS: u32 = 5;
/// The wait before retrying after an error doubles from this, up to an hour.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// Finished exports deleted per query of the retention sweep.
const SWEEP_BATCH: u32 = 100;

pub struct ExportParts {
    pub store: Arc<dyn Store>,
    pub clock: Arc<Clocks>,
    pub blobs: Arc<dyn BlobStore>,
    pub config: ExportConfig,
    /// Names this worker in leases; unique per process.
    pub instance: String,
}

pub struct ExportWorker {
    store: Arc<dyn Store>,
    clock: Arc<Clocks>,
    blobs: Arc<dyn BlobStore>,
    config: ExportConfig,
    mailer: Mailer,
    worker: WorkerState,
}

/// What one [`ExportWorker::run_due`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportPass {
    /// Exports that became `done`.
    pub done: usize,
    /// Exports that hit an error and wait for another attempt.
    pub retried: usize,
    /// Exports given up as `failed`.
    pub failed: usize,
    /// Finished exports deleted (row and file) after the retention.
    pub deleted: usize,
}

/// How one claimed export ended.
enum Step {
    Done,
    Retried,
    Failed,
    /// Another worker holds it now (our lease ran out meanwhile): nothing was written.
    Lost,
}

/// Why building an export's CSV stopped.
#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("another worker took the export over")]
    LostLease,
    #[error("cannot read the calls: {0}")]
    Store(#[from] StoreError),
    #[error("cannot write the CSV: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("cannot store the CSV: {0}")]
    Blob(#[from] BlobError),
}

impl ExportWorker {
    /// Fails when the SMTP settings are unusable, so that `serve` refuses to start.
    pub fn new(parts: ExportParts) -> Result<ExportWorker, MailConfigError> {
        let mailer = Mailer::new(
            parts.config.smtp_url.as_deref(),
            &parts.config.smtp_from,
            parts.config.smtp_timeout,
        )?;
        Ok(ExportWorker {
            store: parts.store,
            clock: parts.clock,
            blobs: parts.blobs,
            worker: WorkerState::new(
                Leases::new(parts.instance, parts.config.lease),
                parts.config.poll_interval,
            ),
            config: parts.config,
            mailer,
        })
    }

    /// Another worker over the same store, clock and blobs with other settings (tests:
    /// another SMTP server).
    pub fn with_config(
        &self,
        config: ExportConfig,
        instance: &str,
    ) -> Result<ExportWorker, MailConfigError> {
        ExportWorker::new(ExportParts {
            store: self.store.clone(),
            clock: self.clock.clone(),
            blobs: self.blobs.clone(),
            config,
            instance: instance.to_owned(),
        })
    }

    pub fn config(&self) -> &ExportConfig {
        &self.config
    }

    /// Where the CSVs are kept.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.blobs
    }

    /// Asks the loop to look for work now (an export was requested).
    pub fn wake(&self) {
        self.worker.wake();
    }

    /// Runs every export that is due at the clock's `now`, one after the other, then
    /// deletes those past their retention. Tests call this instead of sleeping.
    pub async fn run_due(&self) -> StoreResult<ExportPass> {
        let mut pass = ExportPass::default();
        loop {
            let now = self.clock.now();
            let lease = self.worker.leases().at(now);
            let Some(export) = self.store.claim_export(now, &lease).await? else {
                break;
            };
            match self.process(export, lease).await? {
                Step::Done => pass.done += 1,
                Step::Retried => pass.retried += 1,
                Step::Failed => pass.failed += 1,
                Step::Lost => {}
            }
        }
        // Organizations whose test clock is frozen are swept when it moves.
        let scope = if self.clock.any_frozen() {
            EngineScope::RealTime
        } else {
            EngineScope::Everyone
        };
        pass.deleted = self.sweep(scope, self.clock.now()).await?;
        Ok(pass)
    }

    async fn process(&self, mut export: Export, mut lease: Lease) -> StoreResult<Step> {
        let owner = lease.owner.clone();
        if export.attempts > MAX_ATTEMPTS {
            let last = export
                .reason
                .take()
                .unwrap_or_else(|| "the worker stopped while running it".to_owned());
            export.status = ExportStatus::Failed;
            export.reason = Some(format!("gave up after {MAX_ATTEMPTS} attempts: {last}"));
            export.finished_at = Some(self.clock.now_for(export.organization_id));
            return self.save(&export, &owner, Step::Failed).await;
        }
        if export.rows.is_none() {
            match self.build(&export, &mut lease).await {
                Ok(rows) => {
                    // A checkpoint: a crash while mailing does not build the CSV again.
                    export.rows = Some(rows);
                    export.reason = None;
                    if !self.store.save_export(&export, &owner).await? {
                        return Ok(Step::Lost);
                    }
                }
                Err(JobError::LostLease) => return Ok(Step::Lost),
                Err(error) => return self.retry_later(export, &owner, &error).await,
            }
        }
        match self.keep_lease(&export, &mut lease).await {
            Ok(()) => {}
            Err(JobError::Store(error)) => return Err(error),
            Err(_) => return Ok(Step::Lost),
        }
        let now = self.clock.now_for(export.organization_id);
        let mail = self.mail(&export, now).await;
        if let Some(error) = &mail.error {
            tracing::warn!(export_id = %export.id, org_id = %export.organization_id, %error, "export not mailed");
        }
        export.status = ExportStatus::Done;
        export.mail = Some(mail);
        export.finished_at = Some(now);
        tracing::info!(
            export_id = %export.id,
            org_id = %export.organization_id,
            rows = export.rows.unwrap_or(0),
            "export done"
        );
        self.save(&export, &owner, Step::Done).await
    }

    async fn save(&self, export: &Export, owner: &str, step: Step) -> StoreResult<Step> {
        Ok(if self.store.save_export(export, owner).await? {
            step
        } else {
            Step::Lost
        })
    }

    /// Back to `pending` after a wait that doubles each time, or `failed` at the last attempt.
    async fn retry_later(
        &self,
        mut export: Export,
        owner: &str,
        error: &JobError,
    ) -> StoreResult<Step> {
        let now = self.clock.now();
        tracing::error!(
            export_id = %export.id,
            org_id = %export.organization_id,
            attempt = export.attempts,
            %error,
            "export attempt failed"
        );
        if export.attempts >= MAX_ATTEMPTS {
            export.status = ExportStatus::Failed;
            export.reason = Some(format!("gave up after {MAX_ATTEMPTS} attempts: {error}"));
            export.finished_at = Some(now);
            return self.save(&export, owner, Step::Failed).await;
        }
        let wait = RETRY_AFTER
            .saturating_mul(1 << export.attempts.saturating_sub(1).min(7))
            .min(Duration::from_secs(3600));
        export.status = ExportStatus::Pending;
        export.reason = Some(error.to_string());
        export.next_attempt_at = now.plus_millis(millis(wait));
        self.save(&export, owner, Step::Retried).await
    }

    /// Writes the matching calls into a temporary file, page by page, and moves it into
    /// the blob store. Memory holds one page of calls and its CSV text, whatever the total.
    async fn build(&self, export: &Export, lease: &mut Lease) -> Result<u64, JobError> {
        let org = export.organization_id;
        // The columns must be known before the first row: a first, cheap pass in the
        // database finds the extraction keys of the matches.
        let keys = self.store.extraction_keys(org, &export.filter).await?;
        let use_cases = self.store.list_use_cases(org).await?;
        let layout = Layout::new(keys, &use_cases);

        tokio::fs::create_dir_all(&self.config.scratch_dir).await?;
        let (file, path) = tempfile::Builder::new()
            .prefix("export-")
            .suffix(".csv")
            .tempfile_in(&self.config.scratch_dir)?
            .into_parts();
        // `path` deletes the file when dropped, so an error or a shutdown leaves nothing.
        let mut file = tokio::fs::File::from_std(file);
        file.write_all(&csv_text([layout.header().to_vec()])?)
            .await?;
        let mut rows = 0u64;
        let mut after = None;
        loop {
            self.keep_lease(export, lease).await?;
            let page = self
                .store
                .calls_after(
                    org,
                    &export.filter,
                    export.sort,
                    after,
                    self.config.page_size,
                )
                .await?;
            file.write_all(&csv_text(page.iter().map(|call| layout.row(call)))?)
                .await?;
            rows += page.len() as u64;
            match page.last() {
                Some(last) if page.len() == self.config.page_size as usize => {
                    after = Some(CallKey {
                        created: last.created,
                        id: last.id,
                    });
                }
                _ => break,
            }
        }
        file.flush().await?;
        drop(file);
        self.blobs.put_file(&export.blob_key(), &path).await?;
        // The file was moved: there is nothing left at `path` to delete.
        let _ = path.keep();
        Ok(rows)
    }

    /// Renews the lease once half of it has passed; `LostLease` if another worker has
    /// taken the export over meanwhile.
    async fn keep_lease(&self, export: &Export, lease: &mut Lease) -> Result<(), JobError> {
        let now = self.clock.now();
        if lease.until.millis() - now.millis() > millis(self.worker.leases().duration()) / 2 {
            return Ok(());
        }
        let renewed = self.worker.leases().at(now);
        if !self
            .store
            .renew_export_lease(export.organization_id, export.id, &renewed)
            .await?
        {
            return Err(JobError::LostLease);
        }
        *lease = renewed;
        Ok(())
    }

    /// Mails the stored CSV: attached when small enough, else only the download link.
    async fn mail(&self, export: &Export, now: Timestamp) -> MailOutcome {
        if !self.mailer.is_configured() {
            return MailOutcome {
                sent: false,
                attached: false,
                error: Some(NOT_CONFIGURED.to_owned()),
            };
        }
        let (size_bytes, attachment) = match self.attachment(export).await {
            Ok(found) => found,
            Err(error) => {
                return MailOutcome {
                    sent: false,
                    attached: false,
                    error: Some(format!("cannot read the CSV to mail it: {error}")),
                };
            }
        };
        let download = match &self.config.public_url {
            Some(base) => format!(
                "{}/api/v1/exports/{}",
                base.trim_end_matches('/'),
                export.id
            ),
            None => format!("GET /api/v1/exports/{} on the switchyard server", export.id),
        };
        self.mailer
            .send(&ExportMail {
                export,
                attachment,
                size_bytes,
                download,
                expires_at: now.plus_millis(millis(self.config.retention)),
            })
            .await
    }

    async fn attachment(&self, export: &Export) -> Result<(u64, Option<Vec<u8>>), BlobError> {
        let Some(mut blob) = self.blobs.open(&export.blob_key()).await? else {
            return Err(BlobError(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the file is not in the blob store",
            )));
        };
        if blob.len > self.config.max_attachment_bytes {
            return Ok((blob.len, None));
        }
        let mut bytes = Vec::with_capacity(blob.len as usize);
        blob.reader.read_to_end(&mut bytes).await?;
        Ok((blob.len, Some(bytes)))
    }

    /// Deletes the organization's exports past their retention at its own time (the
    /// sandbox's `advance` moved its test clock). Returns how many.
    pub async fn sweep_organization(&self, org: OrgId) -> StoreResult<usize> {
        self.sweep(EngineScope::Org(org), self.clock.now_for(org))
            .await
    }

    /// Deletes the `scope`'s finished exports past the retention at `now`: the file
    /// first, then the row, so that a crash in between leaves a row that the next sweep
    /// finds again.
    async fn sweep(&self, scope: EngineScope, now: Timestamp) -> StoreResult<usize> {
        let cutoff = now.plus_millis(-millis(self.config.retention));
        let mut deleted = 0;
        loop {
            let batch = self
                .store
                .finished_exports(scope, cutoff, SWEEP_BATCH)
                .await?;
            for export in &batch {
                if let Err(error) = self.blobs.delete(&export.blob_key()).await {
                    // Try again on the next pass rather than spin on the same rows.
                    tracing::warn!(export_id = %export.id, %error, "cannot delete an expired export");
                    return Ok(deleted);
                }
                self.store
                    .delete_export(export.organization_id, export.id)
                    .await?;
                deleted += 1;
            }
            if batch.len() < SWEEP_BATCH as usize {
                return Ok(deleted);
            }
        }
    }
}

/// The CSV text of some rows: one page at a time goes through memory.
fn csv_text(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, JobError> {
    let mut writer = ::csv::Writer::from_writer(Vec::with_capacity(256 * 1024));
    for row in rows {
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|e| JobError::Io(e.into_error()))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A pass may stop halfway: an export cut short keeps its lease until it runs out, then the
/// next worker (this one after a restart) builds it again from the start, and its
/// half-written file was a temporary one.
#[async_trait::async_trait]
impl Worker for ExportWorker {
    type Report = ExportPass;
    const NAME: &'static str = "export worker";
    const INTERRUPTIBLE: bool = true;

    fn state(&self) -> &WorkerState {
        &self.worker
    }

    async fn run_due(&self) -> StoreResult<ExportPass> {
        ExportWorker::run_due(self).await
    }
}
