# syntax=docker/dockerfile:1
# The HTR SCADA as a container image: the compiled server (build/), the built HMI (hmi/dist), the shipped
# plc-config and the production node modules, run as a non-root user with its data in a volume.
#   docker build -t htr-scada .
#   docker run -d -p 8080:8080 -v htr-scada-data:/var/lib/htr-scada \
#     -e SCADA_ADMIN_PASSWORD=… -e INFLUX_URL=http://scada:…@influxdb:8086/htr \
#     -v /etc/htr-scada/plc-config:/etc/htr-scada/plc-config:ro -e SCADA_CONFIG_DIR=/etc/htr-scada/plc-config htr-scada
#   docker run … htr-scada start --sim          # the virtual plant instead of the real PLCs
#   docker run --rm -v …:/cfg:ro htr-scada check-config /cfg
# The compose stack (deploy/docker-compose.yml) adds InfluxDB and Grafana. No influxd in this image: without
# INFLUX_URL history spools to the data volume (said loudly in the log and on /readyz).
# test/integration/container-image.test.ts assembles the runtime stage from this file's COPY, ENV,
# WORKDIR, USER, ENTRYPOINT and HEALTHCHECK lines and runs it: keep them simple (one source per COPY).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency (native ones compiled here), the HMI and the TypeScript compiled to JS ----
FROM ${NODE_IMAGE} AS build
# node-gyp's toolchain: better-sqlite3 (and serialport's bindings, when no prebuilt binary fits) compile from
# source. It stays in this stage; the runtime stage gets the compiled modules only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY hmi ./hmi
RUN npm run build:hmi && npm run build
# Production dependencies only (tsx, typescript, vite, mocha … go), and vite's leftovers.
RUN npm prune --omit=dev --no-audit --no-fund && rm -rf node_modules/.vite-temp node_modules/.vite-hmi node_modules/.cache

# ---- runtime: node, the compiled app, its production modules, the HMI and the shipped configuration ----
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="htr-scada" \
      org.opencontainers.image.description="Supervisory control for the roll-to-roll HTR alloy nanoparticle line"
# The user the SCADA runs as (the systemd unit's `htr-scada`, deploy/htr-scada.sysusers.conf), numeric in USER so orchestrators can tell it is
# not root. It owns the data directory only: the application files stay root's, read-only to it.
RUN groupadd --system --gid 10001 htr-scada \
 && useradd --system --uid 10001 --gid htr-scada --home-dir /var/lib/htr-scada --no-create-home --shell /usr/sbin/nologin htr-scada \
 && mkdir -p /var/lib/htr-scada \
 && chown htr-scada:htr-scada /var/lib/htr-scada \
 && chmod 0750 /var/lib/htr-scada
# The documented environment (README "Environment"). INFLUX_URL and SCADA_ADMIN_PASSWORD are given at run
# time, never built in. SCADA_CONFIG_DIR: the shipped plc-config unless the real one is mounted and named.
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    SCADA_CONFIG_DIR=/app/plc-config \
    SCADA_DATA_DIR=/var/lib/htr-scada \
    LOG_FORMAT=json
WORKDIR /app
# package.json: its "type": "module" makes build/*.js ES modules. build/server/hmi-static.js finds the HMI
# at ../../hmi/dist, as src/server/hmi-static.ts does in the source tree.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/build ./build
COPY --from=build /src/hmi/dist ./hmi/dist
COPY plc-config ./plc-config
USER 10001:10001
VOLUME ["/var/lib/htr-scada"]
EXPOSE 8080
# /healthz answers {"status":"alive"} while the process serves (readiness, PLC links and historian, is
# /readyz). The body is checked, not only the 200: any other page path answers 200 with the HMI. Node
# itself, no curl in the slim image; HOST must include the loopback (0.0.0.0 does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz', { signal: AbortSignal.timeout(4000) }).then(async (r) => process.exit(r.status === 200 && (await r.json()).status === 'alive' ? 0 : 1)).catch(() => process.exit(1))"]
ENTRYPOINT ["node", "--enable-source-maps", "build/main.js"]
CMD ["start"]
