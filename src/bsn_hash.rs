//! The BSN as a keyed hash (issue 10, CONTRACT §5.4): while an integration is on SOAP, the worker
//! keeps per employee an HMAC-SHA256 of the BSN, never the BSN, so that at the switch to REST
//! an employee is recognised by BSN (REST's `privateInfos`) without the worker ever storing the
//! number. The key is a subkey of the credentials key ring ([`KeyRing::current_subkey`] with
//! [`PURPOSE`]); the id of the ring key it came from is stored with each hash, so after a
//! rotation a hash is checked under its own key ([`BsnHasher::for_key`]) as long as that key is
//! in the ring, and the next read re-keys it under the current one.
//!
//! The input is the normalised BSN of [`Bsn`] (`domain::team::bsn`): its 9 ASCII digits,
//! leading zeros kept.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::{
    credentials::{KeyRing, Subkey},
    domain::team::Bsn,
};

/// HKDF info label of the BSN-hash subkey; a new label (`…/v2`) would mean new hashes.
pub const PURPOSE: &[u8] = b"nmbrs-worker/bsn-hmac/v1";

/// An HMAC-SHA256 of a BSN (32 bytes). Not the BSN; still, it is not printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BsnHmac(pub [u8; 32]);

impl std::fmt::Debug for BsnHmac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BsnHmac(<32 bytes>)")
    }
}

/// Hashes BSNs under one ring key's BSN subkey.
#[derive(Debug)]
pub struct BsnHasher {
    subkey: Subkey,
}

impl BsnHasher {
    /// Under the current (sealing) key of the ring.
    pub fn current(keys: &KeyRing) -> Self {
        Self { subkey: keys.current_subkey(PURPOSE) }
    }

    /// Under the ring key `key_id`, while it is in the ring.
    pub fn for_key(keys: &KeyRing, key_id: &str) -> Option<Self> {
        keys.subkey(key_id, PURPOSE).map(|subkey| Self { subkey })
    }

    /// The ring key the hashes are made under (stored with them).
    pub fn key_id(&self) -> &str {
        &self.subkey.key_id
    }

    /// HMAC-SHA256(subkey, the BSN's 9 digits).
    pub fn hash(&self, bsn: &Bsn) -> BsnHmac {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.subkey.expose()).expect("HMAC takes a key of any length");
        mac.update(bsn.expose().as_bytes());
        BsnHmac(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::credentials::tests::ring;

    #[test]
    fn the_same_bsn_hashes_alike_in_any_written_form_and_other_bsns_differently() {
        let hasher = BsnHasher::current(&ring(&["k1"]));
        let h = |raw: &str| hasher.hash(&Bsn::parse(raw).unwrap());
        assert_eq!(h("012345678"), h("12345678"), "leading zero kept");
        assert_eq!(h("0123.45.678"), h("012345678"));
        assert_ne!(h("123456782"), h("012345678"));
    }

    #[test]
    fn the_hash_depends_on_the_key_and_an_old_key_still_checks_its_hashes() {
        let keys = ring(&["new", "old"]);
        let bsn = Bsn::parse("123456782").unwrap();
        let current = BsnHasher::current(&keys);
        assert_eq!(current.key_id(), "new");
        let old = BsnHasher::for_key(&keys, "old").unwrap();
        assert_ne!(current.hash(&bsn), old.hash(&bsn));
        assert_eq!(BsnHasher::for_key(&keys, "new").unwrap().hash(&bsn), current.hash(&bsn));
        assert!(BsnHasher::for_key(&keys, "gone").is_none());
        let other_ring = BsnHasher::current(&ring(&["new"]));
        assert_ne!(other_ring.hash(&bsn), current.hash(&bsn), "same key id, another key");
    }

    #[test]
    fn neither_the_hash_nor_the_hasher_prints_anything_secret() {
        let hasher = BsnHasher::current(&ring(&["k1"]));
        let hash = hasher.hash(&Bsn::parse("123456782").unwrap());
        assert_eq!(format!("{hash:?}"), "BsnHmac(<32 bytes>)");
        assert!(format!("{hasher:?}").contains("redacted"));
    }
}
