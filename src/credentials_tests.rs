//! The tests of `credentials.rs`, in a file of their own so that neither file is over issue 17's 450
//! lines.

use super::*;

/// A ring of fresh keys named `ids`, the first current (also for other modules' tests).
pub(crate) fn ring(ids: &[&str]) -> KeyRing {
    let raw: Vec<String> = ids.iter().map(|id| KeyRing::generate_entry(id)).collect();
    KeyRing::parse(&raw.join(",")).unwrap()
}

#[test]
fn subkeys_differ_per_purpose_and_key_and_are_stable() {
    let keys = ring(&["new", "old"]);
    let a = keys.current_subkey(b"purpose-a");
    assert_eq!(a.key_id, "new");
    assert_eq!(a.expose().len(), 32);
    assert_eq!(a.expose(), keys.subkey("new", b"purpose-a").unwrap().expose());
    assert_ne!(a.expose(), keys.current_subkey(b"purpose-b").expose());
    assert_ne!(a.expose(), keys.subkey("old", b"purpose-a").unwrap().expose());
    assert_ne!(a.expose(), &keys.keys[0].1[..], "never the ring key itself");
    assert!(keys.subkey("gone", b"purpose-a").is_none());
    assert!(!format!("{a:?}").contains(&format!("{:?}", a.expose())));
}

#[test]
fn round_trip_for_the_same_integration() {
    let keys = ring(&["k1"]);
    let sealed = keys.seal("env-42", &Credentials::new("api@example.com", "tok-123"));
    assert_eq!(sealed.key_id, "k1");
    assert!(!sealed.sealed.contains('='), "base64url without padding");
    let opened = keys.open("env-42", &sealed).unwrap();
    assert_eq!(opened.username, "api@example.com");
    assert_eq!(opened.token.expose_secret(), "tok-123");
}

#[test]
fn a_blob_sealed_for_another_integration_does_not_open() {
    let keys = ring(&["k1"]);
    let sealed = keys.seal("env-42", &Credentials::new("u", "t"));
    assert_eq!(keys.open("env-43", &sealed).unwrap_err(), OpenError::Rejected);
}

#[test]
fn rotation_old_keys_still_open_new_key_seals() {
    let old = ring(&["k1"]);
    let sealed_old = old.seal("env-1", &Credentials::new("u", "t"));
    let old_entry = format!("k1:{}", STANDARD.encode(old.keys[0].1));
    let rotated = KeyRing::parse(&format!("{},{}", KeyRing::generate_entry("k2"), old_entry)).unwrap();
    assert_eq!(rotated.open("env-1", &sealed_old).unwrap().username, "u");
    assert_eq!(rotated.seal("env-1", &Credentials::new("u", "t")).key_id, "k2");
}

#[test]
fn tampering_unknown_keys_and_garbage_fail_cleanly() {
    let keys = ring(&["k1"]);
    let mut sealed = keys.seal("env-1", &Credentials::new("u", "t"));
    let mut bytes = URL_SAFE_NO_PAD.decode(&sealed.sealed).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    sealed.sealed = URL_SAFE_NO_PAD.encode(bytes);
    assert_eq!(keys.open("env-1", &sealed).unwrap_err(), OpenError::Rejected);
    let unknown = SealedCredentials { key_id: "k9".into(), sealed: sealed.sealed.clone() };
    assert_eq!(keys.open("env-1", &unknown).unwrap_err(), OpenError::UnknownKey("k9".into()));
    for junk in ["", "!!!", "AAAA"] {
        let s = SealedCredentials { key_id: "k1".into(), sealed: junk.into() };
        assert_eq!(keys.open("env-1", &s).unwrap_err(), OpenError::Malformed, "{junk:?}");
    }
}

#[test]
fn the_api_decides_the_plaintext_shape() {
    let keys = ring(&["k1"]);
    let grant = Uuid::from_u128(7);
    let rest = keys.seal_rest_grant("env-42", &RestGrant::new(grant, "rt-1"));
    match keys.open_for(ApiKind::Rest, "env-42", &rest).unwrap() {
        OpenedCredentials::Rest(g) => {
            assert_eq!(g.grant_id, grant);
            assert_eq!(g.refresh_token.expose_secret(), "rt-1");
        }
        other => panic!("expected a rest grant, got {other:?}"),
    }
    assert_eq!(keys.open_for(ApiKind::Soap, "env-42", &rest).unwrap_err(), OpenError::BadPlaintext);
    assert_eq!(keys.open_for(ApiKind::Rest, "env-43", &rest).unwrap_err(), OpenError::Rejected);
    let soap = keys.seal("env-42", &Credentials::new("u", "t"));
    assert!(matches!(keys.open_for(ApiKind::Soap, "env-42", &soap), Ok(OpenedCredentials::Soap(_))));
    assert_eq!(keys.open_for(ApiKind::Rest, "env-42", &soap).unwrap_err(), OpenError::BadPlaintext);
    let at = Some("2026-12-01T09:00:00+01:00".parse().unwrap());
    let dated = keys.seal_rest_grant("env-42", &RestGrant::new(grant, "rt-1").consented(at));
    assert!(
        matches!(keys.open_for(ApiKind::Rest, "env-42", &dated), Ok(OpenedCredentials::Rest(g)) if g.consented_at == at)
    );
    let empty = keys.seal_rest_grant("env-42", &RestGrant::new(grant, " "));
    assert_eq!(keys.open_for(ApiKind::Rest, "env-42", &empty).unwrap_err(), OpenError::BadPlaintext);
    let api: ApiKind = serde_json::from_str("\"rest\"").unwrap();
    assert_eq!((api, ApiKind::default()), (ApiKind::Rest, ApiKind::Soap));
}

#[test]
fn a_stored_refresh_token_opens_only_for_its_integration_and_grant() {
    let keys = ring(&["k1"]);
    let (g1, g2) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let token = SecretString::from("rt-stored");
    let sealed = keys.seal_stored_refresh_token("env-1", g1, &token);
    assert_eq!(keys.open_stored_refresh_token("env-1", g1, &sealed).unwrap().expose_secret(), "rt-stored");
    assert_eq!(keys.open_stored_refresh_token("env-1", g2, &sealed).unwrap_err(), OpenError::Rejected);
    assert_eq!(keys.open_stored_refresh_token("env-2", g1, &sealed).unwrap_err(), OpenError::Rejected);
    assert_eq!(keys.open_for(ApiKind::Rest, "env-1", &sealed).unwrap_err(), OpenError::Rejected);
    let as_job = keys.seal_rest_grant("env-1", &RestGrant::new(g1, "rt"));
    assert_eq!(keys.open_stored_refresh_token("env-1", g1, &as_job).unwrap_err(), OpenError::Rejected);
}

#[test]
fn key_ring_parse_errors() {
    assert_eq!(KeyRing::parse("").unwrap_err(), KeyRingError::Empty);
    assert_eq!(KeyRing::parse("nocolon").unwrap_err(), KeyRingError::Malformed(1));
    assert_eq!(KeyRing::parse("k1:c2hvcnQ=").unwrap_err(), KeyRingError::BadKey("k1".into()));
    let e = KeyRing::generate_entry("k1");
    assert_eq!(KeyRing::parse(&format!("{e},{e}")).unwrap_err(), KeyRingError::Duplicate("k1".into()));
}

#[test]
fn debug_never_shows_secrets() {
    let creds = Credentials::new("api@example.com", "tok-123");
    let shown = format!("{creds:?}");
    assert!(!shown.contains("tok-123") && !shown.contains("api@example.com"), "{shown}");
    let sealed = ring(&["k1"]).seal("e", &creds);
    assert!(!format!("{sealed:?}").contains(&sealed.sealed));
    let grant = RestGrant::new(Uuid::from_u128(3), "rt-secret");
    assert!(
        !format!("{grant:?} {:?}", OpenedCredentials::Rest(RestGrant::new(grant.grant_id, "rt-secret")))
            .contains("rt-secret")
    );
}
