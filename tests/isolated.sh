#!/usr/bin/env bash
# Runs a command in a network namespace of its own with only loopback up, so that no test traffic
# (WebRTC candidates included: browsers offer every interface) can reach any address but 127.0.0.1.
# Services outside the namespace are reached through Unix sockets (PostgreSQL) or started inside.
set -euo pipefail
if [ "${GREENROOM_ISOLATED:-}" = 1 ]; then
    exec "$@"
fi
if [ "$(id -u)" = 0 ]; then
    namespace=(unshare --net)
else
    namespace=(unshare --net --map-root-user)
fi
exec "${namespace[@]}" -- env GREENROOM_ISOLATED=1 bash -c 'ip link set lo up && exec "$@"' bash "$@"
