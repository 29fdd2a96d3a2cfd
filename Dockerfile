# lvsd container image, plus the lab's nginx backend (target lab-backend) for docker-compose.yml.
#   docker build -t lvsd .                 (or: docker-compose build)
#   docker build --build-arg BASE=my-bookworm-node-image -t lvsd .   (no registry? see docs/docker.md)
# The image runs lvsd as the unprivileged user "lvsd". IPVS and VRRP need CAP_NET_ADMIN and
# CAP_NET_RAW: a private copy of node carries them as file capabilities, so the container needs
# `cap_add: [NET_ADMIN, NET_RAW]` (not --privileged). IPVS lives in the HOST kernel: the host must
# have the ip_vs module loaded (`modprobe ip_vs`); a container cannot load it.
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY native native
COPY bench bench
COPY test/support test/support
COPY scripts scripts
COPY bin bin
RUN npm run build && npm prune --omit=dev

FROM ${BASE} AS lvsd
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcap2-bin ipvsadm iproute2 \
 && rm -rf /var/lib/apt/lists/*
# Only this copy of node gets the capabilities; plain `node` (e.g. the HEALTHCHECK) stays unprivileged.
RUN mkdir -p /opt/lvsd/libexec \
 && cp "$(readlink -f "$(command -v node)")" /opt/lvsd/libexec/node \
 && setcap cap_net_admin,cap_net_raw+ep /opt/lvsd/libexec/node \
 && groupadd --system lvsd && useradd --system --gid lvsd --home-dir /var/lib/lvsd --create-home lvsd \
 && mkdir -p /run/lvsd /etc/lvsd && chown lvsd:lvsd /run/lvsd \
 && ln -s /opt/lvsd/bin/lvsd /usr/local/bin/lvsd && ln -s /opt/lvsd/bin/lvsctl /usr/local/bin/lvsctl
WORKDIR /opt/lvsd
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY bin bin
COPY conf conf
USER lvsd
EXPOSE 9405
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9405/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/lvsd/libexec/node", "/opt/lvsd/bin/lvsd"]
CMD ["-f", "/etc/lvsd/lvsd.toml"]

# The lab's backend: nginx from Debian answering with its host name (conf/lab/nginx-backend.conf),
# with the VIP on lo for IPVS direct routing (needs NET_ADMIN for `ip addr add` only).
FROM ${BASE} AS lab-backend
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-light iproute2 \
 && rm -rf /var/lib/apt/lists/*
ENV VIP=10.99.0.50
CMD ["sh", "-c", "ip addr add \"$VIP/32\" dev lo && mkdir -p /tmp/nginx/logs && exec nginx -p /tmp/nginx -c /etc/lvsd-lab/nginx.conf -g 'daemon off; pid /tmp/nginx/nginx.pid;'"]
