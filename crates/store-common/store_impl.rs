// `impl Store` for the backend's store type: each method forwards to its resource module.

#[async_trait::async_trait]
impl switchyard_core::store::Store for ThisStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(self.reader()).await.db()?;
        Ok(())
    }

    async fn create_organization(
        &self,
        org: &Organization,
        default_agent: &Agent,
        owner: &Member,
        key: &ApiKeyRecord,
    ) -> StoreResult<()> {
        orgs_keys::create_organization(self, org, default_agent, owner, key).await
    }
    async fn get_organization(&self, org: Id) -> StoreResult<Organization> {
        orgs_keys::get_organization(self, org).await
    }
    async fn find_organization_by_name(&self, name: &str) -> StoreResult<Option<Organization>> {
        orgs_keys::find_organization_by_name(self, name).await
    }
    async fn list_members(&self, org: Id) -> StoreResult<Vec<Member>> {
        orgs_keys::list_members(self, org).await
    }
    async fn upsert_member(&self, org: Id, member: &Member) -> StoreResult<()> {
        orgs_keys::upsert_member(self, org, member).await
    }
    async fn remove_member(&self, org: Id, email: &str) -> StoreResult<()> {
        orgs_keys::remove_member(self, org, email).await
    }
    async fn create_api_key(&self, key: &ApiKeyRecord, role: Role) -> StoreResult<()> {
        orgs_keys::create_api_key(self, key, role).await
    }
    async fn find_api_key(&self, prefix: &str) -> StoreResult<Option<KeyOwner>> {
        crate::reads::find_api_key(self, prefix).await
    }
    async fn revoke_api_key(&self, prefix: &str, now: Timestamp) -> StoreResult<bool> {
        orgs_keys::revoke_api_key(self, prefix, now).await
    }
    async fn create_session(&self, session: &WebSession) -> StoreResult<()> {
        sessions::create_session(self, session).await
    }
    async fn find_session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(WebSession, KeyOwner)>> {
        sessions::find_session(self, token_hash, now).await
    }
    async fn delete_session(&self, token_hash: &str) -> StoreResult<bool> {
        sessions::delete_session(self, token_hash).await
    }

    async fn insert_use_case(&self, use_case: &UseCase) -> StoreResult<()> {
        agents::insert_use_case(self, use_case).await
    }
    async fn get_use_case(&self, org: Id, id: Id) -> StoreResult<UseCase> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::get(&mut conn, "use_cases", org, id).await
    }
    async fn list_use_cases(&self, org: Id) -> StoreResult<Vec<UseCase>> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::list(&mut conn, "use_cases", org).await
    }
    async fn update_use_case(&self, use_case: &UseCase) -> StoreResult<()> {
        agents::update_use_case(self, use_case).await
    }
    async fn delete_use_case(&self, org: Id, id: Id) -> StoreResult<UseCase> {
        agents::delete_use_case(self, org, id).await
    }

    async fn insert_agent(&self, agent: &Agent) -> StoreResult<()> {
        agents::insert_agent(self, agent).await
    }
    async fn get_agent(&self, org: Id, id: Id) -> StoreResult<Agent> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::get(&mut conn, "agents", org, id).await
    }
    async fn list_agents(&self, org: Id) -> StoreResult<Vec<Agent>> {
        let mut conn = self.reader().acquire().await.db()?;
        docs::list(&mut conn, "agents", org).await
    }
    async fn update_agent(&self, agent: &Agent) -> StoreResult<()> {
        agents::update_agent(self, agent).await
    }
    async fn delete_agent(&self, org: Id, id: Id) -> StoreResult<Agent> {
        agents::delete_agent(self, org, id).await
    }

    async fn insert_number(&self, number: &Number) -> StoreResult<()> {
        numbers::insert_number(self, number).await
    }
    async fn find_number(&self, e164: &str) -> StoreResult<Option<Number>> {
        numbers::find_number(self, e164).await
    }
    async fn get_number(&self, org: Id, id: Id) -> StoreResult<Number> {
        numbers::get_number(self, org, id).await
    }
    async fn list_numbers(&self, org: Id) -> StoreResult<Vec<Number>> {
        let mut conn = self.reader().acquire().await.db()?;
        numbers::list(&mut conn, org).await
    }
    async fn update_number(&self, number: &Number) -> StoreResult<()> {
        numbers::update_number(self, number).await
    }
    async fn delete_number(&self, org: Id, id: Id) -> StoreResult<Number> {
        numbers::delete_number(self, org, id).await
    }

    async fn insert_calls(
        &self,
        org: Id,
        calls: &[Call],
        campaign: Option<&Campaign>,
        idempotency: Option<&IdempotencyRecord>,
    ) -> StoreResult<()> {
        calls_write::insert_calls(self, org, calls, campaign, idempotency).await
    }
    async fn find_idempotency(&self, org: Id, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        calls_write::find_idempotency(self, org, key).await
    }
    async fn delete_idempotency(&self, org: Id, key: &str) -> StoreResult<()> {
        calls_write::delete_idempotency(self, org, key).await
    }
    async fn get_campaign(&self, org: Id, id: Id) -> StoreResult<Campaign> {
        calls_write::get_campaign(self, org, id).await
    }

    async fn get_call(&self, org: Id, id: Id) -> StoreResult<Call> {
        crate::reads::get_call(self, org, id).await
    }
    async fn list_calls(&self, org: Id, query: &CallQuery) -> StoreResult<CallList> {
        crate::reads::list_calls(self, org, query).await
    }
    async fn get_call_json(&self, org: Id, id: Id) -> StoreResult<CallJson> {
        crate::reads::get_call(self, org, id).await
    }
    async fn list_calls_json(&self, org: Id, query: &CallQuery) -> StoreResult<CallList<CallJson>> {
        crate::reads::list_calls(self, org, query).await
    }
    async fn call_position(
        &self,
        org: Id,
        filter: &CallFilter,
        sort: SortOrder,
        call: Id,
    ) -> StoreResult<Option<u64>> {
        calls_read::call_position(self, org, filter, sort, call).await
    }
    async fn call_tags(&self, org: Id) -> StoreResult<Vec<String>> {
        calls_read::call_tags(self, org).await
    }
    async fn delete_call(&self, org: Id, id: Id) -> StoreResult<Call> {
        calls_write::delete_call(self, org, id).await
    }

    async fn add_note(&self, org: Id, call: Id, note: &Note) -> StoreResult<CallJson> {
        self.review_write(org, call, ReviewWrite::AddNote(note.clone()))
            .await
    }
    async fn update_note(
        &self,
        org: Id,
        call: Id,
        note: Id,
        author: &NoteAuthor,
        patch: &NotePatch,
        now: Timestamp,
    ) -> StoreResult<CallJson> {
        let write = ReviewWrite::UpdateNote {
            note,
            author: author.clone(),
            patch: patch.clone(),
            now,
        };
        self.review_write(org, call, write).await
    }
    async fn delete_note(
        &self,
        org: Id,
        call: Id,
        note: Id,
        author: &NoteAuthor,
    ) -> StoreResult<CallJson> {
        let write = ReviewWrite::DeleteNote {
            note,
            author: author.clone(),
        };
        self.review_write(org, call, write).await
    }
    async fn mark_viewed(
        &self,
        org: Id,
        call: Id,
        email: &str,
        now: Timestamp,
    ) -> StoreResult<CallJson> {
        let email = email.to_owned();
        self.review_write(org, call, ReviewWrite::MarkViewed { email, now })
            .await
    }
    async fn add_rating(&self, org: Id, call: Id, rating: &Rating) -> StoreResult<CallJson> {
        self.review_write(org, call, ReviewWrite::AddRating(rating.clone()))
            .await
    }
    async fn remove_rating(
        &self,
        org: Id,
        call: Id,
        emoji: Emoji,
        email: &str,
    ) -> StoreResult<CallJson> {
        let email = email.to_owned();
        self.review_write(org, call, ReviewWrite::RemoveRating { emoji, email })
            .await
    }

    async fn due_scheduled_calls(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<Call>> {
        engine_calls::due_scheduled_calls(self, now, limit).await
    }
    async fn queued_calls(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<Call>> {
        engine_calls::queued_calls(self, now, limit).await
    }
    async fn defer_call(&self, org: Id, call: Id, until: Timestamp) -> StoreResult<()> {
        engine_calls::defer_call(self, org, call, until).await
    }
    async fn claim_calls(
        &self,
        calls: &[(Id, Id)],
        per_org_limit: u32,
        lease: &Lease,
        now: Timestamp,
    ) -> StoreResult<Vec<Call>> {
        engine_calls::claim_calls(self, calls, per_org_limit, lease, now).await
    }
    async fn claim_due_runs(
        &self,
        now: Timestamp,
        lease: &Lease,
        limit: u32,
    ) -> StoreResult<Vec<(CallRun, Call)>> {
        engine_calls::claim_due_runs(self, now, lease, limit).await
    }
    async fn wait_for_work(&self) {
        ThisStore::wait_for_work(self).await
    }
    async fn expire_leases(&self) -> StoreResult<()> {
        engine_calls::expire_leases(self).await
    }
    async fn save_call_progress(&self, progress: CallProgress) -> StoreResult<Call> {
        engine_calls::save_call_progress(self, progress).await
    }
    async fn save_progress_batch(&self, batch: Vec<CallProgress>) -> StoreResult<Vec<bool>> {
        engine_calls::save_progress_batch(self, batch).await
    }
    async fn bulk_insert_calls(
        &self,
        org: Id,
        calls: &[Call],
        transcripts: Vec<TranscriptJson>,
    ) -> StoreResult<()> {
        calls_write::bulk_insert_calls(self, org, calls, transcripts).await
    }
    async fn get_transcript(&self, org: Id, call: Id) -> StoreResult<Transcript> {
        engine_calls::get_transcript(self, org, call).await
    }
    async fn call_logs(&self, org: Id, call: Id) -> StoreResult<Vec<LogEntry>> {
        engine_calls::call_logs(self, org, call).await
    }
    async fn append_call_logs(&self, org: Id, call: Id, logs: &[NewLog]) -> StoreResult<()> {
        engine_calls::append_call_logs(self, org, call, logs).await
    }
    async fn claim_webhooks(
        &self,
        now: Timestamp,
        lease: &Lease,
        limit: u32,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        engine_outbox::claim_webhooks(self, now, lease, limit).await
    }
    async fn finish_webhook_attempt(
        &self,
        delivery: &WebhookDelivery,
        outcome: &WebhookOutcome,
        log: &NewLog,
    ) -> StoreResult<()> {
        engine_outbox::finish_webhook_attempt(self, delivery, outcome, log).await
    }
    async fn call_status_counts(&self) -> StoreResult<Vec<(CallStatus, u64)>> {
        calls_read::status_counts(self).await
    }
    fn pool_stats(&self) -> PoolStats {
        ThisStore::pool_stats(self)
    }
    async fn webhook_backlog(&self) -> StoreResult<u64> {
        engine_outbox::webhook_backlog(self).await
    }
    async fn server_secret(
        &self,
        name: &str,
        generate: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        engine_outbox::secret(self, name, generate).await
    }
    async fn webhook_secret(
        &self,
        org: Id,
        generate: &(dyn Fn() -> String + Send + Sync),
    ) -> StoreResult<String> {
        engine_outbox::secret(self, &engine_outbox::webhook_secret_name(org), generate).await
    }

    async fn usage_buckets(
        &self,
        org: Id,
        from: Timestamp,
        to: Timestamp,
        bucket_secs: i64,
    ) -> StoreResult<Vec<UsageBucket>> {
        usage::usage_buckets(self, org, from, to, bucket_secs).await
    }
    async fn usage_by_use_case(
        &self,
        org: Id,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<UseCaseUsage>> {
        usage::usage_by_use_case(self, org, from, to).await
    }
    async fn set_organization_timezone(&self, org: Id, timezone: &str) -> StoreResult<()> {
        usage::set_organization_timezone(self, org, timezone).await
    }

    async fn insert_export(&self, export: &Export) -> StoreResult<()> {
        exports::insert_export(self, export).await
    }
    async fn get_export(&self, org: Id, id: Id) -> StoreResult<Export> {
        exports::get_export(self, org, id).await
    }
    async fn claim_export(&self, now: Timestamp, lease: &Lease) -> StoreResult<Option<Export>> {
        exports::claim_export(self, now, lease).await
    }
    async fn renew_export_lease(&self, org: Id, id: Id, lease: &Lease) -> StoreResult<bool> {
        exports::renew_export_lease(self, org, id, lease).await
    }
    async fn save_export(&self, export: &Export, owner: &str) -> StoreResult<bool> {
        exports::save_export(self, export, owner).await
    }
    async fn finished_exports(&self, before: Timestamp, limit: u32) -> StoreResult<Vec<Export>> {
        exports::finished_exports(self, before, limit).await
    }
    async fn delete_export(&self, org: Id, id: Id) -> StoreResult<()> {
        exports::delete_export(self, org, id).await
    }
    async fn calls_after(
        &self,
        org: Id,
        filter: &CallFilter,
        sort: SortOrder,
        after: Option<(Timestamp, Id)>,
        limit: u32,
    ) -> StoreResult<Vec<Call>> {
        exports::calls_after(self, org, filter, sort, after, limit).await
    }
    async fn extraction_keys(&self, org: Id, filter: &CallFilter) -> StoreResult<Vec<String>> {
        exports::extraction_keys(self, org, filter).await
    }
}
