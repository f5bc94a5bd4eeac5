#!/bin/sh
# The worker container's start: make its own cgroup writable, then run the worker.
#
# Docker mounts the container's cgroup hierarchy (v2, or each v1 controller) read-only in a
# container that is not privileged. The sandbox creates one cgroup per box beneath its own, so
# it needs that subtree writable: remounting those mount points read-write (a bind remount
# changes this container's mount only; CAP_SYS_ADMIN, granted in docker-compose.yml) gives it
# exactly its own subtree, and nothing above it, since the container's cgroup namespace (v2)
# or Docker's bind of the container's directory (v1) is all it sees.
set -eu
# mountinfo: the mount point is field 5, the type the field after the lone "-"
awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) ~ /^cgroup2?$/) print $5; break } }' \
  /proc/self/mountinfo |
while read -r mountpoint; do
  mount -o remount,bind,rw "$mountpoint" 2>/dev/null ||
    echo "judgebox: could not make $mountpoint writable (is CAP_SYS_ADMIN granted?)" >&2
done
judgebox doctor || echo "judgebox: doctor reports problems (above); the worker starts anyway" >&2
exec "$@"
