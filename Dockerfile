# evextract as a container image: `evextract run` consuming articles from Kafka
# and publishing events, configured by EVEXTRACT_* environment variables.
#
# Two stages on the same Debian base: "build" compiles with the -dev packages
# and installs into /out; the final stage has only the runtime libraries, the
# binary, the rule pack at /etc/evextract/rules (mount a folder over it to
# replace it) and a non-root user. The base repository is a build argument so
# that the same file builds from Docker Hub's debian (the default) or from a
# locally made base (CI: scripts/image-test.sh imports one as localhost/debian).
#
#   podman build --format docker -t evextract .
#   docker run --network host -e EVEXTRACT_BROKERS=127.0.0.1:9092 evextract
#
# deploy/README.md has the rest: compose, Kubernetes, sizing.
ARG BASE_REPO=debian

FROM ${BASE_REPO}:bookworm-slim AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config protobuf-c-compiler \
      libpcre2-dev libprotobuf-c-dev libyaml-dev libvectorscan-dev \
      libcjson-dev librdkafka-dev libevent-dev >/dev/null \
 && rm -rf /var/lib/apt/lists/*
# The context holds only what .dockerignore lets through: the sources, the
# tests' CMake files (the project's CMakeLists includes them), the rule pack
# and deploy/image.
COPY . /src
# Release build of the one binary (the tests need ../shared and a broker; CI
# runs them outside the image). The install prefix /usr makes
# /usr/share/evextract/rules the built-in default pack.
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr >/dev/null \
 && cmake --build /build --target evextract -j"$(nproc)" \
 && strip /build/evextract \
 && install -D -m 0755 /build/evextract /out/usr/bin/evextract \
 && install -D -m 0755 /src/deploy/image/healthcheck.sh /out/usr/local/bin/evextract-healthcheck \
 && mkdir -p /out/etc/evextract \
 && cp -r /src/rules /out/etc/evextract/rules \
 && /build/evextract rules check -q /out/etc/evextract/rules

# The runtime's files, assembled from Debian packages: the slim base alone is
# about 75 MB, and with the runtime libraries on top of it (Vectorscan 13 MB,
# OpenSSL 6 MB) the image would pass 100 MB. So this stage installs the
# runtime packages and copies only their files (no documentation), bash (for
# the HEALTHCHECK) and the CA certificates into /rootfs, plus each package's
# dpkg record in /var/lib/dpkg/status.d/ so that image scanners still see the
# package versions; the final stage is that tree and nothing else: no apt,
# no dpkg, no coreutils.
FROM ${BASE_REPO}:bookworm-slim AS runtime
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libpcre2-8-0 libprotobuf-c1 libyaml-0-2 libvectorscan5 libcjson1 \
      librdkafka1 libevent-2.1-7 libevent-pthreads-2.1-7 ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /out/
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN mkdir -p /rootfs/usr /rootfs/etc/ssl /rootfs/var/lib/dpkg/status.d /rootfs/tmp \
 && for d in bin lib lib64 sbin; do \
      if [ -L "/$d" ]; then cp -a "/$d" /rootfs/ && mkdir -p "/rootfs/usr/$d"; fi; \
    done \
 && for p in base-files libc6 libgcc-s1 libstdc++6 libpcre2-8-0 libprotobuf-c1 \
        libyaml-0-2 libvectorscan5 libcjson1 librdkafka1 libevent-2.1-7 \
        libevent-core-2.1-7 libevent-pthreads-2.1-7 libssl3 libsasl2-2 \
        libsasl2-modules-db libdb5.3 libzstd1 liblz4-1 zlib1g bash libtinfo6 ca-certificates; do \
      dpkg -L "$p" | grep -vE '^/usr/share/(doc|man|info|lintian|locale|bug)/' \
        | while read -r f; do if [ -f "$f" ] || [ -L "$f" ]; then cp -a --parents "$f" /rootfs || exit 1; fi; done; \
      dpkg-query -s "$p" > "/rootfs/var/lib/dpkg/status.d/$p"; \
    done \
 && cp -a /etc/ssl/certs /rootfs/etc/ssl/ \
 && cp -a /etc/nsswitch.conf /etc/host.conf /rootfs/etc/ \
 && cp -a /out/. /rootfs/ \
 && printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nevextract:x:10001:10001:evextract:/nonexistent:/usr/sbin/nologin\n' > /rootfs/etc/passwd \
 && printf 'root:x:0:\nevextract:x:10001:\n' > /rootfs/etc/group \
 && chmod 1777 /rootfs/tmp \
 && chroot /rootfs /usr/bin/evextract --version

FROM scratch
COPY --from=runtime /rootfs/ /

# Settings: any EVEXTRACT_* variable of `evextract run --help`. The brokers
# have no default (EVEXTRACT_BROKERS is required); the HTTP endpoints listen
# on every interface so that probes and Prometheus reach them.
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    EVEXTRACT_RULES=/etc/evextract/rules \
    EVEXTRACT_HTTP=0.0.0.0:8080
USER 10001:10001
WORKDIR /
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=4 \
  CMD ["/usr/local/bin/evextract-healthcheck", "/healthz"]
# The image answers --version as its last build step, so a binary that does
# not start (a missing library) fails the build, not the deployment.
RUN ["/usr/bin/evextract", "--version"]
ENTRYPOINT ["/usr/bin/evextract"]
CMD ["run"]
