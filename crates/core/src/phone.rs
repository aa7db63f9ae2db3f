//! E.164 phone numbers: `+` then 8 to 15 digits.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an E.164 phone number: write `+` then 8 to 15 digits, e.g. +14155550123")]
pub struct MalformedPhoneNumber(pub String);

impl PhoneNumber {
    pub fn parse(text: &str) -> Result<PhoneNumber, MalformedPhoneNumber> {
        let digits = text.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(PhoneNumber(text.to_owned()))
        } else {
            Err(MalformedPhoneNumber(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = MalformedPhoneNumber;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&text)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plus_and_8_to_15_digits_only() {
        assert!(PhoneNumber::parse("+14155550123").is_ok());
        assert!(PhoneNumber::parse("+12345678").is_ok());
        assert!(PhoneNumber::parse("+123456789012345").is_ok());
        for bad in [
            "14155550123",
            "+1234567",
            "+1234567890123456",
            "+1415555012a",
            "",
        ] {
            assert!(PhoneNumber::parse(bad).is_err(), "{bad}");
        }
    }
}
