//! The serde shape of the REST records that are their own wire struct (issue 17 step 4: one
//! declaration per record, read by the client, served by the simulator): a field is declared
//! once with its plain type and one of the `with` modules here, which read it as a [`Field`]
//! does and write it as [`ToWire`] does. A passed-on field ([`opt`], [`nested`]) reads as
//! `None` (or its default) when absent, null or unreadable; a field a decision needs
//! ([`decides`]) fails the record, and [`checked`] names that field and its problem, so the
//! record goes to `unreadable` exactly as a [`Field::need`] would send it (CONTRACT §2.3).

use serde::de::DeserializeOwned;
use serde_json::Value;

use uuid::Uuid;

use super::{Field, FromWire, Obj, ToWire, Unread, kind_of};
use crate::nmbrs::rest::ids::{DebtorUuid, EmployeeUuid, WageModelUuid};

/// What [`decides`] says of a field that is null (serde says the same of an absent one).
const MISSING: &str = "missing";

/// A passed-on field: `None` when absent, null or unreadable; written as Nmbrs writes it, null
/// when `None`.
pub mod opt {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Field, FromWire, ToWire};

    pub fn deserialize<'de, D: Deserializer<'de>, T: FromWire>(d: D) -> Result<Option<T>, D::Error> {
        Ok(Field::<T>::deserialize(d)?.ok())
    }

    pub fn serialize<S: Serializer, T: ToWire>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => t.to_wire().serialize(s),
            None => s.serialize_none(),
        }
    }
}

/// A field a decision needs: null or unreadable fails the record (absent too: declare it
/// without a serde default), with the problem [`checked`] reports.
pub mod decides {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Field, FromWire, MISSING, ToWire};

    pub fn deserialize<'de, D: Deserializer<'de>, T: FromWire>(d: D) -> Result<T, D::Error> {
        match Field::<T>::deserialize(d)? {
            Field::Value(t) => Ok(t),
            Field::Missing => Err(D::Error::custom(MISSING)),
            Field::Bad(problem) => Err(D::Error::custom(problem)),
        }
    }

    pub fn serialize<S: Serializer, T: ToWire>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.to_wire().serialize(s)
    }
}

/// A nested object passed on: its default when absent, null, not an object or unreadable.
pub mod nested {
    use serde::de::DeserializeOwned;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Field, Obj};

    pub fn deserialize<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
        Ok(Field::<Obj<T>>::deserialize(d)?.ok().map(|o| o.0).unwrap_or_default())
    }

    pub fn serialize<S: Serializer, T: Serialize>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }
}

/// A decimal Nmbrs sends as a string (`costPerHour`): read as every number is
/// ([`FromWire`]), written as its text; `None` as [`opt`].
pub mod opt_text {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        super::opt::deserialize(d)
    }

    pub fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }
}

/// One record read into its own type: a field a decision needs that is absent, null or
/// unreadable is `(its JSON name, "missing" | the problem)`; anything else that fails the
/// record (it is no object, a list is no list) is `("(record)", …)` as before.
pub fn checked<T: DeserializeOwned>(v: &Value) -> Result<T, Unread> {
    if !v.is_object() {
        return Err(("(record)".into(), format!("{} is not an object", kind_of(v))));
    }
    serde_path_to_error::deserialize(v).map_err(|e| {
        let at = e.path().to_string();
        let problem = e.into_inner().to_string();
        let missing = problem.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`'));
        match missing {
            Some(name) if at == "." => (name.to_owned().into(), MISSING.to_owned()),
            Some(name) => (format!("{at}.{name}").into(), MISSING.to_owned()),
            None if at == "." => ("(record)".into(), problem),
            None => (at.into(), problem),
        }
    })
}

/// The REST ids of the records here read and write as the UUID they are.
macro_rules! uuid_fields {
    ($($id:ident),*) => {$(
        impl FromWire for $id {
            fn from_wire(v: &Value) -> Result<Self, String> {
                Uuid::from_wire(v).map($id)
            }
        }

        impl ToWire for $id {
            fn to_wire(&self) -> Value {
                self.0.to_wire()
            }
        }
    )*};
}

uuid_fields!(DebtorUuid, EmployeeUuid, WageModelUuid);

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Serialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Probe {
        #[serde(with = "decides")]
        employee_id: uuid::Uuid,
        #[serde(default, with = "opt")]
        hours: Option<rust_decimal::Decimal>,
    }

    #[test]
    fn a_deciding_field_names_itself_and_a_passed_on_one_reads_none() {
        let id = uuid::Uuid::nil();
        let read = |v: Value| checked::<Probe>(&v).map_err(|(f, p)| (f.into_owned(), p));
        assert_eq!(read(json!({"employeeId": id, "hours": "x"})), Ok(Probe { employee_id: id, hours: None }));
        assert_eq!(read(json!({"hours": 1})), Err(("employeeId".into(), "missing".into())));
        assert_eq!(read(json!({"employeeId": null})), Err(("employeeId".into(), "missing".into())));
        assert_eq!(read(json!({"employeeId": 12})), Err(("employeeId".into(), "a number is not a UUID".into())));
        assert_eq!(read(json!([])), Err(("(record)".into(), "a list is not an object".into())));
        let p = Probe { employee_id: id, hours: Some(rust_decimal::Decimal::new(75, 1)) };
        assert_eq!(serde_json::to_value(&p).unwrap(), json!({"employeeId": id.to_string(), "hours": 7.5}));
    }
}
