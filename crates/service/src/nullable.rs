//! How absent and `null` JSON values read in request DTOs. Clients of the legacy API send
//! `null` where they mean "nothing", so collections and flags read `null` as empty/false;
//! in a PATCH a nullable field must tell "absent" (leave it) from `null` (clear it).

use serde::{Deserialize, Deserializer};

/// `#[serde(default, deserialize_with = "null_as_default")]`: absent or `null` give `T::default()`.
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// `#[serde(default, deserialize_with = "double_option")]`: absent gives `None` (unchanged),
/// `null` gives `Some(None)` (cleared), a value gives `Some(Some(value))`.
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
