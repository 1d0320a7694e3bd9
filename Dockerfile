# Sluice's container image: built on Debian 12 from this tree, run on Debian 12 slim as the
# unprivileged user the package makes, with no compiler in the final image.
#
#   docker build -t sluice .
#   docker run -d --name sluice --hostname "$(hostname)" \
#     -v /var/run/docker.sock:/var/run/docker.sock:ro \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v /var/log:/var/log:ro -v sluice-state:/var/lib/sluice \
#     -e LOKI_URL=http://loki:3100 -p 127.0.0.1:9400:9400 sluice
#
# The image runs the packaged configuration (/etc/sluice/sluice.yaml); mount another over it,
# or add files with -c in the command. Inside the container the API listens on all of its
# addresses, which the container's network keeps private until a port is published.

FROM debian:bookworm AS build
COPY scripts/install-deps.sh /src/scripts/install-deps.sh
RUN /src/scripts/install-deps.sh --with-packaging && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF \
      -DSLUICE_BUILD_BENCH=OFF \
 && cmake --build /build \
 && cd /build && cpack -G DEB \
 && mkdir /packages && cp /build/sluice_*.deb /packages/

FROM debian:bookworm-slim
# The package brings the user, the config, the state folder and the libraries it needs.
COPY --from=build /packages/ /tmp/packages/
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/packages/sluice_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/packages
ENV SLUICE_API_LISTEN=0.0.0.0:9400
USER sluice
VOLUME /var/lib/sluice
EXPOSE 9400
COPY deploy/docker/healthcheck.sh /usr/lib/sluice/healthcheck
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/lib/sluice/healthcheck"]
ENTRYPOINT ["/usr/bin/sluice"]
CMD ["run", "-c", "/etc/sluice/sluice.yaml"]
