# nginx:1.22-bookworm for the course: Debian's nginx 1.22, laid out like the
# upstream image: the site in /usr/share/nginx/html, extra server blocks in
# /etc/nginx/conf.d, logs to the container's stdout and stderr, in the
# foreground. Upstream's nginx:latest is a newer nginx.
ARG BASE
FROM ${BASE}
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt/* /var/log/dpkg.log /usr/sbin/policy-rc.d \
 && rm -f /etc/nginx/sites-enabled/default \
 && printf 'server {\n    listen 80;\n    server_name localhost;\n    location / {\n        root /usr/share/nginx/html;\n        index index.html index.htm;\n    }\n}\n' >/etc/nginx/conf.d/default.conf \
 && mkdir -p /usr/share/nginx/html \
 && printf '<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is working.</p></body></html>\n' >/usr/share/nginx/html/index.html \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
