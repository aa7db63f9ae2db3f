// The WHERE clause of `GET /calls` (contract §4), shared by the page, the count and
// `call_position`. Every clause starts from the organization so that the
// (organization_id, <filter>, created_at, id) indexes apply.

use crate::{Backend, ThisStore};
use sqlx::QueryBuilder;
use switchyard_core::id::{CallId, OrgId};
use switchyard_core::enums::SortOrder;
use switchyard_core::call_query::CallFilter;

/// Where a statement and its bound values are written: sqlx's `QueryBuilder`, or the
/// SQLite store's direct reads (crates/store-sqlite/src/reads.rs), so that both run the
/// same SQL.
pub(crate) trait SqlSink {
    fn push(&mut self, sql: &str) -> &mut Self;
    fn push_bind(&mut self, value: impl Into<Bound>) -> &mut Self;
}

/// A value bound to a statement.
pub(crate) enum Bound {
    Text(String),
    Int(i64),
    Bool(bool),
}

impl From<String> for Bound {
    fn from(value: String) -> Bound {
        Bound::Text(value)
    }
}

impl From<&str> for Bound {
    fn from(value: &str) -> Bound {
        Bound::Text(value.to_owned())
    }
}

impl From<i64> for Bound {
    fn from(value: i64) -> Bound {
        Bound::Int(value)
    }
}

impl From<bool> for Bound {
    fn from(value: bool) -> Bound {
        Bound::Bool(value)
    }
}

impl SqlSink for QueryBuilder<'static, crate::Db> {
    fn push(&mut self, sql: &str) -> &mut Self {
        QueryBuilder::push(self, sql)
    }

    fn push_bind(&mut self, value: impl Into<Bound>) -> &mut Self {
        match value.into() {
            Bound::Text(text) => QueryBuilder::push_bind(self, text),
            Bound::Int(int) => QueryBuilder::push_bind(self, int),
            Bound::Bool(boolean) => QueryBuilder::push_bind(self, boolean),
        }
    }
}

/// `value, value, ...` as bound values.
pub(crate) fn push_list(qb: &mut impl SqlSink, values: impl IntoIterator<Item = impl Into<Bound>>) {
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push_bind(value);
    }
}

/// How a `search` finds its calls. Only the SQLite store's listing chooses the trigram
/// index, from the count (store-sqlite/src/reads.rs); PostgreSQL's planner makes that
/// choice itself, its LIKE being the same either way. A needle of fewer than 3 characters
/// has no trigram and is always scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchBy {
    /// The LIKE on each call the statement's index walk reaches: cheap when most calls
    /// match (the walk stops at the page's end), a read of every call when few do.
    Scan,
    /// Led by the calls the FTS5 trigram index holds for the needle, then the LIKE: costs
    /// what those calls do, however many others the organization has, but all the matches
    /// are sorted.
    TrigramsFirst,
    /// The walk of `Scan`, checking each call's rowid against the index's rows (read once)
    /// before reading the call: the calls in between cost an index entry each.
    #[allow(dead_code, reason = "chosen by the SQLite store only")]
    TrigramsInWalk,
}

/// Appends ` WHERE ...` for `filter` on the calls aliased `c`.
pub(crate) fn push_where(qb: &mut impl SqlSink, org: OrgId, filter: &CallFilter) {
    push_where_by(qb, org, filter, SearchBy::Scan);
}

/// `push_where`, with `search` found `by` the given means.
pub(crate) fn push_where_by(
    qb: &mut impl SqlSink,
    org: OrgId,
    filter: &CallFilter,
    by: SearchBy,
) {
    let trigrams = filter.search.as_deref().and_then(|needle| trigram_search(needle, by));
    // Led by the trigram index, the statement must not walk an index of the organization
    // instead (`TrigramsInWalk`, which SQLite's planner prefers): `+` keeps SQLite from
    // using this term for an index, and every index of `calls` but the rowid starts with
    // `organization_id`.
    qb.push(if trigrams.is_some() && by == SearchBy::TrigramsFirst {
        " WHERE +c.organization_id = "
    } else {
        " WHERE c.organization_id = "
    })
    .push_bind(org.to_string());
    if let Some(call_type) = filter.call_type {
        qb.push(" AND c.call_type = ").push_bind(call_type.as_str());
    }
    let statuses = filter.statuses.iter().map(|s| s.as_str().to_owned());
    push_in(qb, " AND c.status", statuses.collect());
    push_in(qb, " AND c.model", filter.models.clone());
    push_in(
        qb,
        " AND c.use_case_id",
        filter.use_cases.iter().map(ToString::to_string).collect(),
    );
    push_in(
        qb,
        " AND c.campaign_id",
        filter.campaigns.iter().map(ToString::to_string).collect(),
    );
    if !filter.tags.is_empty() {
        qb.push(" AND EXISTS (SELECT 1 FROM call_tags t WHERE t.call_id = c.id");
        push_in(qb, " AND t.tag", filter.tags.clone());
        qb.push(")");
    }
    if !filter.ratings.is_empty() {
        qb.push(" AND EXISTS (SELECT 1 FROM call_ratings r WHERE r.call_id = c.id");
        let emojis = filter
            .ratings
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect();
        push_in(qb, " AND r.emoji", emojis);
        qb.push(")");
    }
    if let Some(from) = filter.created_from {
        qb.push(" AND c.created_at >= ").push_bind(from.millis());
    }
    if let Some(to) = filter.created_to {
        qb.push(" AND c.created_at <= ").push_bind(to.millis());
    }
    if let Some((table, query)) = trigrams {
        qb.push(" AND c.rowid IN (SELECT rowid FROM ")
            .push(table)
            .push(" WHERE ")
            .push(table)
            .push(" MATCH ")
            .push_bind(query)
            .push(")");
    }
    if let Some(search) = &filter.search {
        qb.push(" AND c.search_text LIKE ");
        if <ThisStore as Backend>::PLAN_EACH_SEARCH {
            qb.push(&dollar_quoted(&like_pattern(search)));
        } else {
            qb.push_bind(like_pattern(search));
        }
        qb.push(" ESCAPE '\\'");
    }
    if let Some(email) = &filter.transfer_contact_email {
        qb.push(" AND c.transfer_contact_email = ")
            .push_bind(email.to_lowercase());
    }
}

/// `{prefix} IN ($.., $..)`, or nothing for an empty list ("any").
fn push_in(qb: &mut impl SqlSink, prefix: &str, values: Vec<String>) {
    if values.is_empty() {
        return;
    }
    qb.push(prefix).push(" IN (");
    push_list(qb, values);
    qb.push(")");
}

/// Where `search` is found `by` the FTS5 trigram index (migration 0015): its table and the
/// query of the needle's trigrams. `None` without the index, for `Scan`, or for a
/// needle of fewer than 3 characters, which has no trigram. The index only narrows: it
/// finds the rows holding every trigram of the needle, anywhere, and the LIKE that defines
/// `search` keeps those that contain it.
pub(crate) fn trigram_search(needle: &str, by: SearchBy) -> Option<(&'static str, String)> {
    let table = <ThisStore as Backend>::SEARCH_TRIGRAMS.filter(|_| by != SearchBy::Scan)?;
    Some((table, trigram_query(&needle.to_lowercase())?))
}

/// Most trigrams of a needle put in its FTS5 query: each one more narrows less, and costs a
/// walk of its list of rows.
const MAX_TRIGRAMS: usize = 8;

/// The FTS5 query "every trigram of `needle`" (each a quoted string, `"` doubled), or `None`
/// for a needle of fewer than 3 characters, which has none and is left to the scan.
fn trigram_query(needle: &str) -> Option<String> {
    let chars: Vec<char> = needle.chars().collect();
    let mut trigrams: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
    trigrams.sort_unstable();
    trigrams.dedup();
    if trigrams.is_empty() {
        return None;
    }
    let step = trigrams.len().div_ceil(MAX_TRIGRAMS);
    let terms: Vec<String> = trigrams
        .iter()
        .step_by(step)
        .map(|trigram| format!("\"{}\"", trigram.replace('"', "\"\"")))
        .collect();
    Some(terms.join(" "))
}

/// `text` as a PostgreSQL dollar-quoted literal, `$s$text$s$` with a tag that does not occur
/// in `text` followed by the tag: no character in it is special, whatever the server's
/// settings (`standard_conforming_strings`).
fn dollar_quoted(text: &str) -> String {
    let mut tag = String::from("$s$");
    let mut n = 0;
    while format!("{text}{tag}").find(&tag) != Some(text.len()) {
        n += 1;
        tag = format!("$s{n}$");
    }
    format!("{tag}{text}{tag}")
}

/// `%needle%`, lowercased (`search_text` is), with the LIKE wildcards escaped.
fn like_pattern(needle: &str) -> String {
    let mut pattern = String::from("%");
    for ch in needle.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

pub(crate) fn order_by(sort: SortOrder) -> &'static str {
    match sort {
        SortOrder::Asc => " ORDER BY c.created_at ASC, c.id ASC",
        SortOrder::Desc => " ORDER BY c.created_at DESC, c.id DESC",
    }
}

/// Appends the condition "sorts strictly before the call created at `created` with `id`".
pub(crate) fn push_before(qb: &mut impl SqlSink, sort: SortOrder, created: i64, id: CallId) {
    let cmp = match sort {
        SortOrder::Asc => " < ",
        SortOrder::Desc => " > ",
    };
    qb.push(" AND (c.created_at").push(cmp).push_bind(created);
    qb.push(" OR (c.created_at = ").push_bind(created);
    qb.push(" AND c.id")
        .push(cmp)
        .push_bind(id.to_string())
        .push("))");
}
