//! The inbound side of the simulated telephone network: someone calls one of an
//! organization's numbers. The call is routed like the network would route it (the
//! number's use case; agent and prompt drawn from its routes) and queued for the engine,
//! which answers it (with the after-hours message outside the use case's hours).

use crate::auth::Caller;
use crate::dial::context::DialContext;
use crate::dial::item::DialItem;
use crate::validate::Errors;
use crate::{ServiceError, ServiceResult, Services};
use switchyard_core::Timestamp;
use switchyard_core::call::Call;
use switchyard_core::enums::{CallType, Role};
use switchyard_core::number::Number;
use switchyard_core::phone::PhoneNumber;
use switchyard_core::store::Store;

/// A simulated inbound call from `from` to `to`, one of the caller's numbers (another
/// organization's number is as unknown as one that does not exist); the engine answers
/// it. Representatives and Owners.
pub async fn inbound(
    services: &Services,
    caller: &Caller,
    to: &str,
    from: &str,
) -> ServiceResult<Call> {
    caller.require(Role::Representative)?;
    let store = services.store.as_ref();
    let number = find_number(store, to).await?;
    if number.organization_id != caller.organization_id {
        return Err(ServiceError::invalid_field(
            "to",
            format!("{to} is not a number of any organization"),
        ));
    }
    let call = ring(
        store,
        &number,
        from,
        services.clock.now_for(caller.organization_id),
    )
    .await?;
    services.engine.wake();
    Ok(call)
}

/// Creates the inbound call from `from` to the number `to`, whoever holds it (the CLI's
/// `sim inbound`, which acts as the telephone network).
pub async fn create_inbound_call(
    store: &dyn Store,
    to: &str,
    from: &str,
    now: Timestamp,
) -> Result<Call, ServiceError> {
    let number = find_number(store, to).await?;
    ring(store, &number, from, now).await
}

/// The number `to` (E.164), or a `422` on `to`.
async fn find_number(store: &dyn Store, to: &str) -> Result<Number, ServiceError> {
    let e164 =
        PhoneNumber::parse(to).map_err(|e| ServiceError::invalid_field("to", e.to_string()))?;
    store.find_number(e164.as_str()).await?.ok_or_else(|| {
        ServiceError::invalid_field("to", format!("{to} is not a number of any organization"))
    })
}

/// Queues the inbound call to `number` from `from`.
pub async fn ring(
    store: &dyn Store,
    number: &Number,
    from: &str,
    now: Timestamp,
) -> Result<Call, ServiceError> {
    let context = DialContext::load(store, number.organization_id, now).await?;
    let item = DialItem {
        number_id: Some(number.id.to_string()),
        phone_number: Some(from.to_owned()),
        ..DialItem::default()
    };
    let mut errors = Errors::default();
    let field = |name: &str| match name {
        "phone_number" => "from".to_owned(),
        "use_case_id" => "to".to_owned(),
        other => other.to_owned(),
    };
    let call = context.build_call(item, &field, &mut errors);
    errors.finish()?;
    let mut call =
        call.ok_or_else(|| ServiceError::invalid_field("to", "the number cannot take calls"))?;
    // Dialing builds an outbound call from the number; an inbound one comes to it.
    call.call_type = CallType::Inbound;
    std::mem::swap(&mut call.metadata.from, &mut call.metadata.to);
    store
        .insert_calls(
            number.organization_id,
            std::slice::from_ref(&call),
            None,
            None,
        )
        .await?;
    Ok(call)
}
