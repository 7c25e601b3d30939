//! Question 5, SOAP comments over REST (REST-NOTES §4 [L], the SOAP→REST switch's assumption,
//! CONTRACT §5.4): is a line inserted through SOAP with a marker comment visible over REST with
//! its comment (`soap_comment_over_rest`)? Only with the SOAP settings (`--soap-domain`,
//! `NMBRS_SOAP_USERNAME`, `NMBRS_SOAP_TOKEN`, `NMBRS_BASE_URL`); otherwise `not_probed`.
//!
//! The SOAP company is the one with the REST company's number, the SOAP employee the one with
//! the REST employee's number (exactly one). The envelopes are the worker's own
//! (`nmbrs::soap::envelope::request`), sent through the record with the credentials redacted
//! (on the domain's SOAP call budget);
//! the line is deleted through SOAP (`HourComponent_Delete`) right after.

use super::ProbeCtx;
use crate::cli::probe::findings::Findings;
use crate::cli::probe::journal::SoapLine;
use crate::cli::probe::lines;
use crate::cli::probe::recorder::{ProbeRequest, Recorder};
use crate::nmbrs::budget::Scope;
use crate::nmbrs::soap::envelope::{self, Value};
use crate::nmbrs::soap::{Operation as Op, SoapCredentials, reader};
use crate::nmbrs::{Company, EmployeeListItem, NmbrsId, PayPeriod};

/// The optional SOAP settings of a probe run.
pub struct Soap {
    pub base_url: String,
    pub credentials: SoapCredentials,
}

impl Soap {
    /// One SOAP call through the record; the response text, or the fault / status as an error.
    async fn call(&self, rec: &Recorder, op: Op, params: &[(&'static str, Value<'_>)]) -> anyhow::Result<String> {
        rec.secret(self.credentials.username());
        rec.secret(self.credentials.token());
        let body = envelope::request(op, &self.credentials, params);
        let url = format!("{}/{}", self.base_url.trim_end_matches('/'), op.service().path());
        let headers = vec![
            ("Content-Type".to_owned(), "text/xml; charset=utf-8".to_owned()),
            ("SOAPAction".to_owned(), format!("\"{}\"", op.soap_action())),
        ];
        // The SOAP budget of the environment, shared with the worker's SOAP calls to it.
        let budget = Some(Scope::Soap { domain: self.credentials.domain().to_owned() });
        let (method, body) = (reqwest::Method::POST, Some(body));
        let reply = rec.send(ProbeRequest { method, url, headers, body, off_spec: None, budget }).await?;
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        anyhow::ensure!(reply.ok(), "{op} answered {}", rec.cite(&reply));
        Ok(text)
    }

    pub async fn companies(&self, rec: &Recorder) -> anyhow::Result<Vec<Company>> {
        let xml = self.call(rec, Op::ListGetAll, &[]).await?;
        Ok(reader::readable(
            reader::read_list(&xml, Op::ListGetAll.name(), "Company").map_err(read_error)?,
            "List_GetAll",
        ))
    }

    pub async fn employees(&self, rec: &Recorder, company: NmbrsId) -> anyhow::Result<Vec<EmployeeListItem>> {
        let params = [("CompanyId", Value::Id(company)), ("EmployeeType", Value::Int(1))];
        let xml = self.call(rec, Op::ListGetByCompany, &params).await?;
        let listed = reader::read_list(&xml, Op::ListGetByCompany.name(), "Employee").map_err(read_error)?;
        Ok(reader::readable(listed, "List_GetByCompany"))
    }

    pub async fn insert_hours(
        &self,
        rec: &Recorder,
        employee: i32,
        code: i64,
        comment: &str,
        period: PayPeriod,
    ) -> anyhow::Result<i32> {
        let line = Value::Group(vec![
            ("Id", Value::Int(0)),
            ("HourCode", Value::Int(i32::try_from(code)?)),
            ("Hours", Value::Decimal(rust_decimal::Decimal::new(125, 2))),
            ("CostCenterId", Value::NillableInt(None)),
            ("CostUnitId", Value::NillableInt(None)),
            ("Comment", Value::Text(Some(comment))),
        ]);
        let params = [
            ("EmployeeId", Value::Int(employee)),
            ("Hourcomponent", line),
            ("Period", Value::Int(period.period.into())),
            ("Year", Value::Int(period.year)),
            ("UnprotectedMode", Value::Bool(false)),
        ];
        let xml = self.call(rec, Op::HourComponentVarInsert, &params).await?;
        let id = reader::read_scalar(&xml, Op::HourComponentVarInsert.name()).map_err(read_error)?;
        id.and_then(|t| t.trim().parse().ok()).ok_or_else(|| anyhow::anyhow!("HourComponentVar_Insert answered no id"))
    }

    pub async fn delete_hours(&self, rec: &Recorder, employee: i32, id: i32) -> anyhow::Result<()> {
        let params = [("EmployeeId", Value::Int(employee)), ("HourComponentID", Value::Int(id))];
        self.call(rec, Op::HourComponentDelete, &params).await.map(drop)
    }
}

fn read_error(e: reader::ReadError) -> anyhow::Error {
    match e {
        reader::ReadError::Fault(f) => anyhow::anyhow!("SOAP fault {:?}: {}", f.nmbrs_code, f.message()),
        reader::ReadError::Malformed(m) => anyhow::anyhow!("unreadable SOAP response: {m}"),
    }
}

pub async fn ask(
    ctx: &ProbeCtx<'_>,
    soap: Option<&Soap>,
    company_number: &str,
    employee_number: Option<i64>,
    f: &mut Findings,
) {
    ctx.rest.rec.question("soap_comment");
    let Some(soap) = soap else {
        let why =
            "no SOAP settings: give --soap-domain with NMBRS_SOAP_USERNAME and NMBRS_SOAP_TOKEN (and NMBRS_BASE_URL)";
        f.set("soap_comment_over_rest", "not_probed", why);
        return;
    };
    match run(ctx, soap, company_number, employee_number).await {
        Ok((Some(answer), evidence)) => f.set("soap_comment_over_rest", answer, evidence),
        Ok((None, evidence)) => f.unknown("soap_comment_over_rest", evidence),
        Err(e) => f.unknown("soap_comment_over_rest", format!("question 5 stopped: {e:#}")),
    }
}

async fn run(
    ctx: &ProbeCtx<'_>,
    soap: &Soap,
    company_number: &str,
    employee_number: Option<i64>,
) -> anyhow::Result<(Option<&'static str>, String)> {
    let rec = ctx.rest.rec;
    let number: i32 = company_number
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("the company number {company_number:?} is not SOAP's integer"))?;
    let companies: Vec<Company> = soap.companies(rec).await?.into_iter().filter(|c| c.number == number).collect();
    let [company] = companies.as_slice() else {
        anyhow::bail!("{} SOAP companies have number {number}; exactly one is needed", companies.len());
    };
    let wanted = employee_number.ok_or_else(|| anyhow::anyhow!("the REST employee list gives no employee number"))?;
    let employees: Vec<EmployeeListItem> =
        soap.employees(rec, company.id.0).await?.into_iter().filter(|e| i64::from(e.number) == wanted).collect();
    let [employee] = employees.as_slice() else {
        anyhow::bail!("{} SOAP employees have number {wanted}; exactly one is needed", employees.len());
    };
    let soap_employee =
        employee.id.0.soap().ok_or_else(|| anyhow::anyhow!("SOAP answered a non-integer employee id"))?;
    let comment = ctx.marker.comment("question 5 SOAP line");
    let id = soap.insert_hours(rec, soap_employee, ctx.hour_code, &comment, ctx.next).await?;
    ctx.journal().add_soap_line(SoapLine { employee: soap_employee, id })?;
    let read = lines::hours(&ctx.rest, &ctx.employee, ctx.next).await;
    soap.delete_hours(rec, soap_employee, id).await?;
    ctx.journal().forget_soap_line(id)?;
    let read = read?;
    let marked = read.iter().find(|l| ctx.marker.same(&comment, l.comment.as_deref()));
    let same_line =
        read.iter().filter(|l| l.code == Some(ctx.hour_code) && l.value == Some(rust_decimal::Decimal::new(125, 2)));
    let evidence = format!(
        "HourComponentVar_Insert id {id} in {} with a marker comment; REST variable hours of {} list {} line(s)",
        ctx.next,
        ctx.next,
        read.len()
    );
    Ok(match (marked, same_line.clone().count()) {
        (Some(_), _) => (Some("visible"), format!("{evidence}, one with the SOAP comment")),
        (None, n) if n > 0 => {
            (Some("absent"), format!("{evidence}: {n} with its code and hours, none with its comment"))
        }
        _ => (None, format!("{evidence}: the SOAP line is not among them")),
    })
}
