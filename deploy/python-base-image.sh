#!/usr/bin/env bash
# A Python base image made from Debian's own packages, for machines that cannot pull
# python:3.11-slim-bookworm: Debian bookworm (minbase) with python3 (3.11), python3-venv
# and ca-certificates, `python` linked to python3, tagged NAME. Built once: an image of
# that name already present is kept. Pass it to the build as PYTHON_IMAGE=NAME.
#
#   deploy/python-base-image.sh mvidarr-python-base:bookworm
set -euo pipefail
name=${1:?usage: python-base-image.sh NAME}
docker=${DOCKER:-docker}
if "$docker" image inspect "$name" >/dev/null 2>&1; then
  echo "python base image $name: present"
  exit 0
fi
command -v debootstrap >/dev/null || {
  echo "python base image: debootstrap is missing (apt-get install debootstrap)" >&2
  exit 1
}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "python base image $name: debootstrap bookworm (a few minutes, once)"
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$root" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
rm -f "$root.log"
ln -sf python3 "$root/usr/bin/python"
# What the slim image leaves out too: package lists and caches, documentation.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* \
  "$root"/usr/share/man/* "$root"/usr/share/info/*
tar -C "$root" -c . | "$docker" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  - "$name" >/dev/null
echo "python base image $name: built"
