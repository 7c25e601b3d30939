//! Paged REST reads (REST-NOTES §1 "Pagination"): every `data` item of a read, following
//! `nextPage` to the end with `pageSize` 100, within the read bounds of [`ClientConfig`]
//! (issue 19 item 8).
//!
//! **Reading ahead** (issue 22, the storm's tail). Once page 1 has said how many pages the read
//! has (`pagination.totalPages`), the next pages are asked for while the earlier ones are still
//! on their way: up to the integration's `NMBRS_MAX_CONCURRENCY_PER_INTEGRATION` pages at once
//! (its permits still hold every call, so never more calls in flight than that). Pages are
//! still handed on in page order, one at a time. A 5 000-employee company's read of 51 pages
//! then waits for about 13 answers one after the other instead of 51, which is what lets a big
//! sync use the budget the small syncs leave. Fairness is unchanged: the budget hands tokens
//! out round-robin by integration (and a big job's calls wait in the bulk lane), so more calls
//! waiting never earn an integration more turns. No page is asked for that the read's bounds
//! would refuse before it is needed ([`ReadAhead::worth_asking`]): a chain that never ends is
//! followed one page at a time, as before.

use futures::StreamExt;
use futures::stream::FuturesOrdered;
use serde_json::Value;

use super::client::{RestClient, RestReply, RestRequest, rest_error};
use super::error::RestFailure;
use super::operation::RestOperation;
use super::wire::PageEnvelope;
use crate::nmbrs::http::bounded;
use crate::nmbrs::{ClientConfig, NmbrsError};

/// What a paged read has seen so far, and so which pages are worth asking for ahead.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct ReadAhead {
    /// Pages handed on (in order).
    pub seen: usize,
    /// Records and bytes of those pages.
    pub records: usize,
    pub bytes: usize,
    /// The highest page known to exist: the last page's `totalPages`, or the next page when
    /// `nextPage` names one.
    pub known: usize,
    /// Records per page, as the first page said (`pagination.pageSize`).
    pub page_size: usize,
}

impl ReadAhead {
    /// Whether page `n` (from 1) is to be asked for now: it exists as far as the read knows,
    /// it is within `max_pages`, and the pages before it, as full as those seen, do not
    /// already pass the record or byte bound (the read would fail before it needs page `n`).
    pub fn worth_asking(&self, n: usize, config: &ClientConfig) -> bool {
        if n == 1 {
            return true;
        }
        if n > self.known || n > config.max_pages {
            return false;
        }
        let unseen_before = n.saturating_sub(1).saturating_sub(self.seen);
        let records = self.records + unseen_before * self.page_size;
        let per_page = self.bytes / self.seen.max(1);
        let bytes = self.bytes + unseen_before * per_page;
        records <= config.max_read_records && bytes <= config.max_read_bytes
    }
}

impl RestClient {
    /// Every `data` item of a read, following `nextPage` to the end with `pageSize` 100 (the
    /// current-period read declares no paging parameters and is read once), within the read
    /// bounds of [`ClientConfig`] ([`Self::get_pages`]).
    pub(super) async fn get_all(
        &self,
        op: RestOperation,
        path: String,
        query: Vec<(&'static str, String)>,
    ) -> Result<Vec<Value>, NmbrsError> {
        let mut items = Vec::new();
        self.get_pages(op, path, query, |page| items.extend(page)).await?;
        Ok(items)
    }

    /// [`Self::get_all`], handing each page's `data` to `on_page` in page order as it arrives,
    /// so a big company-wide read never holds all its pages as JSON trees at once (the caller
    /// keeps only its typed records). Pages are read ahead (module doc).
    ///
    /// Bounded (issue 19 item 8): a chain longer than `max_pages` pages, holding more than
    /// `max_read_records` records or `max_read_bytes` bytes in all fails this read with
    /// [`RestFailure::ReadTooLong`] naming the limit, before the next page is asked for.
    pub(super) async fn get_pages(
        &self,
        op: RestOperation,
        path: String,
        query: Vec<(&'static str, String)>,
        mut on_page: impl FnMut(Vec<Value>) + Send,
    ) -> Result<(), NmbrsError> {
        let config = self.config();
        let ask = |page: usize| {
            let mut q = query.clone();
            if op.paged() {
                q.push(("pageNumber", page.to_string()));
                q.push(("pageSize", super::PAGE_SIZE.to_string()));
            }
            let request = RestRequest { op, path: path.clone(), query: q, body: None };
            async move { self.call(&request).await }
        };
        let mut read = ReadAhead { known: 1, page_size: super::PAGE_SIZE, ..Default::default() };
        let mut ahead = FuturesOrdered::new();
        let mut asked = 0;
        loop {
            while ahead.len() < self.read_ahead() && read.worth_asking(asked + 1, config) {
                asked += 1;
                ahead.push_back(ask(asked));
            }
            let Some(reply) = ahead.next().await else { return Ok(()) };
            let reply: RestReply = reply?;
            let envelope: PageEnvelope = serde_json::from_slice(&reply.body).map_err(|e| {
                let message = bounded(&format!("not a {{pagination, data}} page: {e}"));
                rest_error(op, RestFailure::Malformed { message }, None)
            })?;
            let more = op.paged() && envelope.has_next() && !envelope.data.is_empty();
            read.seen += 1;
            (read.records, read.bytes) = (read.records + envelope.data.len(), read.bytes + reply.body.len());
            let too_long = |what, limit| Err(rest_error(op, RestFailure::ReadTooLong { what, limit }, None));
            if read.records > config.max_read_records {
                return too_long("records", config.max_read_records);
            }
            if read.bytes > config.max_read_bytes {
                return too_long("bytes", config.max_read_bytes);
            }
            let said = |name| envelope.pagination.as_ref()?.get(name)?.as_u64().and_then(|n| usize::try_from(n).ok());
            let total = said("totalPages").unwrap_or(0);
            if read.seen == 1 {
                read.page_size = said("pageSize").unwrap_or(super::PAGE_SIZE).max(1);
            }
            on_page(envelope.data);
            if !more {
                // Pages asked ahead past a chain that ended early are dropped unread.
                return Ok(());
            }
            if read.seen >= config.max_pages {
                return too_long("pages", config.max_pages);
            }
            read.known = read.known.max(read.seen + 1).max(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pages: usize, records: usize, bytes: usize) -> ClientConfig {
        ClientConfig { max_pages: pages, max_read_records: records, max_read_bytes: bytes, ..ClientConfig::default() }
    }

    #[test]
    fn after_the_first_page_the_pages_it_announces_are_worth_asking_for() {
        let first = ReadAhead { known: 1, page_size: 100, ..Default::default() };
        let plenty = config(1000, 1_000_000, 1 << 30);
        assert!(first.worth_asking(1, &plenty));
        assert!(!first.worth_asking(2, &plenty), "nothing ahead before page 1 says how many there are");
        let read = ReadAhead { seen: 1, records: 100, bytes: 30_000, known: 51, page_size: 100 };
        assert_eq!((2..=60).filter(|&n| read.worth_asking(n, &plenty)).count(), 50, "pages 2 to 51");
        assert_eq!((2..=60).filter(|&n| read.worth_asking(n, &config(10, 1_000_000, 1 << 30))).count(), 9);
    }

    #[test]
    fn no_page_is_asked_for_that_the_bounds_refuse_before_it_is_needed() {
        // 150 records at most: page 2 passes it, so page 3 is never needed.
        let read = ReadAhead { seen: 1, records: 100, bytes: 1_000, known: 3, page_size: 100 };
        let records = config(1000, 150, 1 << 30);
        assert_eq!((2..=3).filter(|&n| read.worth_asking(n, &records)).count(), 1);
        // 2 500 bytes at most, 1 000 a page: pages 2 and 3 are needed, page 4 is not.
        let bytes = config(1000, 1_000_000, 2_500);
        let read = ReadAhead { known: 10, ..read };
        assert_eq!((2..=10).filter(|&n| read.worth_asking(n, &bytes)).count(), 2);
        // A chain that never ends announces one page more each time: one page at a time.
        let endless = ReadAhead { seen: 7, records: 700, bytes: 7_000, known: 8, page_size: 100 };
        assert_eq!((8..=20).filter(|&n| endless.worth_asking(n, &config(1000, 1 << 30, 1 << 30))).count(), 1);
    }
}
