//! Phone numbers: bought from the simulated network, routed to a use case and agents,
//! renamed, released. Everyone reads, Owners write.

mod buy;
mod routing;

pub use buy::BuyIn;
pub use routing::ConfigPatch;

use crate::auth::Caller;
use crate::{FieldError, ServiceError, ServiceResult, Services, validate};
use serde::Deserialize;
use switchyard_core::NumberId;
use switchyard_core::enums::Role;
use switchyard_core::number::Number;

const MAX_TITLE_CHARS: usize = 64;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TitleIn {
    /// 1 to 64 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 64)]
    title: Option<String>,
}

/// The organization's numbers, oldest first.
pub async fn list(services: &Services, caller: &Caller) -> ServiceResult<Vec<Number>> {
    Ok(services.store.list_numbers(caller.organization_id).await?)
}

pub async fn get(services: &Services, caller: &Caller, id: NumberId) -> ServiceResult<Number> {
    Ok(services
        .store
        .get_number(caller.organization_id, id)
        .await?)
}

/// Buys a random line in the area code (default 415) from the simulated network. Owners
/// only.
pub async fn buy(services: &Services, caller: &Caller, body: BuyIn) -> ServiceResult<Number> {
    caller.require(Role::Owner)?;
    let area = body.area_code()?;
    buy::buy(
        services.store.as_ref(),
        caller.organization_id,
        area,
        services.clock.now_for(caller.organization_id),
    )
    .await
}

/// Which use case calls through the number run, and how agents and prompts are drawn for
/// them; absent keys are left as they are. Owners only.
pub async fn route(
    services: &Services,
    caller: &Caller,
    id: NumberId,
    patch: ConfigPatch,
) -> ServiceResult<Number> {
    caller.require(Role::Owner)?;
    let mut number = services
        .store
        .get_number(caller.organization_id, id)
        .await?;
    number.use_case_config = patch
        .apply(
            services.store.as_ref(),
            caller.organization_id,
            number.use_case_config,
        )
        .await?;
    services.store.update_number(&number).await?;
    Ok(number)
}

/// Renames a number. Owners only.
pub async fn retitle(
    services: &Services,
    caller: &Caller,
    id: NumberId,
    body: TitleIn,
) -> ServiceResult<Number> {
    caller.require(Role::Owner)?;
    let title = match body.title {
        Some(title) => validate::text("title", &title, 1, MAX_TITLE_CHARS),
        None => Err(FieldError::new("title", "is required")),
    }
    .map_err(|e| ServiceError::invalid(vec![e]))?;
    let mut number = services
        .store
        .get_number(caller.organization_id, id)
        .await?;
    number.title = title;
    services.store.update_number(&number).await?;
    Ok(number)
}

/// Gives the number back to the network; answers it as it was. Owners only.
pub async fn release(services: &Services, caller: &Caller, id: NumberId) -> ServiceResult<Number> {
    caller.require(Role::Owner)?;
    Ok(services
        .store
        .delete_number(caller.organization_id, id)
        .await?)
}
