//! Logs, traces and the W3C trace context in AMQP headers.
//!
//! Logs are JSON lines on stdout, filtered by `RUST_LOG` (default `info`). Spans always carry
//! OpenTelemetry context, so a job continues the `traceparent` its publisher sent and passes it
//! on to the events it publishes; spans are exported over OTLP only when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

use std::collections::HashMap;

use lapin::types::FieldTable;
use opentelemetry::{
    Context, global,
    propagation::{Extractor, Injector, TextMapPropagator},
    trace::TracerProvider as _,
};
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

/// Keeps the tracer provider alive; flushes spans on drop.
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

/// Installs the JSON log subscriber and the OpenTelemetry layer. Call once, at start.
pub fn init(otlp_endpoint: Option<&str>) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let mut builder = SdkTracerProvider::builder()
        .with_resource(opentelemetry_sdk::Resource::builder().with_service_name("nmbrs-worker").build());
    if otlp_endpoint.is_some() {
        // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and the other OTEL_* variables) itself.
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build()?;
        builder = builder.with_batch_exporter(exporter);
    }
    let provider = builder.build();
    let tracer = provider.tracer("nmbrs-worker");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().json().with_current_span(true).with_span_list(false))
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .try_init()?;
    Ok(TelemetryGuard { provider })
}

/// The longest `traceparent` taken from a message (version 00 is 55 bytes; later versions
/// may add fields).
pub const TRACEPARENT_MAX: usize = 128;
/// The longest `tracestate` taken from a message (W3C: at least 512 characters are passed on).
pub const TRACESTATE_MAX: usize = 512;

/// The W3C trace headers an event or message carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceHeaders {
    pub traceparent: Option<String>,
    pub tracestate: Option<String>,
}

impl TraceHeaders {
    /// The trace context of the current span, to pass on to what it publishes.
    pub fn current() -> Self {
        let cx = tracing::Span::current().context();
        let mut map: HashMap<String, String> = HashMap::new();
        TraceContextPropagator::new().inject_context(&cx, &mut MapInjector(&mut map));
        Self { traceparent: map.remove("traceparent"), tracestate: map.remove("tracestate").filter(|s| !s.is_empty()) }
    }

    /// These headers if they name a trace, else `fallback` (the incoming ones, when no
    /// OpenTelemetry layer is installed to give the current span a context).
    pub fn or(self, fallback: TraceHeaders) -> Self {
        if self.traceparent.is_some() { self } else { fallback }
    }

    /// Reads `traceparent`/`tracestate` from AMQP headers. A value that is not printable
    /// ASCII or longer than W3C's forms ([`TRACEPARENT_MAX`], [`TRACESTATE_MAX`]) is dropped:
    /// it is input, and it goes on into the outbox and every event of the job.
    pub fn from_amqp(headers: Option<&FieldTable>) -> Self {
        let get = |name: &str, max: usize| {
            headers
                .and_then(|h| crate::bus::headers::text(h, name))
                .filter(|v| v.len() <= max && v.bytes().all(|b| (0x20..0x7f).contains(&b)))
        };
        Self { traceparent: get("traceparent", TRACEPARENT_MAX), tracestate: get("tracestate", TRACESTATE_MAX) }
    }

    /// The OpenTelemetry context these headers describe (empty when there are none).
    pub fn context(&self) -> Context {
        TraceContextPropagator::new().extract(self)
    }

    /// Writes the headers into an AMQP header table.
    pub fn write_to(&self, headers: &mut FieldTable) {
        for (name, value) in [("traceparent", &self.traceparent), ("tracestate", &self.tracestate)] {
            if let Some(v) = value {
                headers.insert(name.into(), crate::bus::fields::header_text(v));
            }
        }
    }
}

impl Extractor for TraceHeaders {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.traceparent.as_deref(),
            "tracestate" => self.tracestate.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "tracestate"]
    }
}

struct MapInjector<'a>(&'a mut HashMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
}

/// Makes `span` a child of the trace described by `headers`.
pub fn continue_trace(span: &tracing::Span, headers: &TraceHeaders) {
    if headers.traceparent.is_some() {
        let _ = span.set_parent(headers.context());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;

    #[test]
    fn traceparent_round_trips_through_amqp_headers() {
        let incoming = TraceHeaders {
            traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
            tracestate: Some("eitje=1".into()),
        };
        let mut table = FieldTable::default();
        incoming.write_to(&mut table);
        let read = TraceHeaders::from_amqp(Some(&table));
        assert_eq!(read, incoming);
        let cx = read.context();
        assert_eq!(cx.span().span_context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
    }

    #[test]
    fn trace_headers_that_are_too_long_or_not_printable_are_dropped() {
        let mut table = FieldTable::default();
        crate::bus::headers::set_text(&mut table, "traceparent", &"0".repeat(TRACEPARENT_MAX + 1));
        crate::bus::headers::set_text(&mut table, "tracestate", "a=\u{0}b");
        assert_eq!(TraceHeaders::from_amqp(Some(&table)), TraceHeaders::default());
    }
}
