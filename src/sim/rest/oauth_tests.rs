//! Unit tests of the simulated identity server (`oauth.rs`).

use super::*;

fn setup() -> (OAuthState, String) {
    let mut s = OAuthState::default();
    s.add_client(OAuthClient { client_id: "app".into(), client_secret: "s".into(), subscription_key: "k".into() });
    let (_, rt) = s.mint(GrantSpec { client_id: "app".into(), domain: "d".into(), ..Default::default() });
    (s, rt)
}

fn form(rt: &str) -> TokenForm {
    TokenForm { grant_type: "refresh_token".into(), refresh_token: rt.into(), ..Default::default() }
}

fn creds() -> Option<(String, String)> {
    Some(("app".into(), "s".into()))
}

#[test]
fn refresh_rotates_and_a_reused_token_is_invalid_grant() {
    let (mut s, rt) = setup();
    let (_, first) = s.refresh(creds(), &form(&rt), 1_000).unwrap();
    assert_ne!(first.refresh_token, rt);
    assert_eq!(first.expires_in, 3600);
    assert!(first.scope.split(' ').any(|x| x == "employee.payment"));
    let reused = s.refresh(creds(), &form(&rt), 2_000).unwrap_err();
    assert_eq!(reused.error, "invalid_grant");
    let (_, second) = s.refresh(creds(), &form(&first.refresh_token), 3_000).unwrap();
    assert!(s.grant_for_access(&second.access_token, 3_001).is_some());
    assert!(s.grant_for_access(&second.access_token, 3_000 + 3_600_000).is_none(), "expired");
}

#[test]
fn grace_accepts_the_replaced_token_only_within_the_window() {
    let (mut s, rt) = setup();
    s.settings.reuse_grace_secs = 10;
    s.refresh(creds(), &form(&rt), 0).unwrap();
    assert!(s.refresh(creds(), &form(&rt), 5_000).is_ok(), "lost reply retried within grace");
    assert_eq!(s.refresh(creds(), &form(&rt), 11_000).unwrap_err().error, "invalid_grant");
}

#[test]
fn revoked_grant_and_wrong_client_are_refused() {
    let (mut s, rt) = setup();
    assert_eq!(s.refresh(Some(("app".into(), "bad".into())), &form(&rt), 0).unwrap_err().error, "invalid_client");
    let id = s.grants.keys().next().unwrap().clone();
    s.revoke(&id);
    assert_eq!(s.refresh(creds(), &form(&rt), 0).unwrap_err().error, "invalid_grant");
}

#[test]
fn the_refresh_chain_ends_from_the_consent_or_from_the_last_refresh() {
    for (kind, after_refresh_ok) in [(RefreshExpiryKind::Absolute, false), (RefreshExpiryKind::Sliding, true)] {
        let mut s = OAuthState::default();
        s.add_client(OAuthClient { client_id: "app".into(), client_secret: "s".into(), subscription_key: "k".into() });
        let (_, rt) = s.mint(GrantSpec {
            client_id: "app".into(),
            consented_at_ms: Some(0),
            refresh_lifetime_secs: Some(10),
            refresh_expiry: kind,
            ..Default::default()
        });
        // Refreshed at 8 s: an absolute chain still ends at 10 s, a sliding one at 18 s.
        let (_, first) = s.refresh(creds(), &form(&rt), 8_000).unwrap();
        let late = s.refresh(creds(), &form(&first.refresh_token), 12_000);
        assert_eq!(late.is_ok(), after_refresh_ok, "{kind:?}");
        if let Err(e) = late {
            assert_eq!(e.error, "invalid_grant");
        }
    }
}

#[test]
fn basic_credentials_are_url_decoded_halves() {
    let header = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("my%20app:p%3As"));
    let got = client_credentials(Some(&header), &TokenForm::default()).unwrap();
    assert_eq!(got, ("my app".to_owned(), "p:s".to_owned()));
}

#[test]
fn a_write_scope_includes_its_read() {
    let g = Grant { scopes: ["employee.payment".to_owned()].into(), ..Default::default() };
    assert!(g.allows(&["employee.payment.read".to_owned()]));
    assert!(!g.allows(&["employee.info.read".to_owned()]));
}
