//! How the domain's Nmbrs ids sit in PostgreSQL: every [`NmbrsId`] (and each id newtype around
//! one) is `text`, decimal digits for a SOAP integer, the hyphenated form for a REST UUID, so one
//! column holds either (CONTRACT §5.2). It lives here, not in `domain::nmbrs`, so the domain
//! names no `sqlx` (issue 17).

use sqlx::{
    Decode, Encode, Postgres, Type,
    encode::IsNull,
    error::BoxDynError,
    postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef},
};

use crate::domain::nmbrs::{
    CompanyId, ContractId, EmployeeId, HourComponentId, SalaryId, WageComponentId, id::NmbrsId,
};

impl Type<Postgres> for NmbrsId {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as Type<Postgres>>::compatible(ty)
    }
}

impl PgHasArrayType for NmbrsId {
    fn array_type_info() -> PgTypeInfo {
        <String as PgHasArrayType>::array_type_info()
    }
}

impl<'q> Encode<'q, Postgres> for NmbrsId {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<Postgres>>::encode(self.to_string(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for NmbrsId {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Postgres>>::decode(value)?;
        Ok(text.parse()?)
    }
}

/// Each id newtype is its [`NmbrsId`] in the database (what `#[sqlx(transparent)]` would derive).
macro_rules! transparent_id {
    ($($name:ident),* $(,)?) => {$(
        impl Type<Postgres> for $name {
            fn type_info() -> PgTypeInfo {
                <NmbrsId as Type<Postgres>>::type_info()
            }

            fn compatible(ty: &PgTypeInfo) -> bool {
                <NmbrsId as Type<Postgres>>::compatible(ty)
            }
        }

        impl PgHasArrayType for $name {
            fn array_type_info() -> PgTypeInfo {
                <NmbrsId as PgHasArrayType>::array_type_info()
            }
        }

        impl<'q> Encode<'q, Postgres> for $name {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <NmbrsId as Encode<Postgres>>::encode_by_ref(&self.0, buf)
            }
        }

        impl<'r> Decode<'r, Postgres> for $name {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok($name(<NmbrsId as Decode<Postgres>>::decode(value)?))
            }
        }
    )*};
}

transparent_id!(EmployeeId, CompanyId, HourComponentId, WageComponentId, ContractId, SalaryId);
