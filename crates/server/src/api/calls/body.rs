//! Calls go out as the JSON the store made of them ([`CallJson`]): written into the
//! response as they are, not passed through serde again (which would parse each one to
//! check it).

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchyard_core::call_json::CallJson;

/// One call as the response body.
pub struct CallBody(pub CallJson);

impl IntoResponse for CallBody {
    fn into_response(self) -> Response {
        json_response(self.0.into_bytes())
    }
}

/// `{"calls":[...],` then `rest`'s fields: a page of calls with what describes it (`rest`
/// serializes to an object with at least one field, and without the calls).
pub fn page_body(calls: &[CallJson], rest: &impl Serialize) -> Response {
    let rest = match serde_json::to_string(rest) {
        Ok(rest) => rest,
        Err(error) => {
            let error = format!("writing a page of calls: {error}");
            return crate::error::ApiError::Internal(error.into()).into_response();
        }
    };
    let size = calls
        .iter()
        .map(|call| call.as_bytes().len() + 1)
        .sum::<usize>();
    let mut body = Vec::with_capacity(size + rest.len() + 16);
    body.extend_from_slice(br#"{"calls":["#);
    for (i, call) in calls.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(call.as_bytes());
    }
    // `rest` is an object with fields: its `{` becomes the comma after the calls.
    body.extend_from_slice(b"],");
    body.extend_from_slice(&rest.as_bytes()[1..]);
    json_response(body)
}

fn json_response(body: Vec<u8>) -> Response {
    ([(CONTENT_TYPE, "application/json")], body).into_response()
}
