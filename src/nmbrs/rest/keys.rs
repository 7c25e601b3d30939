//! The app's two subscription keys (`NMBRS_SUBSCRIPTION_KEY`, `NMBRS_SUBSCRIPTION_KEY_SECONDARY`)
//! and which one a call tries first (CONTRACT §5.1 "A 401 that is not about the token"). The
//! client (`client.rs`) repeats a call the API gateway refused once with the other key.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use secrecy::SecretString;

use super::RestApp;

/// The app's subscription keys (`NMBRS_SUBSCRIPTION_KEY`, `NMBRS_SUBSCRIPTION_KEY_SECONDARY`):
/// an API product subscription has two, so a key can be rotated without an outage. Which one is
/// tried first is shared by every client of the process.
#[derive(Clone)]
pub(super) struct SubscriptionKeys {
    primary: SecretString,
    secondary: Option<SecretString>,
    /// The gateway refused the primary key and took the secondary one.
    secondary_first: Arc<AtomicBool>,
}

/// Which of the two keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KeySlot {
    Primary,
    Secondary,
}

impl KeySlot {
    pub(super) fn name(self) -> &'static str {
        match self {
            KeySlot::Primary => "primary",
            KeySlot::Secondary => "secondary",
        }
    }
}

impl SubscriptionKeys {
    /// The key tried first.
    pub(super) fn first(&self) -> KeySlot {
        if self.secondary.is_some() && self.secondary_first.load(Ordering::Relaxed) {
            KeySlot::Secondary
        } else {
            KeySlot::Primary
        }
    }

    /// The other key, if both are set.
    pub(super) fn other(&self, slot: KeySlot) -> Option<KeySlot> {
        match slot {
            KeySlot::Primary => self.secondary.as_ref().map(|_| KeySlot::Secondary),
            KeySlot::Secondary => Some(KeySlot::Primary),
        }
    }

    pub(super) fn get(&self, slot: KeySlot) -> &SecretString {
        match (slot, &self.secondary) {
            (KeySlot::Secondary, Some(key)) => key,
            _ => &self.primary,
        }
    }

    /// Remembers that `slot` worked after the other was refused.
    pub(super) fn prefer(&self, slot: KeySlot) {
        self.secondary_first.store(slot == KeySlot::Secondary, Ordering::Relaxed);
    }
}

impl SubscriptionKeys {
    /// The keys of `app`, the primary first.
    pub(super) fn new(app: &RestApp) -> Self {
        SubscriptionKeys {
            primary: app.subscription_key.clone(),
            secondary: app.secondary_subscription_key.clone(),
            secondary_first: Arc::new(AtomicBool::new(false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(secondary: Option<&str>) -> SubscriptionKeys {
        SubscriptionKeys {
            primary: SecretString::from("one"),
            secondary: secondary.map(SecretString::from),
            secondary_first: Arc::default(),
        }
    }

    #[test]
    fn the_other_key_exists_only_when_both_are_set_and_the_one_that_worked_goes_first() {
        use secrecy::ExposeSecret;
        assert_eq!(keys(None).other(KeySlot::Primary), None);
        let both = keys(Some("two"));
        assert_eq!(both.first(), KeySlot::Primary);
        assert_eq!(both.other(KeySlot::Primary), Some(KeySlot::Secondary));
        both.prefer(KeySlot::Secondary);
        assert_eq!((both.first(), both.get(both.first()).expose_secret()), (KeySlot::Secondary, "two"));
        both.prefer(KeySlot::Primary);
        assert_eq!(both.get(both.first()).expose_secret(), "one");
    }
}
