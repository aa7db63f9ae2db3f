//! Organizations, members and keys; use cases, agents, prompts and numbers; sandbox
//! scenarios.

use crate::common::TestDatabase;
use crate::common::fixtures::{
    START, agent, api_key, at, call, create_org, number, prompt, start_plus, transition, use_case,
};
use crate::{is_conflict, is_not_found, member};
use switchyard_core::Id;
use switchyard_core::enums::Role;
use switchyard_core::lifecycle::CallEvent;
use switchyard_core::number::{AgentRoute, PromptRoute};
use switchyard_core::scenario::{NumberMatch, Outcome, Scenario};
use switchyard_core::store::StoreError;

crate::backend_tests!(
    organizations_keys_and_members,
    use_cases_crud_and_guards,
    agents_crud_and_guards,
    prompts_crud_and_guards,
    numbers_are_unique_and_scoped,
    scenarios_are_scoped_and_listed_oldest_first,
);

async fn organizations_keys_and_members(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let org = acme.id();
    assert_eq!(store.get_organization(org).await.unwrap(), acme.org);
    assert_eq!(
        store
            .find_organization_by_name("Acme Freight")
            .await
            .unwrap(),
        Some(acme.org.clone())
    );
    assert_eq!(
        store.find_organization_by_name("Nobody").await.unwrap(),
        None
    );
    assert!(is_not_found(
        store.get_organization(Id::new(at(START))).await
    ));
    assert_eq!(
        store.list_agents(org).await.unwrap(),
        vec![acme.default_agent.clone()]
    );

    let owner = store
        .find_api_key(&acme.owner_key.prefix)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (owner.key, owner.role),
        (acme.owner_key.clone(), Role::Owner)
    );
    assert_eq!(store.find_api_key("sy_0000000000").await.unwrap(), None);

    // A key makes its email a member; a second key changes the member's role.
    let rep_key = api_key(org, "rep@acme.test", start_plus(1));
    store
        .create_api_key(&rep_key, Role::Representative)
        .await
        .unwrap();
    assert_eq!(
        store
            .find_api_key(&rep_key.prefix)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Representative
    );
    let rep_key2 = api_key(org, "rep@acme.test", start_plus(2));
    store.create_api_key(&rep_key2, Role::Viewer).await.unwrap();
    assert_eq!(
        store
            .find_api_key(&rep_key.prefix)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Viewer
    );
    store
        .upsert_member(org, &member("viewer@acme.test", Role::Viewer))
        .await
        .unwrap();
    let expected = vec![
        member("owner@acme.test", Role::Owner),
        member("rep@acme.test", Role::Viewer),
        member("viewer@acme.test", Role::Viewer),
    ];
    assert_eq!(store.list_members(org).await.unwrap(), expected);
    assert!(is_not_found(
        store
            .create_api_key(
                &api_key(Id::new(at(START)), "x@y.test", at(START)),
                Role::Owner
            )
            .await
    ));

    // Revoking works once, and only on that key.
    assert!(
        store
            .revoke_api_key(&rep_key2.prefix, start_plus(3))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_key(&rep_key2.prefix, start_plus(4))
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_api_key("sy_0000000000", start_plus(4))
            .await
            .unwrap()
    );
    assert_eq!(store.find_api_key(&rep_key2.prefix).await.unwrap(), None);
    assert!(store.find_api_key(&rep_key.prefix).await.unwrap().is_some());

    // Removing a member stops its keys, even if the email comes back.
    store.remove_member(org, "rep@acme.test").await.unwrap();
    assert_eq!(store.find_api_key(&rep_key.prefix).await.unwrap(), None);
    assert!(is_not_found(
        store.remove_member(org, "rep@acme.test").await
    ));
    store
        .upsert_member(org, &member("rep@acme.test", Role::Owner))
        .await
        .unwrap();
    assert_eq!(store.find_api_key(&rep_key.prefix).await.unwrap(), None);
    store.remove_member(org, "rep@acme.test").await.unwrap();

    // The last Owner cannot go, be demoted, or be demoted through a new key.
    assert!(is_conflict(
        store.remove_member(org, "owner@acme.test").await
    ));
    assert!(is_conflict(
        store
            .upsert_member(org, &member("owner@acme.test", Role::Viewer))
            .await
    ));
    let demoting_key = api_key(org, "owner@acme.test", start_plus(5));
    assert!(is_conflict(
        store
            .create_api_key(&demoting_key, Role::Representative)
            .await
    ));
    assert_eq!(
        store.find_api_key(&demoting_key.prefix).await.unwrap(),
        None,
        "refused key stored"
    );
    assert_eq!(
        store
            .find_api_key(&acme.owner_key.prefix)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Owner
    );

    // With a second Owner, the first may step down.
    store
        .upsert_member(org, &member("viewer@acme.test", Role::Owner))
        .await
        .unwrap();
    store
        .upsert_member(org, &member("owner@acme.test", Role::Viewer))
        .await
        .unwrap();
    let expected = vec![
        member("owner@acme.test", Role::Viewer),
        member("viewer@acme.test", Role::Owner),
    ];
    assert_eq!(store.list_members(org).await.unwrap(), expected);

    // Members are per organization.
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    assert!(is_not_found(
        store.remove_member(globex.id(), "viewer@acme.test").await
    ));
    assert_eq!(
        store.list_members(globex.id()).await.unwrap(),
        vec![member("boss@globex.test", Role::Owner)]
    );
    assert!(is_not_found(
        store
            .upsert_member(Id::new(at(START)), &member("a@b.test", Role::Owner))
            .await
    ));
}

async fn use_cases_crud_and_guards(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let (org, other) = (acme.id(), globex.id());
    let mut sales = use_case(org, "Carrier sales", at(START));
    let support = use_case(org, "Support", start_plus(10));
    store.insert_use_case(&support).await.unwrap();
    store.insert_use_case(&sales).await.unwrap();
    assert_eq!(
        store.list_use_cases(org).await.unwrap(),
        vec![sales.clone(), support.clone()]
    );
    assert_eq!(store.get_use_case(org, sales.id).await.unwrap(), sales);
    assert!(is_not_found(store.get_use_case(other, sales.id).await));
    assert_eq!(store.list_use_cases(other).await.unwrap(), vec![]);

    sales.name = "Carrier sales v2".to_owned();
    sales.model = "claude-3".to_owned();
    store.update_use_case(&sales).await.unwrap();
    assert_eq!(store.get_use_case(org, sales.id).await.unwrap(), sales);
    let stolen = switchyard_core::use_case::UseCase {
        organization_id: other,
        ..sales.clone()
    };
    assert!(is_not_found(store.update_use_case(&stolen).await));
    assert!(is_not_found(store.delete_use_case(other, sales.id).await));
    assert_eq!(store.get_use_case(org, sales.id).await.unwrap(), sales);

    // Refused while a call of it is pending; allowed once the call is final.
    let pending = call(org, &sales, at(START));
    store
        .insert_calls(org, std::slice::from_ref(&pending), None, None)
        .await
        .unwrap();
    assert!(is_conflict(store.delete_use_case(org, sales.id).await));
    transition(store, org, pending.id, CallEvent::Cancel)
        .await
        .unwrap();
    // Refused while a number routes to it.
    let line = number(org, "+14155550001", Some(support.id), at(START));
    store.insert_number(&line).await.unwrap();
    assert!(is_conflict(store.delete_use_case(org, support.id).await));
    assert_eq!(store.get_use_case(org, support.id).await.unwrap(), support);

    assert_eq!(store.delete_use_case(org, sales.id).await.unwrap(), sales);
    assert!(is_not_found(store.get_use_case(org, sales.id).await));
    assert!(is_not_found(store.delete_use_case(org, sales.id).await));
    assert_eq!(store.list_use_cases(org).await.unwrap(), vec![support]);
}

async fn agents_crud_and_guards(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let (org, other) = (acme.id(), globex.id());
    let mut alice = agent(org, "Alice", start_plus(1));
    let bob = agent(org, "Bob", start_plus(2));
    store.insert_agent(&bob).await.unwrap();
    store.insert_agent(&alice).await.unwrap();
    let listed = store.list_agents(org).await.unwrap();
    assert_eq!(
        listed,
        vec![acme.default_agent.clone(), alice.clone(), bob.clone()]
    );
    assert!(is_not_found(store.get_agent(other, alice.id).await));

    alice.name = "Alice B.".to_owned();
    alice.voice_id = Some("voice-1".to_owned());
    store.update_agent(&alice).await.unwrap();
    assert_eq!(store.get_agent(org, alice.id).await.unwrap(), alice);
    let stolen = switchyard_core::agent::Agent {
        organization_id: other,
        ..alice.clone()
    };
    assert!(is_not_found(store.update_agent(&stolen).await));

    assert!(is_conflict(
        store.delete_agent(org, acme.default_agent.id).await
    ));
    let mut line = number(org, "+14155550002", None, at(START));
    line.use_case_config.agent_routes = vec![AgentRoute {
        probability: 100,
        id: alice.id,
    }];
    store.insert_number(&line).await.unwrap();
    assert!(is_conflict(store.delete_agent(org, alice.id).await));
    assert_eq!(store.get_agent(org, alice.id).await.unwrap(), alice);
    line.use_case_config.agent_routes = vec![AgentRoute {
        probability: 100,
        id: bob.id,
    }];
    store.update_number(&line).await.unwrap();

    assert!(is_not_found(store.delete_agent(other, alice.id).await));
    assert_eq!(store.delete_agent(org, alice.id).await.unwrap(), alice);
    assert!(is_not_found(store.get_agent(org, alice.id).await));
    assert!(is_not_found(store.delete_agent(org, alice.id).await));
    assert!(is_conflict(store.delete_agent(org, bob.id).await));
}

async fn prompts_crud_and_guards(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let (org, other) = (acme.id(), globex.id());
    let mut pitch = prompt(org, "Pitch", start_plus(1));
    let support = prompt(org, "Support", start_plus(2));
    store.insert_prompt(&support).await.unwrap();
    store.insert_prompt(&pitch).await.unwrap();
    assert_eq!(
        store.list_prompts(org).await.unwrap(),
        vec![pitch.clone(), support.clone()],
        "oldest first"
    );
    assert_eq!(store.get_prompt(org, pitch.id).await.unwrap(), pitch);
    assert!(is_not_found(store.get_prompt(other, pitch.id).await));
    assert_eq!(store.list_prompts(other).await.unwrap(), vec![]);

    // Ids may be chosen by clients: unique per organization, not across them.
    let again = prompt(org, "Again", start_plus(3));
    assert!(matches!(
        store
            .insert_prompt(&switchyard_core::prompt::Prompt {
                id: pitch.id,
                ..again.clone()
            })
            .await,
        Err(StoreError::Duplicate("id"))
    ));
    let theirs = switchyard_core::prompt::Prompt {
        organization_id: other,
        ..pitch.clone()
    };
    store.insert_prompt(&theirs).await.unwrap();
    assert_eq!(store.get_prompt(other, pitch.id).await.unwrap(), theirs);
    assert_eq!(store.get_prompt(org, pitch.id).await.unwrap(), pitch);

    pitch.text = "New text".to_owned();
    pitch.first_message = Some("Hi!".to_owned());
    pitch.model_id = Some("gpt-4o-mini".to_owned());
    pitch.tools.clear();
    pitch.updated_at = start_plus(60);
    store.update_prompt(&pitch).await.unwrap();
    assert_eq!(store.get_prompt(org, pitch.id).await.unwrap(), pitch);
    let unknown = switchyard_core::prompt::Prompt {
        id: Id::new(at(START)),
        ..pitch.clone()
    };
    assert!(is_not_found(store.update_prompt(&unknown).await));
    assert_eq!(store.get_prompt(other, pitch.id).await.unwrap(), theirs);

    // Refused while a call that has not ended runs it.
    let sales = use_case(org, "Carrier sales", at(START));
    store.insert_use_case(&sales).await.unwrap();
    let mut running = call(org, &sales, at(START));
    running.prompt_id = Some(pitch.id.to_string());
    store
        .insert_calls(org, std::slice::from_ref(&running), None, None)
        .await
        .unwrap();
    assert!(is_conflict(store.delete_prompt(org, pitch.id).await));
    assert_eq!(
        store.delete_prompt(other, pitch.id).await.unwrap(),
        theirs,
        "another organization's prompt of the same id is not in use"
    );
    transition(store, org, running.id, CallEvent::Cancel)
        .await
        .unwrap();
    // Refused while a number routes to it.
    let mut line = number(org, "+14155550003", None, at(START));
    line.use_case_config.prompt_routes = vec![PromptRoute {
        probability: 100,
        prompt_id: pitch.id.to_string(),
        model_id: None,
    }];
    store.insert_number(&line).await.unwrap();
    assert!(is_conflict(store.delete_prompt(org, pitch.id).await));
    line.use_case_config.prompt_routes.clear();
    store.update_number(&line).await.unwrap();
    // Refused while a use case has it as its default.
    let mut default_of = use_case(org, "Inbound", start_plus(5));
    default_of.default_prompt_id = Some(pitch.id);
    store.insert_use_case(&default_of).await.unwrap();
    assert!(is_conflict(store.delete_prompt(org, pitch.id).await));
    assert_eq!(store.get_prompt(org, pitch.id).await.unwrap(), pitch);
    default_of.default_prompt_id = None;
    store.update_use_case(&default_of).await.unwrap();

    assert!(is_not_found(store.delete_prompt(other, pitch.id).await));
    assert_eq!(store.delete_prompt(org, pitch.id).await.unwrap(), pitch);
    assert!(is_not_found(store.get_prompt(org, pitch.id).await));
    assert!(is_not_found(store.delete_prompt(org, pitch.id).await));
    assert_eq!(store.list_prompts(org).await.unwrap(), vec![support]);
}

async fn numbers_are_unique_and_scoped(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let globex = create_org(store, "Globex", "boss@globex.test").await;
    let (org, other) = (acme.id(), globex.id());
    let mut first = number(org, "+14155550010", None, start_plus(5));
    let second = number(org, "+14155550011", None, start_plus(1));
    store.insert_number(&first).await.unwrap();
    store.insert_number(&second).await.unwrap();
    let again = number(org, "+14155550010", None, at(START));
    assert!(matches!(
        store.insert_number(&again).await,
        Err(StoreError::Duplicate("number"))
    ));
    let theirs = number(other, "+14155550010", None, at(START));
    assert!(matches!(
        store.insert_number(&theirs).await,
        Err(StoreError::Duplicate("number"))
    ));
    assert_eq!(
        store.list_numbers(org).await.unwrap(),
        vec![second.clone(), first.clone()]
    );
    assert_eq!(store.list_numbers(other).await.unwrap(), vec![]);
    assert!(is_not_found(store.get_number(other, first.id).await));

    let sales = use_case(org, "Carrier sales", at(START));
    store.insert_use_case(&sales).await.unwrap();
    first.title = "main line".to_owned();
    first.use_case_config.id = Some(sales.id);
    store.update_number(&first).await.unwrap();
    assert_eq!(store.get_number(org, first.id).await.unwrap(), first);
    let stolen = switchyard_core::number::Number {
        organization_id: other,
        ..first.clone()
    };
    assert!(is_not_found(store.update_number(&stolen).await));
    let clash = switchyard_core::number::Number {
        number: first.number.clone(),
        ..second.clone()
    };
    assert!(matches!(
        store.update_number(&clash).await,
        Err(StoreError::Duplicate("number"))
    ));
    assert_eq!(store.get_number(org, second.id).await.unwrap(), second);

    assert!(is_not_found(store.delete_number(other, first.id).await));
    assert_eq!(store.delete_number(org, first.id).await.unwrap(), first);
    assert!(is_not_found(store.get_number(org, first.id).await));
    store.insert_number(&theirs).await.unwrap();
    assert_eq!(store.get_number(other, theirs.id).await.unwrap(), theirs);
}

fn scenario(
    org: switchyard_core::OrgId,
    pattern: &str,
    created_at: switchyard_core::Timestamp,
) -> Scenario {
    Scenario {
        id: Id::new(created_at),
        organization_id: org,
        number_match: NumberMatch::parse(pattern).unwrap(),
        outcome: None,
        weights: Some([(Outcome::Busy, 2), (Outcome::Dropped, 1)].into()),
        ring_secs: 0,
        talk_secs: 3600,
        callee_lines: vec!["Hello?".to_owned()],
        seed: u64::MAX,
        created_at,
    }
}

async fn scenarios_are_scoped_and_listed_oldest_first(db: TestDatabase) {
    let store = db.store.as_ref();
    let org = create_org(store, "Acme Freight", "owner@acme.test")
        .await
        .id();
    let theirs = create_org(store, "Other Freight", "owner@other.test")
        .await
        .id();
    let newer = scenario(org, "+1555*", start_plus(2));
    let older = scenario(org, "+14155550123", start_plus(1));
    store.insert_scenario(&newer).await.unwrap();
    store.insert_scenario(&older).await.unwrap();
    assert_eq!(
        store.list_scenarios(org).await.unwrap(),
        [older.clone(), newer.clone()]
    );
    assert_eq!(store.get_scenario(org, newer.id).await.unwrap(), newer);
    assert!(is_not_found(store.get_scenario(theirs, newer.id).await));
    assert!(is_not_found(store.delete_scenario(theirs, newer.id).await));
    assert_eq!(store.list_scenarios(theirs).await.unwrap(), []);

    assert_eq!(store.delete_scenario(org, newer.id).await.unwrap(), newer);
    assert!(is_not_found(store.get_scenario(org, newer.id).await));
    assert_eq!(store.list_scenarios(org).await.unwrap(), [older]);
}
