# Build: the worker binary, release profile.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY schemas ./schemas
COPY benches ./benches
RUN cargo build --release --locked --bin nmbrs-worker

# Run: a small Debian with CA certificates (Nmbrs is HTTPS) and curl for the health check.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 worker
COPY --from=build /src/target/release/nmbrs-worker /usr/local/bin/nmbrs-worker
USER worker
ENV NMBRS_WORKER_HTTP_ADDR=0.0.0.0:9464
EXPOSE 9464
ENTRYPOINT ["nmbrs-worker"]
CMD ["run"]
