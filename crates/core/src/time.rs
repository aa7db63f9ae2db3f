//! Timestamps in the contract's format and the injectable clock.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::sync::Mutex;

/// A UTC instant with millisecond precision. On the wire: RFC 3339 with `Z`, whole seconds
/// (`2024-01-01T01:01:01Z`); on input any RFC 3339 offset and fractional seconds are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn from_millis(millis: i64) -> Timestamp {
        Timestamp(
            Utc.timestamp_millis_opt(millis)
                .single()
                .unwrap_or_default(),
        )
    }

    pub fn from_datetime(at: DateTime<Utc>) -> Timestamp {
        Timestamp::from_millis(at.timestamp_millis())
    }

    /// An instant a request names: RFC 3339, in the years [`YEARS`] allow.
    pub fn parse(text: &str) -> Result<Timestamp, TimeInputError> {
        let at = DateTime::parse_from_rfc3339(text)
            .map_err(|_| TimeInputError::NotTimestamp(shown(text)))?
            .with_timezone(&Utc);
        in_years(text, at.date_naive())?;
        Ok(Timestamp::from_datetime(at))
    }

    pub fn millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn unix_seconds(self) -> i64 {
        self.0.timestamp()
    }

    pub fn datetime(self) -> DateTime<Utc> {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        self.plus_millis(seconds.saturating_mul(1000))
    }

    pub fn plus_millis(self, millis: i64) -> Timestamp {
        Timestamp::from_millis(self.millis().saturating_add(millis))
    }
}

/// The years a date or time in a request may fall in. Dates outside them mean nothing to
/// a call-operations server, and arithmetic near chrono's own limits (±262,142) panics:
/// `GET /usage?end=+262142-12-31` was a `500` before every date was checked here.
pub const YEARS: std::ops::RangeInclusive<i32> = 1970..=9999;

/// Why a date or time from a request was refused; the text quoted is cut to 40 characters.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeInputError {
    #[error("`{0}` is not an RFC 3339 timestamp like 2024-01-01T01:01:01Z")]
    NotTimestamp(String),
    #[error("`{0}` is not a date like 2024-01-31 (YYYY-MM-DD)")]
    NotDate(String),
    #[error("`{0}` is neither an RFC 3339 timestamp nor a YYYY-MM-DD date")]
    NotTimestampNorDate(String),
    #[error("`{0}` is outside the years 1970 to 9999")]
    OutOfRange(String),
}

/// A bound of a date range in a request (`from`, `to`, `start`, `end`): an instant, or a
/// whole day whose zone the caller decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstantOrDate {
    Instant(Timestamp),
    Date(NaiveDate),
}

impl InstantOrDate {
    /// RFC 3339, else `YYYY-MM-DD`; either in the years [`YEARS`] allow.
    pub fn parse(text: &str) -> Result<InstantOrDate, TimeInputError> {
        let text = text.trim();
        match (Timestamp::parse(text), parse_date(text)) {
            (Ok(at), _) => Ok(InstantOrDate::Instant(at)),
            (_, Ok(date)) => Ok(InstantOrDate::Date(date)),
            (Err(out @ TimeInputError::OutOfRange(_)), _)
            | (_, Err(out @ TimeInputError::OutOfRange(_))) => Err(out),
            _ => Err(TimeInputError::NotTimestampNorDate(shown(text))),
        }
    }
}

/// A calendar date from a request, `YYYY-MM-DD`, in the years [`YEARS`] allow.
pub fn parse_date(text: &str) -> Result<NaiveDate, TimeInputError> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| TimeInputError::NotDate(shown(text)))?;
    in_years(text, date)
}

/// `date` (read from `text`) if its year is one [`YEARS`] allows.
pub fn in_years(text: &str, date: NaiveDate) -> Result<NaiveDate, TimeInputError> {
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(TimeInputError::OutOfRange(shown(text)))
    }
}

fn shown(text: &str) -> String {
    text.chars().take(40).collect()
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// On the wire: RFC 3339 in UTC, whole seconds, `Z` (inputs may carry any offset).
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .description(Some(
                "RFC 3339; answers are UTC with whole seconds (`2024-01-01T01:01:01Z`), requests may use any offset and fractions",
            ))
            .examples([serde_json::json!("2024-01-01T01:01:01Z")])
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

/// `#[serde(with = "millis")]`: a timestamp as integer milliseconds, for internal state
/// that must keep sub-second precision (the wire format has whole seconds).
pub mod millis {
    use super::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(at.millis())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        i64::deserialize(d).map(Timestamp::from_millis)
    }

    /// The same for `Option<Timestamp>`.
    pub mod option {
        use super::Timestamp;
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(at: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => s.serialize_some(&at.millis()),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            Ok(Option::<i64>::deserialize(d)?.map(Timestamp::from_millis))
        }
    }
}

/// Where time comes from. The server uses [`SystemClock`]; tests inject a [`ManualClock`]
/// so that nothing time-dependent needs a sleep.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(Utc::now())
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    pub fn set(&self, to: Timestamp) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }

    pub fn advance_seconds(&self, seconds: i64) {
        self.advance_millis(seconds.saturating_mul(1000));
    }

    pub fn advance_millis(&self, millis: i64) {
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now = now.plus_millis(millis);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_whole_seconds_with_z() {
        let t = Timestamp::parse("2024-01-01T02:01:01.250+01:00").unwrap();
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2024-01-01T01:01:01Z\""
        );
        assert_eq!(Timestamp::from_millis(t.millis()), t);
    }

    #[test]
    fn requests_name_only_the_years_1970_to_9999() {
        assert!(Timestamp::parse("1970-01-01T00:00:00Z").is_ok());
        assert!(Timestamp::parse("9999-12-31T23:59:59.999Z").is_ok());
        assert_eq!(
            Timestamp::parse("1969-12-31T23:59:59Z"),
            Err(TimeInputError::OutOfRange("1969-12-31T23:59:59Z".into()))
        );
        assert!(matches!(
            Timestamp::parse("9999-12-31T23:59:59-01:00"),
            Err(TimeInputError::OutOfRange(_))
        ));
        assert!(parse_date("2024-02-29").is_ok());
        for bad in ["+262142-12-31", "-0001-01-01", "10000-01-01", "0000-01-01"] {
            assert!(
                matches!(
                    parse_date(bad),
                    Err(TimeInputError::OutOfRange(_) | TimeInputError::NotDate(_))
                ),
                "{bad}"
            );
        }
        assert_eq!(
            parse_date("2024-02-30"),
            Err(TimeInputError::NotDate("2024-02-30".into()))
        );
    }

    proptest::proptest! {
        /// Whatever the text, parsing never panics, and what it accepts is in range and
        /// survives a day's arithmetic either way.
        #[test]
        fn parsing_any_date_text_is_total(
            year in proptest::prop_oneof![-300_000i64..300_000, 1960i64..10_050],
            month in 0u32..14,
            day in 0u32..33,
            sign in proptest::prop_oneof![proptest::strategy::Just(""), proptest::strategy::Just("+"), proptest::strategy::Just("-")],
        ) {
            let text = format!("{sign}{year:04}-{month:02}-{day:02}");
            if let Ok(date) = parse_date(&text) {
                proptest::prop_assert!(YEARS.contains(&date.year()));
                let _ = date + chrono::Days::new(1) - chrono::Days::new(366);
            }
            let stamp = format!("{text}T12:00:00Z");
            if let Ok(at) = Timestamp::parse(&stamp) {
                proptest::prop_assert!(YEARS.contains(&at.datetime().year()));
            }
        }
    }
}
