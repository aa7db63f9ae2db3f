//! The console's keys and webhook secret: an organization's keys listed (revoked ones and
//! removed members' too), revoked only within their organization, and the signing secret
//! replaced.

use crate::common::TestDatabase;
use crate::common::fixtures::{api_key, create_org, start_plus};
use switchyard_core::enums::Role;

crate::backend_tests!(
    keys_are_listed_and_revoked_within_their_organization,
    the_webhook_secret_rotates,
);

async fn keys_are_listed_and_revoked_within_their_organization(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let other = create_org(store, "Other Co", "owner@other.test").await;
    let viewer = api_key(acme.id(), "viewer@acme.test", start_plus(10));
    store.create_api_key(&viewer, Role::Viewer).await.unwrap();
    let gone = api_key(acme.id(), "gone@acme.test", start_plus(20));
    store
        .create_api_key(&gone, Role::Representative)
        .await
        .unwrap();
    store
        .remove_member(acme.id(), "gone@acme.test")
        .await
        .unwrap();

    let listed = store.list_api_keys(acme.id()).await.unwrap();
    let rows: Vec<(&str, Option<Role>, bool)> = listed
        .iter()
        .map(|k| (k.key.prefix.as_str(), k.role, k.revoked_at.is_some()))
        .collect();
    assert_eq!(
        rows,
        [
            (gone.prefix.as_str(), None, true),
            (viewer.prefix.as_str(), Some(Role::Viewer), false),
            (acme.owner_key.prefix.as_str(), Some(Role::Owner), false),
        ],
        "newest first, with the member's role now"
    );
    assert_eq!(listed[1].key, viewer);
    assert!(
        store
            .list_api_keys(other.id())
            .await
            .unwrap()
            .iter()
            .all(|k| k.key.organization_id == other.id())
    );

    // Another organization cannot revoke it, nor can an unknown prefix.
    let at = start_plus(30);
    assert!(
        !store
            .revoke_org_api_key(other.id(), &viewer.prefix, at)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_org_api_key(acme.id(), "sy_0000000000", at)
            .await
            .unwrap()
    );
    assert!(store.find_api_key(&viewer.prefix).await.unwrap().is_some());

    assert!(
        store
            .revoke_org_api_key(acme.id(), &viewer.prefix, at)
            .await
            .unwrap()
    );
    assert_eq!(store.find_api_key(&viewer.prefix).await.unwrap(), None);
    assert!(
        !store
            .revoke_org_api_key(acme.id(), &viewer.prefix, start_plus(40))
            .await
            .unwrap(),
        "revoked once"
    );
    let listed = store.list_api_keys(acme.id()).await.unwrap();
    assert_eq!(listed[1].revoked_at, Some(at));
    assert_eq!(listed[1].role, Some(Role::Viewer), "the member stays");
}

async fn the_webhook_secret_rotates(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let other = create_org(store, "Other Co", "owner@other.test").await;
    let first = || "whsec_first".to_owned();
    let theirs = store
        .webhook_secret(other.id(), &|| "whsec_theirs".to_owned())
        .await
        .unwrap();

    // Before any secret exists, rotating makes one; afterwards it replaces it.
    store
        .rotate_webhook_secret(acme.id(), "whsec_second")
        .await
        .unwrap();
    assert_eq!(
        store.webhook_secret(acme.id(), &first).await.unwrap(),
        "whsec_second"
    );
    store
        .rotate_webhook_secret(acme.id(), "whsec_third")
        .await
        .unwrap();
    assert_eq!(
        store.webhook_secret(acme.id(), &first).await.unwrap(),
        "whsec_third"
    );
    assert_eq!(
        store.webhook_secret(other.id(), &first).await.unwrap(),
        theirs
    );
}
