# `veriscope serve` in a container: the release binary and the face models
# on Debian slim, running as an unprivileged user.
#
#   docker build -t veriscope .
#   docker run -p 8080:8080 \
#     -e VERISCOPE_SERVE_DATABASE=postgres://veriscope@db/veriscope \
#     -e VERISCOPE_SERVE_API_KEYS='[{id = "backend", sha256 = "…"}]' veriscope
#
# Every configuration key can be set as a VERISCOPE_SERVE_* variable (see
# server/src/config.rs); a file can be mounted and passed with --config.
# Without a database setting it keeps a SQLite file in the volume
# /var/lib/veriscope (one instance). On SIGTERM it stops taking work, lets
# running verifications finish (jobs.shutdown_grace_seconds) and hands the
# rest to the other instances.

FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked -p veriscope-cli \
 && VERISCOPE_MODELS=/opt/veriscope/models ./scripts/fetch-models

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/veriscope --create-home veriscope
COPY --from=build /src/target/release/veriscope /usr/local/bin/veriscope
COPY --from=build /opt/veriscope/models /opt/veriscope/models
ENV VERISCOPE_SERVE_LISTEN=0.0.0.0:8080 \
    VERISCOPE_SERVE_DATABASE=/var/lib/veriscope/veriscope.sqlite3 \
    VERISCOPE_SERVE_MODELS=/opt/veriscope/models \
    VERISCOPE_SERVE_LOG_FORMAT=json
USER veriscope
VOLUME /var/lib/veriscope
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["veriscope", "serve"]
