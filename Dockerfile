# Build stage: compile fed311 in release mode.
FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo build --release --locked --bin fed311

# Run stage: the binary, the shipped registry, CA certificates for HTTPS cities.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/fed311 /usr/local/bin/fed311
COPY jurisdictions ./jurisdictions
ENV FED311_JURISDICTIONS=/app/jurisdictions \
    FED311_DATA=/var/lib/fed311/data \
    FED311_INDEX=/var/lib/fed311/index \
    FED311_ADDR=0.0.0.0:8311
EXPOSE 8311
CMD ["fed311", "serve"]
