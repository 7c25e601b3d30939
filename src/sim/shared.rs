//! The simulator's state as the HTTP handlers of both faces (SOAP in `http.rs`, REST in
//! `rest/`) hold it, how they lock it, the dropped connection both can inject, and the count of
//! calls in flight both keep ([`InFlight`]). A leaf, so the REST face uses it without importing
//! the SOAP face's router.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::state::SimState;

/// The state every handler holds.
pub type Shared = Arc<Mutex<SimState>>;

pub(crate) fn lock(s: &Shared) -> std::sync::MutexGuard<'_, SimState> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    s.lock().unwrap_or_else(|e| e.into_inner())
}

/// Headers go out, then the body fails: the client sees a broken connection.
pub(crate) fn dropped() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("simulated dropped connection"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(Body::from_stream(stream))
        .expect("static response parts are valid")
}

/// Counts an API call (SOAP or REST) in flight for as long as it lives.
pub(crate) struct InFlight(Shared);

impl InFlight {
    pub(crate) fn enter(state: &Shared) -> Self {
        let mut s = lock(state);
        s.in_flight += 1;
        s.max_in_flight = s.max_in_flight.max(s.in_flight);
        InFlight(state.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.0).in_flight -= 1;
    }
}
