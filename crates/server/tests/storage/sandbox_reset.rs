//! `reset_organization` (`POST /sandbox/reset`): the organization's activity deleted in one
//! transaction, its configuration too when a new default agent is given, and nothing of
//! another organization.

use crate::common::TestDatabase;
use crate::common::fixtures::{
    START, agent, at, call, create_org, number, prompt, start_plus, use_case,
};
use crate::{campaign, count_calls, idempotency, is_not_found, note};
use switchyard_core::store::{OrgReset, Store};
use switchyard_core::{Id, OrgId};

crate::backend_tests!(
    a_reset_deletes_the_activity_and_keeps_the_configuration,
    a_config_reset_replaces_the_agents_with_a_new_default,
);

/// A use case, a number, a prompt, a second agent and two calls (one in a campaign, with
/// an idempotency record and a note) in `org`.
async fn fill(store: &dyn Store, org: OrgId, phone: &str) -> Vec<switchyard_core::CallId> {
    let sales = use_case(org, "Sales", at(START));
    store.insert_use_case(&sales).await.unwrap();
    store
        .insert_number(&number(org, phone, Some(sales.id), at(START)))
        .await
        .unwrap();
    store
        .insert_prompt(&prompt(org, "Pitch", at(START)))
        .await
        .unwrap();
    store
        .insert_agent(&agent(org, "Second voice", at(START)))
        .await
        .unwrap();
    let spring = campaign(org, "Spring");
    let mut scheduled = call(org, &sales, start_plus(1));
    scheduled.campaign_id = Some(spring.id);
    let plain = call(org, &sales, start_plus(2));
    store
        .insert_calls(
            org,
            std::slice::from_ref(&scheduled),
            Some(&spring),
            Some(&idempotency("key-1", "first")),
        )
        .await
        .unwrap();
    store
        .insert_calls(org, std::slice::from_ref(&plain), None, None)
        .await
        .unwrap();
    store
        .add_note(org, plain.id, &note("kept?", Id::new(at(START))))
        .await
        .unwrap();
    vec![scheduled.id, plain.id]
}

async fn a_reset_deletes_the_activity_and_keeps_the_configuration(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let mut acme_calls = fill(store, acme.id(), "+14155550101").await;
    let globex_calls = fill(store, globex.id(), "+14155550102").await;

    let mut reset = store.reset_organization(acme.id(), None).await.unwrap();
    reset.calls.sort();
    acme_calls.sort();
    assert_eq!(
        reset,
        OrgReset {
            calls: acme_calls.clone(),
            campaigns: 1,
            ..OrgReset::default()
        }
    );
    assert_eq!(count_calls(store, acme.id()).await, 0);
    for id in &acme_calls {
        assert!(is_not_found(store.get_call(acme.id(), *id).await));
    }
    assert_eq!(
        store.find_idempotency(acme.id(), "key-1").await.unwrap(),
        None
    );
    assert_eq!(store.list_use_cases(acme.id()).await.unwrap().len(), 1);
    assert_eq!(store.list_numbers(acme.id()).await.unwrap().len(), 1);
    assert_eq!(store.list_prompts(acme.id()).await.unwrap().len(), 1);
    assert_eq!(store.list_agents(acme.id()).await.unwrap().len(), 2);
    assert_eq!(store.list_members(acme.id()).await.unwrap().len(), 1);
    assert!(
        store
            .find_api_key(&acme.owner_key.prefix)
            .await
            .unwrap()
            .is_some()
    );

    // Globex is whole: its calls with their note, its idempotency record, its campaign.
    assert_eq!(count_calls(store, globex.id()).await, 2);
    let noted = store.get_call(globex.id(), globex_calls[1]).await.unwrap();
    assert_eq!(noted.notes.len(), 1);
    assert!(
        store
            .find_idempotency(globex.id(), "key-1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(is_not_found(
        store.reset_organization(Id::new(at(START)), None).await
    ));
}

async fn a_config_reset_replaces_the_agents_with_a_new_default(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    fill(store, acme.id(), "+14155550103").await;
    fill(store, globex.id(), "+14155550104").await;

    let fresh = agent(acme.id(), "Default agent", start_plus(60));
    let reset = store
        .reset_organization(acme.id(), Some(&fresh))
        .await
        .unwrap();
    assert_eq!(
        (
            reset.calls.len(),
            reset.use_cases,
            reset.numbers,
            reset.prompts,
            reset.agents
        ),
        (2, 1, 1, 1, 2)
    );
    assert_eq!(
        store.list_agents(acme.id()).await.unwrap(),
        vec![fresh.clone()]
    );
    let org = store.get_organization(acme.id()).await.unwrap();
    assert_eq!(org.default_agent_id, fresh.id);
    assert!(store.list_use_cases(acme.id()).await.unwrap().is_empty());
    assert!(store.list_numbers(acme.id()).await.unwrap().is_empty());
    assert!(store.list_prompts(acme.id()).await.unwrap().is_empty());
    // The number is free for anyone again.
    assert!(store.find_number("+14155550103").await.unwrap().is_none());

    assert_eq!(store.list_agents(globex.id()).await.unwrap().len(), 2);
    assert_eq!(store.list_use_cases(globex.id()).await.unwrap().len(), 1);
    assert_eq!(store.list_numbers(globex.id()).await.unwrap().len(), 1);
    assert_eq!(store.list_prompts(globex.id()).await.unwrap().len(), 1);
    assert_eq!(count_calls(store, globex.id()).await, 2);
    assert_eq!(
        store
            .get_organization(globex.id())
            .await
            .unwrap()
            .default_agent_id,
        globex.default_agent.id
    );
}
