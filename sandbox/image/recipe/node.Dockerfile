# node:18-bookworm-slim for the course: Debian's Node.js 18 and npm 9, with
# the `node` user (uid 1000) the upstream image has. Upstream's node:18 is
# the same major version; its npm and patch release differ.
ARG BASE
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log /usr/sbin/policy-rc.d
CMD ["node"]
