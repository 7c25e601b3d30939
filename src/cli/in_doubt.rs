//! `nmbrs-worker in-doubt`: the export buckets stopped because an insert's reply was lost and
//! could not be read back (CONTRACT §2.5), and how a person resolves one after looking in Nmbrs.
//!
//! Settling takes the integration's export lock, so it never races a running export, and
//! marks the bucket dirty: the next export of the integration brings it to the ledger's value.

use std::io::Write;

use crate::{
    config::Config,
    domain::export::{actions::ComponentLineId, contributions::BucketKey},
    domain::nmbrs_id::NmbrsId,
    nmbrs::{CompanyId, EmployeeId, PayPeriod},
    store::{
        self, AdvisoryLock, LockKey,
        export_buckets::{self, Resolution},
        export_ledger,
    },
};

/// Prints every bucket in doubt (of one integration, or all); returns how many.
pub async fn list(config: &Config, integration: Option<&str>, mut out: impl Write) -> anyhow::Result<usize> {
    let pool = store::connect(&config.database_url, 1).await?;
    let buckets = export_buckets::in_doubt(&pool, integration).await?;
    pool.close().await;
    for b in &buckets {
        let pending = b.pending.map_or_else(|| "-".to_string(), |v| v.to_string());
        let owned: Vec<String> = b.owned.iter().map(|id| id.0.to_string()).collect();
        // The line to look for in Nmbrs carries this marker at the start of its comment.
        let marker = b.marker.as_ref().map_or_else(String::new, |m| format!(", its comment starts with [{m}]"));
        writeln!(
            out,
            "{} company {} employee {} period {} {}: insert of {pending} in doubt{marker} (owned: [{}])",
            b.integration_id,
            b.key.company,
            b.key.employee,
            b.key.period,
            export_ledger::component_text(b.key.component),
            owned.join(", ")
        )?;
    }
    writeln!(out, "{} bucket(s) in doubt", buckets.len())?;
    Ok(buckets.len())
}

/// Which bucket to resolve, as `list` prints it.
#[derive(Debug, Clone)]
pub struct Target {
    pub integration: String,
    pub company: CompanyId,
    pub employee: EmployeeId,
    pub year: i32,
    pub period: u8,
    /// `hours:<code>` or `wage:<code>`.
    pub component: String,
}

/// Resolves one bucket in doubt with what a person found in Nmbrs.
pub async fn resolve(config: &Config, target: &Target, landed_as: Option<NmbrsId>) -> anyhow::Result<()> {
    let component = export_ledger::parse_component(&target.component)
        .ok_or_else(|| anyhow::anyhow!("--component must look like hours:<code> or wage:<code>"))?;
    let key = BucketKey {
        company: target.company,
        employee: target.employee,
        period: PayPeriod::new(target.year, target.period),
        component,
    };
    let how = landed_as.map_or(Resolution::NotLanded, |id| Resolution::LandedAs(ComponentLineId(id)));
    let pool = store::connect(&config.database_url, 1).await?;
    let found = {
        let mut lock = AdvisoryLock::acquire(&pool, LockKey::export(&target.integration)).await?;
        export_buckets::resolve(lock.conn(), &target.integration, &key, how).await
    }; // the lock's scope ends with the resolve: dropping it unlocks
    pool.close().await;
    if !found? {
        anyhow::bail!("no bucket in doubt matches; `nmbrs-worker in-doubt list` shows them");
    }
    Ok(())
}
