//! `CompanyService.asmx`: the SOAP implementation of [`CompanyService`] (companies, current
//! period and the hour/wage models).

use async_trait::async_trait;

use super::client::SoapClient;
use super::envelope::Value;
use super::operation::Operation as Op;
use super::reader;
use crate::domain::nmbrs::model::*;
use crate::nmbrs::{CompanyService, NmbrsError};

impl SoapClient {
    async fn model_codes(&self, op: Op, item: &'static str, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        let params = [("CompanyId", Value::Id(company.0))];
        self.call(op, &params, |xml| Ok(reader::readable(reader::read_list(xml, op.name(), item)?, op.name()))).await
    }
}

#[async_trait]
impl CompanyService for SoapClient {
    async fn companies(&self) -> Result<Vec<Company>, NmbrsError> {
        let op = Op::ListGetAll;
        self.call(op, &[], |xml| Ok(reader::readable(reader::read_list(xml, op.name(), "Company")?, op.name()))).await
    }

    async fn current_period(&self, company: CompanyId) -> Result<CurrentPeriod, NmbrsError> {
        let op = Op::CompanyGetCurrentPeriod;
        let params = [("CompanyId", Value::Id(company.0))];
        let raw = self.call(op, &params, |xml| reader::read_scalar(xml, op.name())).await?;
        let raw = raw.filter(|r| !r.trim().is_empty()).ok_or(NmbrsError::NoResult { operation: op })?;
        CurrentPeriod::parse(&raw)
            .map_err(|e| NmbrsError::Malformed { operation: op, message: crate::nmbrs::http::bounded(&e.to_string()) })
    }

    async fn hour_codes(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        self.model_codes(Op::HourModelGetHourCodes, "HourCode", company).await
    }

    async fn hour_codes2(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        self.model_codes(Op::HourModel2GetHourCodes, "HourCode", company).await
    }

    async fn wage_codes(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        self.model_codes(Op::WageModelGetWageCodes, "WageCode", company).await
    }

    async fn wage_codes2(&self, company: CompanyId) -> Result<Vec<ModelCode>, NmbrsError> {
        self.model_codes(Op::WageModel2GetWageCodes, "WageCode", company).await
    }
}
