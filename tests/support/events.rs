//! What a test reads from the broker: the events of its `nmbrs.events` as they arrive
//! ([`Events`], each one already checked against its JSON Schema by `TestEnv::events`) and the
//! messages parked in its dead-letter queue ([`Parked`]). Split from `mod.rs` to keep the
//! harness file short.

use std::time::Duration;

use lapin::{Channel, Connection};
use serde_json::Value;
use tokio::sync::mpsc;

pub struct Parked {
    pub code: Option<String>,
    pub error: Option<String>,
    pub routing_key: Option<String>,
    pub message_id: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub body: Value,
    pub correlation: Option<String>,
    pub traceparent: Option<String>,
}

impl Received {
    pub fn kind(&self) -> &str {
        self.body["type"].as_str().unwrap()
    }
}

pub struct Events {
    rx: mpsc::UnboundedReceiver<Received>,
    pub seen: Vec<Received>,
    _conn: Connection,
    _channel: Channel,
}

impl Events {
    /// Events read from `rx`, which `TestEnv::events` feeds from a consumer on `channel`.
    pub(super) fn new(rx: mpsc::UnboundedReceiver<Received>, conn: Connection, channel: Channel) -> Self {
        Events { rx, seen: Vec::new(), _conn: conn, _channel: channel }
    }

    /// Waits until an event matching `pred` arrives (or panics after `secs`).
    pub async fn wait_for(&mut self, secs: u64, what: &str, pred: impl Fn(&Received) -> bool) -> Received {
        if let Some(found) = self.seen.iter().find(|e| pred(e)) {
            return found.clone();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let next = tokio::time::timeout_at(deadline, self.rx.recv()).await;
            match next {
                Ok(Some(ev)) => {
                    self.seen.push(ev.clone());
                    if pred(&ev) {
                        return ev;
                    }
                }
                _ => {
                    panic!("no {what} within {secs}s; saw {:#?}", self.seen.iter().map(|e| &e.body).collect::<Vec<_>>())
                }
            }
        }
    }

    /// Waits until `n` events matching `pred` have arrived; returns them.
    pub async fn wait_for_count(
        &mut self,
        secs: u64,
        what: &str,
        n: usize,
        pred: impl Fn(&Received) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let found: Vec<Received> = self.seen.iter().filter(|e| pred(e)).cloned().collect();
            if found.len() >= n {
                return found;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(ev)) => self.seen.push(ev),
                _ => panic!(
                    "only {} of {n} {what} within {secs}s; saw {:#?}",
                    found.len(),
                    self.seen.iter().map(|e| &e.body).collect::<Vec<_>>()
                ),
            }
        }
    }

    /// Collects whatever arrives within `ms` milliseconds.
    pub async fn collect_for(&mut self, ms: u64) {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(ms);
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.seen.push(ev);
        }
    }

    pub fn of(&self, kind: &str, message_id: &str) -> Vec<&Received> {
        self.seen.iter().filter(|e| e.kind() == kind && e.body["job"]["message_id"] == message_id).collect()
    }
}
