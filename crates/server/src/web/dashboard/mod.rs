//! `/dashboard`: how the calls went over a period of the organization's local days, as
//! SVG charts with their numbers in tables, and each chart as CSV
//! (`/dashboard.csv?chart=...`). The figures are `switchyard_service::dashboard`'s; the
//! usage table is `GET /api/v1/usage`'s for the same days. Everyone in the organization
//! reads it.

mod chart;
mod csv;
mod figures;

use super::error::WebError;
use super::session::Reviewer;
use super::view::{Choice, Me, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use figures::{Figures, format_figures};
use std::collections::BTreeMap;
use switchyard_service::ServiceError;
use switchyard_service::dashboard::{self, DashboardParams, PeriodKind};

/// The query string as sent, read as pairs so that any query string is readable.
type Raw = Vec<(String, String)>;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    me: Option<Me>,
    form: FormView,
    errors: BTreeMap<String, String>,
    figures: Option<Figures>,
}

impl DashboardPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

struct FormView {
    periods: Vec<Choice>,
    use_cases: Vec<Choice>,
    from: String,
    to: String,
}

pub fn params(raw: &Raw) -> DashboardParams {
    let given = |name: &str| {
        raw.iter()
            .find(|(key, value)| key == name && !value.trim().is_empty())
            .map(|(_, value)| value.trim().to_owned())
    };
    DashboardParams {
        period: given("period"),
        from: given("from"),
        to: given("to"),
        use_case_id: given("use_case_id"),
    }
}

/// `GET /dashboard`: the figures, or the form with its field errors (`422`).
pub async fn page(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let params = params(&raw);
    let use_cases = switchyard_service::use_cases::list(&state.services, &reviewer.caller).await?;
    let names: BTreeMap<String, String> = use_cases
        .iter()
        .map(|u| (u.id.to_string(), u.name.clone()))
        .collect();
    let form = FormView {
        periods: Choice::list(
            PeriodKind::ALL.map(|k| (k.as_str().to_owned(), k.label().to_owned())),
            Some(params.period.as_deref().unwrap_or("7d")),
        ),
        use_cases: Choice::list(
            names.iter().map(|(id, name)| (id.clone(), name.clone())),
            params.use_case_id.as_deref(),
        ),
        from: params.from.clone().unwrap_or_default(),
        to: params.to.clone().unwrap_or_default(),
    };
    let mut page = DashboardPage {
        me: Some(reviewer.me()),
        form,
        errors: BTreeMap::new(),
        figures: None,
    };
    match dashboard::dashboard(&state.services, &reviewer.caller, &params).await {
        Ok(figures) => {
            page.figures = Some(format_figures(&figures, &params, &names));
            Ok(render(&page))
        }
        Err(ServiceError::Invalid { errors, .. }) => {
            page.errors = errors.into_iter().map(|e| (e.field, e.message)).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /dashboard.csv?chart=...`: one chart's numbers.
pub async fn csv(
    State(state): State<AppState>,
    reviewer: Reviewer,
    Query(raw): Query<Raw>,
) -> Result<Response, WebError> {
    let chart = raw
        .iter()
        .find(|(key, _)| key == "chart")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let figures = dashboard::dashboard(&state.services, &reviewer.caller, &params(&raw)).await?;
    let Some(body) = csv::chart(chart, &figures) else {
        return Err(ServiceError::invalid_field(
            "chart",
            format!("`{chart}` is not one of: {}", csv::CHARTS.join(", ")),
        )
        .into());
    };
    let filename = format!(
        "attachment; filename=\"dashboard-{chart}-{}-{}.csv\"",
        figures.period.first, figures.period.last
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
