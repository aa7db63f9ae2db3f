//! Review-app sessions: found by token hash until they expire, gone with their key.

use crate::common::TestDatabase;
use crate::common::fixtures::{api_key, create_org, start_plus};
use switchyard_core::OrgId;
use switchyard_core::auth::WebSession;
use switchyard_core::enums::Role;

crate::backend_tests!(sessions_expire_end_and_follow_their_key);

fn session(hash: &str, org: OrgId, prefix: &str, at: i64, secs: i64) -> WebSession {
    WebSession {
        token_hash: hash.to_owned(),
        organization_id: org,
        key_prefix: prefix.to_owned(),
        csrf_token: format!("csrf-{hash}"),
        created_at: start_plus(at),
        expires_at: start_plus(at + secs),
    }
}

async fn sessions_expire_end_and_follow_their_key(db: TestDatabase) {
    let store = db.store.as_ref();
    let acme = create_org(store, "Acme Freight", "owner@acme.test").await;
    let org = acme.id();
    let viewer_key = api_key(org, "viewer@acme.test", start_plus(1));
    store
        .create_api_key(&viewer_key, Role::Viewer)
        .await
        .unwrap();

    let owner = session("aa", org, &acme.owner_key.prefix, 0, 100);
    let viewer = session("bb", org, &viewer_key.prefix, 0, 100);
    store.create_session(&owner).await.unwrap();
    store.create_session(&viewer).await.unwrap();

    let (found, key_owner) = store
        .find_session("aa", start_plus(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found, owner);
    assert_eq!(
        (key_owner.key, key_owner.role),
        (acme.owner_key.clone(), Role::Owner)
    );
    let (_, viewer_owner) = store
        .find_session("bb", start_plus(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(viewer_owner.role, Role::Viewer);
    assert_eq!(
        store.find_session("cc", start_plus(10)).await.unwrap(),
        None
    );

    // Expired at `expires_at`; created sessions sweep the expired ones away.
    assert_eq!(
        store.find_session("aa", start_plus(100)).await.unwrap(),
        None
    );
    store
        .create_session(&session("dd", org, &acme.owner_key.prefix, 200, 100))
        .await
        .unwrap();
    assert_eq!(
        store.find_session("aa", start_plus(50)).await.unwrap(),
        None
    );
    assert!(
        store
            .find_session("dd", start_plus(250))
            .await
            .unwrap()
            .is_some()
    );

    // Signing out ends the session once.
    assert!(store.delete_session("dd").await.unwrap());
    assert!(!store.delete_session("dd").await.unwrap());
    assert_eq!(
        store.find_session("dd", start_plus(250)).await.unwrap(),
        None
    );

    // Revoking the key ends its sessions.
    store
        .create_session(&session("ee", org, &viewer_key.prefix, 300, 100))
        .await
        .unwrap();
    assert!(
        store
            .find_session("ee", start_plus(310))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .revoke_api_key(&viewer_key.prefix, start_plus(320))
            .await
            .unwrap()
    );
    assert_eq!(
        store.find_session("ee", start_plus(330)).await.unwrap(),
        None
    );
}
