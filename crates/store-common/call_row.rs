// How a Call is laid out in the `calls` table, and multi-row inserts.
//
// `call_columns` is the ONE place that derives the indexed columns from a Call: every
// write of a call row goes through it. `doc` holds the Call without `notes`, `ratings` and
// `viewed_by` (those live in child tables) and is what reads deserialize;
// `doc_child_places` says where in `doc` those go, so the API can send a call without
// parsing it (crates/core/src/call_json.rs).

use crate::support::{Conn, OrBackend, backend, from_json};
use serde::Serialize;
use serde::ser::{Impossible, SerializeStruct};
use sqlx::QueryBuilder;
use std::cell::Cell;
use switchyard_core::call::Call;
use switchyard_core::call_json::ChildPlaces;
use switchyard_core::dashboard;
use switchyard_core::store::StoreResult;

/// The Call keys kept in child tables instead of `doc`.
const CHILD_KEYS: [&str; 3] = ["notes", "ratings", "viewed_by"];

/// Bind parameters per statement for multi-row inserts: well below the limits of both
/// backends (SQLite 32766, PostgreSQL 65535), and about 200 call rows.
const MAX_BINDS: usize = 3000;

/// A value for one column.
#[derive(Clone)]
pub(crate) enum Col {
    Text(String),
    MaybeText(Option<String>),
    Int(i64),
    MaybeInt(Option<i64>),
    MaybeFloat(Option<f64>),
    Bool(bool),
}

pub(crate) fn push_col(qb: &mut QueryBuilder<'static, crate::Db>, col: Col) {
    match col {
        Col::Text(v) => qb.push_bind(v),
        Col::MaybeText(v) => qb.push_bind(v),
        Col::Int(v) => qb.push_bind(v),
        Col::MaybeInt(v) => qb.push_bind(v),
        Col::MaybeFloat(v) => qb.push_bind(v),
        Col::Bool(v) => qb.push_bind(v),
    };
}

/// The `calls` row of `call`, column by column, `id` and `organization_id` first.
pub(crate) fn call_columns(call: &Call) -> StoreResult<Vec<(&'static str, Col)>> {
    let (doc, places) = call_doc(call)?;
    Ok(vec![
        ("id", Col::Text(call.id.to_string())),
        (
            "organization_id",
            Col::Text(call.organization_id.to_string()),
        ),
        ("created_at", Col::Int(call.created.millis())),
        ("call_type", Col::Text(call.call_type.as_str().to_owned())),
        ("status", Col::Text(call.status.as_str().to_owned())),
        ("use_case_id", Col::Text(call.use_case.id.to_string())),
        ("model", Col::Text(call.use_case.model.clone())),
        ("campaign_id", Col::MaybeText(call.campaign_id.map(|id| id.to_string()))),
        ("from_number", Col::Text(call.metadata.from.clone())),
        ("to_number", Col::Text(call.metadata.to.clone())),
        (
            "transfer_contact_email",
            Col::MaybeText(
                call.transfer_contact_email
                    .as_ref()
                    .map(|e| e.to_lowercase()),
            ),
        ),
        ("parent_call_id", Col::MaybeText(call.parent_call_id.map(|id| id.to_string()))),
        (
            "scheduled_for",
            Col::MaybeInt(call.scheduled_for.map(|t| t.millis())),
        ),
        ("search_text", Col::Text(call.search_text())),
        ("duration_secs", Col::MaybeFloat(call.duration)),
        // What the dashboard's rollup triggers read (migration 0014).
        ("end_reason", Col::MaybeText(call.end_reason.map(|r| r.as_str().to_owned()))),
        (
            "telephony_micros",
            Col::MaybeInt(call.costs.as_ref().map(|c| dashboard::micros(c.telephony))),
        ),
        (
            "ai_micros",
            Col::MaybeInt(call.costs.as_ref().map(|c| dashboard::micros(c.ai))),
        ),
        ("talk_bin", Col::MaybeInt(dashboard::talk_bin(call))),
        ("doc", Col::Text(doc)),
        ("doc_child_places", Col::Text(places.to_column())),
    ])
}

/// The call's `doc`, and where its children go in it.
fn call_doc(call: &Call) -> StoreResult<(String, ChildPlaces)> {
    let positions = Positions::default();
    let mut serializer = serde_json::Serializer::new(Counted {
        out: Vec::with_capacity(4096),
        positions: &positions,
    });
    call.serialize(WithoutChildren {
        inner: &mut serializer,
        positions: &positions,
    })
    .map_err(backend)?;
    let doc = String::from_utf8(serializer.into_inner().out).map_err(backend)?;
    let [notes, ratings, viewed_by] = positions.children.get();
    let places = ChildPlaces::new(&doc, viewed_by, notes, ratings);
    Ok((doc, places))
}

/// How long the doc is so far, and where each left-out child would have gone (by its
/// `CHILD_KEYS` index).
#[derive(Default)]
struct Positions {
    written: Cell<usize>,
    children: Cell<[usize; CHILD_KEYS.len()]>,
}

/// The doc being written, counted into `positions`.
struct Counted<'a> {
    out: Vec<u8>,
    positions: &'a Positions,
}

impl std::io::Write for Counted<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.out.extend_from_slice(bytes);
        self.positions.written.set(self.out.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Serializes a struct without its `CHILD_KEYS` fields, straight to the inner serializer:
/// a third of the cost of going through a `serde_json::Value` and removing them there
/// (every write of a call pays it). Only structs get through: a Call is one. Where each
/// left-out field would have been written goes into `positions`.
struct WithoutChildren<'a, S> {
    inner: S,
    positions: &'a Positions,
}

struct WithoutChildrenFields<'a, S> {
    inner: S,
    positions: &'a Positions,
}

macro_rules! not_a_struct {
    ($($method:ident($($arg:ty),*)),* $(,)?) => {
        $(fn $method(self, $(_: $arg),*) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("only a struct can leave out fields"))
        })*
    };
}

impl<'a, S: serde::Serializer> serde::Serializer for WithoutChildren<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Impossible<S::Ok, S::Error>;
    type SerializeTuple = Impossible<S::Ok, S::Error>;
    type SerializeTupleStruct = Impossible<S::Ok, S::Error>;
    type SerializeTupleVariant = Impossible<S::Ok, S::Error>;
    type SerializeMap = Impossible<S::Ok, S::Error>;
    type SerializeStruct = WithoutChildrenFields<'a, S::SerializeStruct>;
    type SerializeStructVariant = Impossible<S::Ok, S::Error>;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(WithoutChildrenFields {
            inner: self.inner.serialize_struct(name, len)?,
            positions: self.positions,
        })
    }

    not_a_struct!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_none(),
        serialize_unit(),
        serialize_unit_struct(&'static str),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Err(serde::ser::Error::custom("only a struct can leave out fields"))
    }
}

impl<S: SerializeStruct> SerializeStruct for WithoutChildrenFields<'_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        if let Some(child) = CHILD_KEYS.iter().position(|child| *child == key) {
            let mut children = self.positions.children.get();
            children[child] = self.positions.written.get();
            self.positions.children.set(children);
            return Ok(());
        }
        self.inner.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

/// The Call in `doc`, with empty child lists (absent from the doc) for the caller to fill.
pub(crate) fn call_from_doc(doc: &str) -> StoreResult<Call> {
    from_json(doc)
}

/// `INSERT INTO {table} ({columns}) VALUES (...), (...) {suffix}` in as many statements as
/// the bind limit needs. Run it inside a transaction so that it is all or nothing. Rows are
/// made as they are needed: the next statement is built while the database runs the
/// current one (on SQLite its own thread does), which overlaps serializing calls with
/// writing them.
pub(crate) async fn insert_rows<I>(
    conn: &mut Conn,
    table: &str,
    columns: &[&str],
    rows: I,
    suffix: &str,
) -> StoreResult<()>
where
    I: IntoIterator<Item = StoreResult<Vec<Col>>>,
    I::IntoIter: Send,
{
    let per_statement = (MAX_BINDS / columns.len().max(1)).max(1);
    let mut rows = rows.into_iter();
    let mut current = statement(table, columns, &mut rows, per_statement, suffix)?;
    while let Some(mut qb) = current.take() {
        let mut execution = std::pin::pin!(qb.build().execute(&mut *conn));
        // Started (handed to the database), then the next statement is built meanwhile.
        let started =
            std::future::poll_fn(|cx| std::task::Poll::Ready(execution.as_mut().poll(cx))).await;
        let following = statement(table, columns, &mut rows, per_statement, suffix);
        match started {
            std::task::Poll::Ready(done) => done,
            std::task::Poll::Pending => execution.await,
        }
        .db()?;
        current = following?;
    }
    Ok(())
}

/// The next statement of [`insert_rows`], or `None` when no row is left.
fn statement(
    table: &str,
    columns: &[&str],
    rows: &mut impl Iterator<Item = StoreResult<Vec<Col>>>,
    per_statement: usize,
    suffix: &str,
) -> StoreResult<Option<QueryBuilder<'static, crate::Db>>> {
    let mut qb: Option<QueryBuilder<'static, crate::Db>> = None;
    for row in rows.by_ref().take(per_statement) {
        let row = row?;
        let qb = match qb.as_mut() {
            Some(qb) => {
                qb.push(", (");
                qb
            }
            None => qb.insert(QueryBuilder::new(format!(
                "INSERT INTO {table} ({}) VALUES (",
                columns.join(", ")
            ))),
        };
        for (j, col) in row.into_iter().enumerate() {
            if j > 0 {
                qb.push(", ");
            }
            push_col(qb, col);
        }
        qb.push(")");
    }
    Ok(qb.map(|mut qb| {
        qb.push(" ").push(suffix);
        qb
    }))
}

/// Rewrites the row of `call` if its stored status is still `old` (compare-and-set);
/// `false` if it is not (unknown call, other organization, or a concurrent change).
pub(crate) async fn update_call(conn: &mut Conn, call: &Call, old: &str) -> StoreResult<bool> {
    let mut qb = QueryBuilder::new("UPDATE calls SET ");
    let mut first = true;
    for (name, col) in call_columns(call)? {
        if name == "id" || name == "organization_id" {
            continue;
        }
        if !first {
            qb.push(", ");
        }
        first = false;
        qb.push(name).push(" = ");
        push_col(&mut qb, col);
    }
    qb.push(" WHERE id = ").push_bind(call.id.to_string());
    qb.push(" AND organization_id = ")
        .push_bind(call.organization_id.to_string());
    qb.push(" AND status = ").push_bind(old.to_owned());
    let done = qb.build().execute(&mut *conn).await.db()?;
    Ok(done.rows_affected() > 0)
}
