# fed311 in two stages: a build on a pinned Rust toolchain, and a small runtime that runs as
# an unprivileged user with a health check. For a fully reproducible image, pin both bases
# by digest as well (`FROM rust:1.86.0-slim-bookworm@sha256:…`).

# Build stage. Dependencies first, in their own layer: the manifests with stub sources build
# every dependency once, so an edit under src/ rebuilds fed311 alone.
FROM rust:1.86.0-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && echo '//! stub' > src/lib.rs \
    && cargo build --release --locked --bin fed311 \
    && rm -rf src target/release/fed311 target/release/deps/fed311-* target/release/deps/libfed311-* \
       target/release/.fingerprint/fed311-*
COPY src ./src
RUN cargo build --release --locked --bin fed311

# Run stage: the binary, the shipped registry, CA certificates for HTTPS cities, curl for
# the health check. Data and index live under /var/lib/fed311, owned by the `fed311` user
# (named volumes mounted there take that ownership).
FROM debian:12.10-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 fed311 \
    && useradd --system --uid 10001 --gid fed311 --home-dir /var/lib/fed311 --shell /usr/sbin/nologin fed311 \
    && mkdir -p /var/lib/fed311/data /var/lib/fed311/index \
    && chown -R fed311:fed311 /var/lib/fed311
WORKDIR /app
COPY --from=build /src/target/release/fed311 /usr/local/bin/fed311
COPY jurisdictions ./jurisdictions
ENV FED311_JURISDICTIONS=/app/jurisdictions \
    FED311_DATA=/var/lib/fed311/data \
    FED311_INDEX=/var/lib/fed311/index \
    FED311_ADDR=0.0.0.0:8311
USER fed311:fed311
EXPOSE 8311
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8311/healthz || exit 1
CMD ["fed311", "serve"]
