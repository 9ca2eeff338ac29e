#!/bin/sh
# The inner dockerd writes NAT rules through the iptables command. Use the
# backend the kernel supports: nf_tables if it works here, else legacy.
set -eu
if [ "${LABD_IPTABLES:-}" = legacy ]; then
  update-alternatives --set iptables /usr/sbin/iptables-legacy
  update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy
fi
update-alternatives --query iptables | sed -n 's/^Value: /iptables backend: /p'
