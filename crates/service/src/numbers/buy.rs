//! Buying a number from the simulated telephone network: a random line in the requested
//! North American area code. The database's uniqueness on the number is what makes two
//! buyers never get the same line; a collision just means drawing again.

use crate::{FieldError, ServiceError};
use rand::Rng;
use serde::Deserialize;
use serde_json::Value;
use switchyard_core::number::{Number, UseCaseConfig};
use switchyard_core::store::{Store, StoreError};
use switchyard_core::{Id, OrgId, Timestamp};

const DEFAULT_AREA_CODE: u16 = 415;
const ATTEMPTS: usize = 8;

#[derive(Default, Deserialize, utoipa::ToSchema)]
pub struct BuyIn {
    /// A North American area code, three digits, the first 2 to 9 (default 415): a string
    /// (`"415"`) or a number (`415`); clients send both.
    #[schema(schema_with = area_code_schema)]
    area_code: Option<Value>,
}

fn area_code_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::Type;
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Integer,
            Type::Null,
        ]))
        .examples([serde_json::json!("415")])
        .build()
}

/// A NANP area code: three digits, the first 2 to 9.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaCode(u16);

impl AreaCode {
    pub fn parse(value: Option<&Value>) -> Result<AreaCode, FieldError> {
        let text = match value {
            None | Some(Value::Null) => return Ok(AreaCode(DEFAULT_AREA_CODE)),
            Some(Value::String(text)) => text.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => other.to_string(),
        };
        let valid = text.len() == 3
            && text.bytes().all(|b| b.is_ascii_digit())
            && !text.starts_with(['0', '1']);
        match text.parse() {
            Ok(code) if valid => Ok(AreaCode(code)),
            _ => Err(FieldError::new(
                "area_code",
                format!(
                    "`{text}` is not a North American area code: three digits, the first 2 to 9, e.g. 415"
                ),
            )),
        }
    }
}

impl BuyIn {
    pub fn area_code(&self) -> Result<AreaCode, ServiceError> {
        AreaCode::parse(self.area_code.as_ref()).map_err(|e| ServiceError::invalid(vec![e]))
    }
}

/// Draws lines until one is free; `409` once the area code seems full.
pub async fn buy(
    store: &dyn Store,
    org: OrgId,
    area: AreaCode,
    now: Timestamp,
) -> Result<Number, ServiceError> {
    for _ in 0..ATTEMPTS {
        let line = draw(area);
        let number = Number {
            id: Id::new(now),
            organization_id: org,
            title: line.clone(),
            number: line,
            sid: format!("PN{}", hex::encode(rand::random::<[u8; 16]>())),
            locality: locality(area).to_owned(),
            mode: "voice".to_owned(),
            use_case_config: UseCaseConfig::default(),
            created_at: now,
        };
        match store.insert_number(&number).await {
            Ok(()) => return Ok(number),
            Err(StoreError::Duplicate("number")) => continue,
            Err(other) => return Err(other.into()),
        }
    }
    Err(ServiceError::Conflict(format!(
        "area code {} exhausted: no free number found; try another area code",
        area.0
    )))
}

/// `+1`, the area code, then an exchange starting 2 to 9 (as real NANP exchanges do, which
/// also keeps bought lines clear of the simulator's `555-01xx` test numbers) and 4 digits.
fn draw(area: AreaCode) -> String {
    let mut rng = rand::rng();
    let exchange: u16 = rng.random_range(200..1000);
    let line: u16 = rng.random_range(0..10_000);
    format!("+1{:03}{exchange:03}{line:04}", area.0)
}

fn locality(area: AreaCode) -> &'static str {
    match area.0 {
        202 => "Washington",
        206 => "Seattle",
        212 | 646 | 917 => "New York",
        213 | 310 | 323 => "Los Angeles",
        214 | 469 => "Dallas",
        303 | 720 => "Denver",
        305 | 786 => "Miami",
        312 | 773 => "Chicago",
        404 | 470 | 678 => "Atlanta",
        415 | 628 => "San Francisco",
        512 | 737 => "Austin",
        602 | 480 => "Phoenix",
        617 | 857 => "Boston",
        702 => "Las Vegas",
        713 | 281 | 832 => "Houston",
        215 | 267 => "Philadelphia",
        _ => "United States",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn area_codes_are_three_digits_starting_2_to_9() {
        assert_eq!(AreaCode::parse(None), Ok(AreaCode(415)));
        assert_eq!(AreaCode::parse(Some(&json!(null))), Ok(AreaCode(415)));
        assert_eq!(AreaCode::parse(Some(&json!("212"))), Ok(AreaCode(212)));
        assert_eq!(AreaCode::parse(Some(&json!(999))), Ok(AreaCode(999)));
        for bad in [
            json!("041"),
            json!("112"),
            json!("41"),
            json!("4155"),
            json!(41.5),
            json!("abc"),
            json!(true),
            json!(-415),
        ] {
            assert!(AreaCode::parse(Some(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn drawn_lines_are_e164_in_the_area_code() {
        for _ in 0..200 {
            let line = draw(AreaCode(312));
            assert!(line.starts_with("+1312"), "{line}");
            assert_eq!(line.len(), 12);
            assert!(line[1..].bytes().all(|b| b.is_ascii_digit()));
            assert!(line.as_bytes()[5] >= b'2');
        }
    }
}
