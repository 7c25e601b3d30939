//! What both operation catalogues share (SOAP `soap::operation`, REST `rest::operation`): what
//! repeating a call does ([`Effect`], which decides retries in `nmbrs::http`), and the common
//! part of each catalogue's enum, [`operation_catalogue!`]: `ALL`, the exact `name`, the
//! `effect` and a `Display` that writes the name. Each catalogue declares its enum and adds its
//! own columns (SOAP: service and parameters; REST: scopes, paging and the SOAP operation).

/// What a repeat of the call does, which decides whether a transient failure may retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reads change nothing: retry freely.
    Read,
    /// Deletes and set-style writes: repeating gives the same state, retry freely.
    Idempotent,
    /// Inserts add a line per call: never retried once the request may have been sent.
    Insert,
}

/// The common part of a catalogue's enum, `Name { Variant = "exact name", Effect; … }` (every
/// variant, in catalogue order): `ALL` in that order, `name()`, `effect()` and `Display`.
macro_rules! operation_catalogue {
    ($enum:ident { $($variant:ident = $name:literal, $effect:ident;)* }) => {
        impl $enum {
            /// Every operation, in catalogue order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),*];

            /// The operation's exact name in its catalogue.
            pub fn name(self) -> &'static str {
                match self { $($enum::$variant => $name),* }
            }

            /// What repeating the call does (decides retries after a lost reply).
            pub fn effect(self) -> $crate::nmbrs::catalogue::Effect {
                match self { $($enum::$variant => $crate::nmbrs::catalogue::Effect::$effect),* }
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
pub(crate) use operation_catalogue;
