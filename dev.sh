#!/usr/bin/env bash
# judgebox's one entry point on a fresh Debian machine, as root:
#   ./dev.sh run    install what is missing, check the host, run the demo (the main job)
#   ./dev.sh test   install what is missing (test extras too), run the whole test suite
# Installs Debian packages with apt and the Python packages into ./.venv (pinned in
# pyproject.toml); both steps are skipped when already done.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(python3 python3-venv python3-dev gcc libc6-dev libcap-dev libseccomp2
              util-linux bubblewrap)

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev.sh: judgebox runs boxes with namespaces and cgroups: run me as root" >&2
    exit 1
  fi
}

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "dev.sh: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_venv() {
  local extras="$1" stamp
  stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$extras"
  [ -f "$stamp" ] && return 0
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
  rm -f .venv/.installed-*
  touch "$stamp"
}

case "${1:-}" in
  run)
    need_root; install_apt; install_venv test
    .venv/bin/judgebox doctor
    echo
    echo '$ judgebox sandbox --json -- /bin/sh -c "id -u; ls /"'
    .venv/bin/judgebox sandbox --json -- /bin/sh -c 'id -u; ls /'
    echo '$ judgebox sandbox --time-limit 1 -- /bin/sh -c "while :; do :; done"'
    .venv/bin/judgebox sandbox --time-limit 1 -- /bin/sh -c 'while :; do :; done'
    ;;
  test)
    need_root; install_apt; install_venv test
    shift
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh run | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
