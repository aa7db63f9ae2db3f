// The WHERE clause of `GET /calls` (contract §4), shared by the page, the count and
// `call_position`. Every clause starts from the organization so that the
// (organization_id, <filter>, created_at, id) indexes apply.

use sqlx::QueryBuilder;
use switchyard_core::Id;
use switchyard_core::enums::SortOrder;
use switchyard_core::store::CallFilter;

type Qb = QueryBuilder<'static, crate::Db>;

/// Appends ` WHERE ...` for `filter` on the calls aliased `c`.
pub(crate) fn push_where(qb: &mut Qb, org: Id, filter: &CallFilter) {
    qb.push(" WHERE c.organization_id = ")
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
        filter.use_cases.iter().map(Id::to_string).collect(),
    );
    push_in(
        qb,
        " AND c.campaign_id",
        filter.campaigns.iter().map(Id::to_string).collect(),
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
    if let Some(search) = &filter.search {
        qb.push(" AND c.search_text LIKE ")
            .push_bind(like_pattern(search));
        qb.push(" ESCAPE '\\'");
    }
    if let Some(email) = &filter.transfer_contact_email {
        qb.push(" AND c.transfer_contact_email = ")
            .push_bind(email.to_lowercase());
    }
}

/// `{prefix} IN ($.., $..)`, or nothing for an empty list ("any").
fn push_in(qb: &mut Qb, prefix: &str, values: Vec<String>) {
    if values.is_empty() {
        return;
    }
    qb.push(prefix).push(" IN (");
    let mut list = qb.separated(", ");
    for value in values {
        list.push_bind(value);
    }
    qb.push(")");
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
pub(crate) fn push_before(qb: &mut Qb, sort: SortOrder, created: i64, id: Id) {
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
