//! The storage boundary, one trait per resource ([`OrgStore`], [`CallStore`],
//! [`ReviewStore`], ...) and [`Store`], which is all of them. Every method that touches
//! tenant data takes the organization's id, and an object of another organization is
//! [`StoreError::NotFound`], exactly like an unknown one. Multi-row writes are
//! transactions: they happen whole or not at all. Methods that change a call return the
//! call as it is afterwards.

use crate::Timestamp;
use crate::agent::Agent;
use crate::auth::{ApiKeyRecord, IdempotencyRecord, KeyListing, KeyOwner, WebSession};
use crate::call::{Call, Note, NoteAuthor, NotePatch, Rating};
use crate::call_json::CallJson;
use crate::call_log::{LogEntry, NewLog};
use crate::call_query::{CallFilter, CallKey, CallList, CallQuery};
use crate::campaign::Campaign;
use crate::dashboard::DashboardRollup;
use crate::enums::{Emoji, Role, SortOrder};
use crate::export::Export;
use crate::id::{
    AgentId, CallId, CampaignId, DeliveryId, Entity, ExportId, NoteId, NumberId, OrgId, PromptId,
    ScenarioId, UseCaseId,
};
use crate::lifecycle::{CallStatus, IllegalTransition};
use crate::number::Number;
use crate::org::{Member, Organization};
use crate::prompt::Prompt;
use crate::run::{CallRun, Lease, RunState};
use crate::scenario::Scenario;
use crate::transcript::{Transcript, TranscriptJson};
use crate::usage::{UsageBucket, UseCaseUsage};
use crate::use_case::UseCase;
use crate::webhook::{
    DeliveryQuery, DeliveryRecord, NewWebhook, WebhookAttempt, WebhookDelivery, WebhookOutcome,
};
use crate::webhook_faults::WebhookFaults;
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object in the organization (unknown, or another organization's): names
    /// which, so that the message a client sees can say it.
    #[error("{0} not found")]
    NotFound(Entity),
    /// The change is refused in the object's current state; the text says why.
    #[error("{0}")]
    Conflict(String),
    /// A unique value is taken; the text names it (`"number"`, `"idempotency_key"`).
    #[error("{0} already exists")]
    Duplicate(&'static str),
    #[error(transparent)]
    IllegalTransition(#[from] IllegalTransition),
    #[error("storage backend error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server keeps: every resource's trait. Implemented for any type that
/// implements them all; the server holds an `Arc<dyn Store>`.
pub trait Store:
    HealthStore
    + OrgStore
    + SessionStore
    + UseCaseStore
    + AgentStore
    + NumberStore
    + PromptStore
    + CallStore
    + ReviewStore
    + EngineStore
    + WebhookStore
    + UsageStore
    + ExportStore
    + SandboxStore
    + SandboxResetStore
    + ScenarioStore
{
}

impl<T> Store for T where
    T: HealthStore
        + OrgStore
        + SessionStore
        + UseCaseStore
        + AgentStore
        + NumberStore
        + PromptStore
        + CallStore
        + ReviewStore
        + EngineStore
        + WebhookStore
        + UsageStore
        + ExportStore
        + SandboxStore
        + SandboxResetStore
        + ScenarioStore
{
}

/// The database itself, for operators and the server's own secrets.
#[async_trait]
pub trait HealthStore: Send + Sync + 'static {
    /// Succeeds when the database answers.
    async fn ping(&self) -> StoreResult<()>;
    /// Database connections open and idle right now.
    fn pool_stats(&self) -> PoolStats;
    /// Calls by status across all organizations (operators' metrics, not a tenant view).
    async fn call_status_counts(&self) -> StoreResult<Vec<(CallStatus, u64)>>;
    /// A named server-wide secret (e.g. the key that signs recording URLs), created with
    /// `generate` the first time it is asked for, the same for every instance afterwards.
    async fn server_secret(
        &self,
        name: &str,
        generate: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String>;
}

/// Organizations, their members and API keys.
#[async_trait]
pub trait OrgStore: Send + Sync + 'static {
    /// Creates the organization with its default agent, its first member and that member's key.
    async fn create_organization(
        &self,
        org: &Organization,
        default_agent: &Agent,
        owner: &Member,
        key: &ApiKeyRecord,
    ) -> StoreResult<()>;
    async fn get_organization(&self, org: OrgId) -> StoreResult<Organization>;
    async fn find_organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>>;
    async fn set_organization_timezone(&self, org: OrgId, timezone: &str) -> StoreResult<()>;
    /// Members in the order they joined.
    async fn list_members(&self, org: OrgId) -> StoreResult<Vec<Member>>;
    /// Adds the member or changes its role. `Conflict` if that would leave no Owner.
    async fn upsert_member(&self, org: OrgId, member: &Member) -> StoreResult<()>;
    /// `NotFound(Member)` for an unknown email; `Conflict` for the last Owner. Their keys
    /// stop working.
    async fn remove_member(&self, org: OrgId, email: &str) -> StoreResult<()>;
    /// Stores the key and makes its email a member with `role` (as `upsert_member`), atomically.
    async fn create_api_key(&self, key: &ApiKeyRecord, role: Role) -> StoreResult<()>;
    /// The unrevoked key with this prefix and its member's current role; `None` if the key is
    /// unknown, revoked, or its member was removed.
    async fn find_api_key(&self, prefix: &str) -> StoreResult<Option<KeyOwner>>;
    /// `false` if no unrevoked key has this prefix.
    async fn revoke_api_key(&self, prefix: &str, now: Timestamp) -> StoreResult<bool>;
    /// The organization's webhook signing secret, created with `generate` on first use.
    async fn webhook_secret(
        &self,
        org: OrgId,
        generate: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String>;
    /// The organization's keys, revoked ones too, newest first (the console's key list).
    async fn list_api_keys(&self, org: OrgId) -> StoreResult<Vec<KeyListing>>;
    /// Revokes the organization's unrevoked key with this prefix; `false` if it has none
    /// (unknown, revoked already, or another organization's).
    async fn revoke_org_api_key(
        &self,
        org: OrgId,
        prefix: &str,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Replaces the organization's webhook signing secret: webhooks signed from now on use it.
    async fn rotate_webhook_secret(&self, org: OrgId, secret: &str) -> StoreResult<()>;
}

/// Review-app sessions. Looked up by the hash of the cookie's secret token, like keys by
/// their prefix; a session lives only as long as the key that opened it.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session, and deletes every session expired at `session.created_at`.
    async fn create_session(&self, session: &WebSession) -> StoreResult<()>;
    /// The session with this token hash and its key's owner (with the member's current
    /// role); `None` if unknown, expired at `now`, or its key revoked or member removed.
    async fn find_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(WebSession, KeyOwner)>>;
    /// Ends the session; `false` if there was none.
    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait UseCaseStore: Send + Sync + 'static {
    async fn insert_use_case(&self, use_case: &UseCase) -> StoreResult<()>;
    async fn get_use_case(&self, org: OrgId, id: UseCaseId) -> StoreResult<UseCase>;
    /// Oldest first.
    async fn list_use_cases(&self, org: OrgId) -> StoreResult<Vec<UseCase>>;
    /// Replaces the stored use case (matched on `organization_id` and `id`).
    async fn update_use_case(&self, use_case: &UseCase) -> StoreResult<()>;
    /// `Conflict` while calls of it are pending or numbers route to it.
    async fn delete_use_case(&self, org: OrgId, id: UseCaseId) -> StoreResult<UseCase>;
}

#[async_trait]
pub trait AgentStore: Send + Sync + 'static {
    async fn insert_agent(&self, agent: &Agent) -> StoreResult<()>;
    async fn get_agent(&self, org: OrgId, id: AgentId) -> StoreResult<Agent>;
    /// Oldest first.
    async fn list_agents(&self, org: OrgId) -> StoreResult<Vec<Agent>>;
    async fn update_agent(&self, agent: &Agent) -> StoreResult<()>;
    /// `Conflict` for the organization's default agent and for agents in a number's routes.
    async fn delete_agent(&self, org: OrgId, id: AgentId) -> StoreResult<Agent>;
}

#[async_trait]
pub trait NumberStore: Send + Sync + 'static {
    /// `Duplicate("number")` when the phone number is already owned by anyone.
    async fn insert_number(&self, number: &Number) -> StoreResult<()>;
    async fn get_number(&self, org: OrgId, id: NumberId) -> StoreResult<Number>;
    /// The number `e164` of whichever organization holds it: the telephone network's view,
    /// used to route inbound calls. Not a tenant lookup.
    async fn find_number(&self, e164: &str) -> StoreResult<Option<Number>>;
    /// Oldest first.
    async fn list_numbers(&self, org: OrgId) -> StoreResult<Vec<Number>>;
    async fn update_number(&self, number: &Number) -> StoreResult<()>;
    async fn delete_number(&self, org: OrgId, id: NumberId) -> StoreResult<Number>;
}

/// Calls, and what hangs off them: campaigns, idempotency records, transcripts, logs.
#[async_trait]
pub trait PromptStore: Send + Sync + 'static {
    /// `Duplicate("id")` when the organization already has a prompt with this id (a
    /// client may choose it).
    async fn insert_prompt(&self, prompt: &Prompt) -> StoreResult<()>;
    async fn get_prompt(&self, org: OrgId, id: PromptId) -> StoreResult<Prompt>;
    /// Oldest first.
    async fn list_prompts(&self, org: OrgId) -> StoreResult<Vec<Prompt>>;
    async fn update_prompt(&self, prompt: &Prompt) -> StoreResult<()>;
    /// `Conflict` while a call that is not final runs it, or a number routes to it, or a
    /// use case has it as its default.
    async fn delete_prompt(&self, org: OrgId, id: PromptId) -> StoreResult<Prompt>;
}

#[async_trait]
pub trait CallStore: Send + Sync + 'static {
    /// Inserts the calls (all or none), the campaign they belong to, and the idempotency
    /// record of the request that made them. `Duplicate("idempotency_key")` if the key is
    /// already stored, in which case nothing is written.
    async fn insert_calls(
        &self,
        org: OrgId,
        calls: &[Call],
        campaign: Option<&Campaign>,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()>;
    async fn find_idempotency(
        &self,
        org: OrgId,
        key: &str,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    async fn delete_idempotency(&self, org: OrgId, key: &str) -> StoreResult<()>;
    async fn get_campaign(&self, org: OrgId, id: CampaignId) -> StoreResult<Campaign>;

    async fn get_call(&self, org: OrgId, id: CallId) -> StoreResult<Call>;
    async fn list_calls(&self, org: OrgId, query: &CallQuery) -> StoreResult<CallList>;
    /// As `get_call`, as the wire JSON, made without decoding the stored call.
    async fn get_call_json(&self, org: OrgId, id: CallId) -> StoreResult<CallJson>;
    /// As `list_calls`, as the wire JSON, made without decoding the stored calls.
    async fn list_calls_json(
        &self,
        org: OrgId,
        query: &CallQuery,
    ) -> StoreResult<CallList<CallJson>>;
    /// The call's place in every listing (its stored `created`, to the millisecond, and
    /// id); `None` if it is not the organization's. The Call object's `created` is whole
    /// seconds, too coarse to page from.
    async fn call_key(&self, org: OrgId, call: CallId) -> StoreResult<Option<CallKey>>;
    /// The 0-based position of `call` among the matches of `filter` in `sort` order, or
    /// `None` if the call is not among them.
    async fn call_position(
        &self,
        org: OrgId,
        filter: &CallFilter,
        sort: SortOrder,
        call: CallId,
    ) -> StoreResult<Option<u64>>;
    /// The review queue: the oldest call (by `created`, then id) among the matches of
    /// `filter` that `email` has not viewed, or `None` when every match is viewed.
    async fn next_unviewed(
        &self,
        org: OrgId,
        filter: &CallFilter,
        email: &str,
    ) -> StoreResult<Option<CallId>>;
    /// Distinct tags of the organization's calls, sorted.
    async fn call_tags(&self, org: OrgId) -> StoreResult<Vec<String>>;
    /// `Conflict` while the call is live; its notes, ratings and views go with it, and so
    /// do its finished webhook deliveries (pending ones are still sent, then deleted).
    async fn delete_call(&self, org: OrgId, id: CallId) -> StoreResult<Call>;
    async fn get_transcript(&self, org: OrgId, call: CallId) -> StoreResult<Transcript>;
    /// Oldest first.
    async fn call_logs(&self, org: OrgId, call: CallId) -> StoreResult<Vec<LogEntry>>;
    /// Bulk loading (`switchyard seed`): new calls with their children and the transcripts
    /// of some of them, in one transaction (all or nothing).
    async fn bulk_insert_calls(
        &self,
        org: OrgId,
        calls: &[Call],
        transcripts: Vec<TranscriptJson>,
    ) -> StoreResult<()>;
}

/// What reviewers add. Each answers the call as it is after the change, as its wire JSON
/// (what the API sends back), read in the same transaction.
#[async_trait]
pub trait ReviewStore: Send + Sync + 'static {
    async fn add_note(&self, org: OrgId, call: CallId, note: &Note) -> StoreResult<CallJson>;
    /// `NotFound(Call)` for an unknown call; `NotFound(Note)` if the note is unknown or not
    /// `author`'s. Sets `updated_at` to `now`.
    async fn update_note(
        &self,
        org: OrgId,
        call: CallId,
        note: NoteId,
        author: &NoteAuthor,
        patch: &NotePatch,
        now: Timestamp,
    ) -> StoreResult<CallJson>;
    /// `NotFound(Call)` for an unknown call; `NotFound(Note)` if the note is unknown or not
    /// `author`'s.
    async fn delete_note(
        &self,
        org: OrgId,
        call: CallId,
        note: NoteId,
        author: &NoteAuthor,
    ) -> StoreResult<CallJson>;
    /// Idempotent: `viewed_by` keeps the order of first views.
    async fn mark_viewed(
        &self,
        org: OrgId,
        call: CallId,
        email: &str,
        now: Timestamp,
    ) -> StoreResult<CallJson>;
    /// At most one rating per (email, emoji): adding it again keeps the first.
    async fn add_rating(&self, org: OrgId, call: CallId, rating: &Rating) -> StoreResult<CallJson>;
    /// Removing a rating that does not exist is a no-op.
    async fn remove_rating(
        &self,
        org: OrgId,
        call: CallId,
        emoji: Emoji,
        email: &str,
    ) -> StoreResult<CallJson>;
}

/// The call engine's work. Work is claimed with a lease so that several instances can
/// share a database and a crashed instance's work is taken over when its lease runs out.
#[async_trait]
pub trait EngineStore: Send + Sync + 'static {
    /// `Scheduled` calls of the `scope` whose `scheduled_for` has come, oldest first.
    async fn due_scheduled_calls(
        &self,
        scope: EngineScope,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Call>>;
    /// `Queued` calls of the `scope` that may be dialed at `now` (not deferred past it),
    /// oldest first.
    async fn queued_calls(
        &self,
        scope: EngineScope,
        now: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Call>>;
    /// Keeps a `Queued` call waiting until `until` (outside working hours, AI backend down).
    async fn defer_call(&self, org: OrgId, call: CallId, until: Timestamp) -> StoreResult<()>;
    /// Makes the call's run due at `at` (unless it already is): a provider reported
    /// something about the call (a SIP answer, a hang-up) for the engine to apply.
    async fn wake_run(&self, org: OrgId, call: CallId, at: Timestamp) -> StoreResult<()>;
    /// Claims these `Queued` calls for dialing: each becomes `Initiated` (through
    /// [`CallStatus::apply`]) with a run held under `lease`, in order, as long as its
    /// organization has fewer than `per_org_limit` live runs. Calls already taken by
    /// someone else, or over the limit, are skipped. Returns the claimed calls.
    async fn claim_calls(
        &self,
        calls: &[(OrgId, CallId)],
        per_org_limit: u32,
        lease: &Lease,
        now: Timestamp,
    ) -> StoreResult<Vec<Call>>;
    /// Runs that need the engine at `now` (next step due, call no longer live, or lease
    /// expired), claimed under `lease`, with their calls.
    async fn claim_due_runs(
        &self,
        scope: EngineScope,
        now: Timestamp,
        lease: &Lease,
        limit: u32,
    ) -> StoreResult<Vec<(CallRun, Call)>>;
    /// Resolves when another instance announces engine work (new calls, a stop), so that
    /// engines need not wait for their next poll; never, where there is nobody else.
    async fn wait_for_work(&self);
    /// Tells the other instances sharing the database about call changes (the live
    /// feed's, as text), so that their pages see them too; nothing where there is nobody
    /// else (SQLite).
    async fn announce_call_changes(&self, changes: &[String]) -> StoreResult<()>;
    /// The next call changes another instance announced (none when it has just started
    /// listening, or lost its connection); never resolves where there is nobody else.
    async fn wait_for_call_changes(&self) -> Vec<String>;
    /// Ends every lease at once, so that this instance takes over all engine work now. Only
    /// for a database that one engine uses alone (SQLite), at start-up: after a crash the
    /// previous process's claims are known to be dead.
    async fn expire_leases(&self) -> StoreResult<()>;
    /// Writes what the engine did to a call in one transaction: the new call document (only
    /// if its status is still `expected_status`, else `Conflict`), log lines, webhooks to
    /// deliver, the transcript, the call's run, and calls it creates.
    async fn save_call_progress(&self, progress: CallProgress) -> StoreResult<Call>;
    /// Several calls' progress in one transaction (one disk sync for a batch of dials); for
    /// each, whether it was written (`false`: its status had changed, nothing written).
    async fn save_progress_batch(&self, batch: Vec<CallProgress>) -> StoreResult<Vec<bool>>;
    /// Appends log lines to a call (webhook attempts, engine errors).
    async fn append_call_logs(&self, org: OrgId, call: CallId, logs: &[NewLog]) -> StoreResult<()>;
    /// The earliest instant after `after` at which something of the organization falls
    /// due (a scheduled call, a deferred queued call, a run's next step, a webhook
    /// attempt); `None` when nothing waits. What a test clock's `advance` steps through.
    async fn next_due_at(&self, org: OrgId, after: Timestamp) -> StoreResult<Option<Timestamp>>;
    /// How many calls of the organization are on the network (have a run).
    async fn live_runs(&self, org: OrgId) -> StoreResult<u32>;
    /// Whether an `Org` pass at `now` would find work: a due scheduled call, a queued call
    /// that may be dialed (while the organization has fewer than `per_org_limit` live
    /// calls), a due run, a due webhook delivery. One query, where a pass that finds
    /// nothing costs five.
    async fn has_due_work(
        &self,
        org: OrgId,
        now: Timestamp,
        per_org_limit: u32,
    ) -> StoreResult<bool>;
}

/// Which organizations an engine pass works for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineScope {
    /// Every organization (no sandbox: nobody's clock is frozen).
    Everyone,
    /// Every organization on real time: those whose test clock is frozen are left to
    /// their own `advance`.
    RealTime,
    /// One organization, at its own time.
    Org(OrgId),
}

/// The webhook outbox, which is also the ledger of deliveries (`GET /webhooks/deliveries`).
#[async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Webhook deliveries of the `scope` due at `now`, claimed under `lease`.
    async fn claim_webhooks(
        &self,
        scope: EngineScope,
        now: Timestamp,
        lease: &Lease,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>>;
    /// Records an attempt, its outcome and its log line on the call, in one transaction. A
    /// finished delivery whose call was deleted meanwhile goes with its attempts.
    async fn finish_webhook_attempt(
        &self,
        delivery: &WebhookDelivery,
        outcome: &WebhookOutcome,
        attempt: &WebhookAttempt,
        log: &NewLog,
    ) -> StoreResult<()>;
    /// Deliveries not yet delivered nor given up.
    async fn webhook_backlog(&self) -> StoreResult<u64>;
    /// The organization's deliveries that match `query`, newest first, each with its
    /// attempts.
    async fn list_deliveries(
        &self,
        org: OrgId,
        query: &DeliveryQuery,
    ) -> StoreResult<Vec<DeliveryRecord>>;
    /// Makes a finished delivery due again at `now` for one more attempt (a replay, never
    /// retried), and answers it as it is then. `NotFound(Delivery)` if it is not the
    /// organization's; `Conflict` while it is still pending.
    async fn replay_delivery(
        &self,
        org: OrgId,
        id: DeliveryId,
        now: Timestamp,
    ) -> StoreResult<DeliveryRecord>;
}

/// Usage, aggregated in the database.
#[async_trait]
pub trait UsageStore: Send + Sync + 'static {
    /// The organization's calls created in `[from, to)`, counted and their `duration`
    /// summed per bucket of `bucket_secs` (buckets start at multiples of it since the Unix
    /// epoch); only buckets that have calls.
    async fn usage_buckets(
        &self,
        org: OrgId,
        from: Timestamp,
        to: Timestamp,
        bucket_secs: i64,
    ) -> StoreResult<Vec<UsageBucket>>;
    /// The same per use case, over `[from, to)`.
    async fn usage_by_use_case(
        &self,
        org: OrgId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<UseCaseUsage>>;

    /// The dashboard's rollup of the calls created from `days[0]` up to the last of `days`
    /// (each a multiple of [`crate::dashboard::BUCKET_MILLIS`]), of one use case or all:
    /// per day between consecutive boundaries, over the whole period, and the `tag_limit`
    /// most frequent tags.
    async fn dashboard_rollup(
        &self,
        org: OrgId,
        use_case: Option<UseCaseId>,
        days: &[Timestamp],
        tag_limit: u32,
    ) -> StoreResult<DashboardRollup>;
    /// The talk time of the `rank`th (from 0) shortest answered, ended call created in
    /// `[from, to)` among those in talk-time bin `bin`.
    async fn talk_time_in_bin(
        &self,
        org: OrgId,
        use_case: Option<UseCaseId>,
        (from, to): (Timestamp, Timestamp),
        bin: i64,
        rank: u64,
    ) -> StoreResult<Option<f64>>;
}

/// CSV exports (`POST /calls/export`). The `exports` table is the queue: a worker claims an
/// export under a lease, so that one whose worker died is taken over once the lease runs
/// out. A worker writes only while it still holds the lease.
#[async_trait]
pub trait ExportStore: Send + Sync + 'static {
    async fn insert_export(&self, export: &Export) -> StoreResult<()>;
    /// `NotFound(Export)` if it is not the organization's.
    async fn get_export(&self, org: OrgId, id: ExportId) -> StoreResult<Export>;
    /// The oldest export that is due, from every organization: `pending` whose
    /// `next_attempt_at` has come, or `running` under a lease that ran out. It is returned
    /// `running` under `lease`, with `attempts` counting this claim.
    async fn claim_export(&self, now: Timestamp, lease: &Lease) -> StoreResult<Option<Export>>;
    /// Extends the lease; `false` if `lease.owner` no longer holds the export (another
    /// worker took it over, or it was deleted).
    async fn renew_export_lease(
        &self,
        org: OrgId,
        id: ExportId,
        lease: &Lease,
    ) -> StoreResult<bool>;
    /// Writes the export as it is now if `owner` still holds it (else `false`, nothing
    /// written). A `running` export stays held; any other status releases it.
    async fn save_export(&self, export: &Export, owner: &str) -> StoreResult<bool>;
    /// Finished (`done` or `failed`) exports of the `scope` that finished at or before
    /// `before`, oldest first: the retention sweep's work.
    async fn finished_exports(
        &self,
        scope: EngineScope,
        before: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<Export>>;
    /// Deletes the row (its file is the caller's to delete); deleting a missing one is a no-op.
    async fn delete_export(&self, org: OrgId, id: ExportId) -> StoreResult<()>;
    /// Up to `limit` calls matching `filter`, in `sort` order, that come after `after`
    /// (from the first when `None`), with their notes, ratings and views: keyset
    /// pagination, so each page costs the same.
    async fn calls_after(
        &self,
        org: OrgId,
        filter: &CallFilter,
        sort: SortOrder,
        after: Option<CallKey>,
        limit: u32,
    ) -> StoreResult<Vec<Call>>;
    /// The distinct keys of `extraction` among the calls matching `filter`, sorted; the
    /// database reads them without sending the calls.
    async fn extraction_keys(&self, org: OrgId, filter: &CallFilter) -> StoreResult<Vec<String>>;
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
}

/// What the engine did to a call, written in one transaction by [`Store::save_call_progress`].
#[derive(Clone, Debug)]
pub struct CallProgress {
    /// The call as it is now; its status was changed, if at all, by [`CallStatus::apply`].
    pub call: Call,
    /// The status the call had when the engine read it; a concurrent change is a `Conflict`.
    pub expected_status: CallStatus,
    pub logs: Vec<NewLog>,
    pub webhooks: Vec<NewWebhook>,
    pub transcript: Option<Transcript>,
    pub run: RunChange,
    /// Calls this change creates (a campaign's retry of this call), in the same organization.
    pub new_calls: Vec<Call>,
}

#[derive(Clone, Debug)]
pub enum RunChange {
    /// Leave the run (if any) as it is.
    Keep,
    /// Store the run's new state (creating it if needed), due again at `next_at`.
    Save {
        state: RunState,
        next_at: Timestamp,
        lease: Lease,
    },
    /// The call is no longer on the network: forget its run.
    Finish,
}

/// The sandbox's state per organization (`serve --sandbox`).
#[async_trait]
pub trait SandboxStore: Send + Sync + 'static {
    /// Every organization whose test clock is frozen, with its instant.
    async fn frozen_clocks(&self) -> StoreResult<Vec<(OrgId, Timestamp)>>;
    /// Freezes the organization's clock at `at`, or (`None`) returns it to real time.
    async fn set_frozen_clock(&self, org: OrgId, at: Option<Timestamp>) -> StoreResult<()>;
    /// The faults injected into the organization's webhooks (none by default).
    async fn webhook_faults(&self, org: OrgId) -> StoreResult<WebhookFaults>;
    /// Replaces the organization's webhook faults, or (`None`) clears them.
    async fn set_webhook_faults(
        &self,
        org: OrgId,
        faults: Option<&WebhookFaults>,
    ) -> StoreResult<()>;
}

/// Emptying an organization for the next CI run (`POST /sandbox/reset`).
#[async_trait]
pub trait SandboxResetStore: Send + Sync + 'static {
    /// Deletes the organization's calls (every child row with them, live calls too),
    /// campaigns, exports, idempotency records, webhook deliveries and scenarios, in one
    /// transaction.
    /// With `new_default_agent`, also its use cases, prompts, agents and numbers, and that
    /// agent becomes its default. Members, keys, the webhook secret and the organization stay.
    /// The blobs of what was deleted are the caller's: the answer names them.
    async fn reset_organization(
        &self,
        org: OrgId,
        new_default_agent: Option<&Agent>,
    ) -> StoreResult<OrgReset>;
}

/// What [`SandboxResetStore::reset_organization`] deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgReset {
    /// The deleted calls, whose recordings are to be deleted.
    pub calls: Vec<CallId>,
    /// The deleted exports, whose files are to be deleted.
    pub exports: Vec<ExportId>,
    pub campaigns: u64,
    pub webhook_deliveries: u64,
    pub scenarios: u64,
    pub use_cases: u64,
    pub prompts: u64,
    pub agents: u64,
    pub numbers: u64,
}

/// The sandbox's scenarios: what the simulated far end does (`serve --sandbox`).
#[async_trait]
pub trait ScenarioStore: Send + Sync + 'static {
    async fn insert_scenario(&self, scenario: &Scenario) -> StoreResult<()>;
    async fn get_scenario(&self, org: OrgId, id: ScenarioId) -> StoreResult<Scenario>;
    /// Oldest first.
    async fn list_scenarios(&self, org: OrgId) -> StoreResult<Vec<Scenario>>;
    async fn delete_scenario(&self, org: OrgId, id: ScenarioId) -> StoreResult<Scenario>;
}
