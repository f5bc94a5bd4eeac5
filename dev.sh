#!/usr/bin/env bash
# judgebox's one entry point on a fresh Debian machine, as root:
#   ./dev.sh run    install what is missing, check the host, list the languages, then serve:
#                   Redis, a worker and the web app (APIs) on http://127.0.0.1:2358
#   ./dev.sh test   install what is missing (test extras too), run the whole test suite
# Installs Debian packages with apt (judgebox's own, then the languages' toolchains), the
# Python packages into ./.venv (pinned in pyproject.toml) and the code editor's npm packages
# (pinned in web/editor/package-lock.json), which it bundles into web/static/editor.js; each
# step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")"

# Another apt (a second dev.sh, unattended upgrades) may hold the lock: wait for it.
APT=(apt-get -o DPkg::Lock::Timeout=900)

# postgresql: the tests start a throwaway cluster of their own (initdb + pg_ctl in a temp dir);
# the system service Debian starts with it is not used.
APT_PACKAGES=(python3 python3-venv python3-dev gcc libc6-dev libcap-dev libseccomp2
              util-linux iproute2 bubblewrap redis-server postgresql chromium openssl)
# Installed without recommends: docker-compose's client validates the compose file in the tests;
# tests/vm boots a kernel in QEMU (virtme-ng wants busybox and depmod); tests/compose runs
# Docker's engine (started by the test itself, on a socket of its own) and builds its base
# image with debootstrap; tests/sandbox/test_oom.py makes an ext4 of its own (mkfs.ext4) where
# the temporary directory is not on a disk (the v2 guest, a host whose /tmp is tmpfs).
APT_PACKAGES_LEAN=(docker-compose qemu-system-x86 busybox-static kmod docker.io debootstrap
                   e2fsprogs)
# The languages' toolchains (rootfs-templates/<id>.toml). Each one is optional: judgebox runs
# without it and `judgebox languages` lists that language as disabled, with the reason. They
# are installed without recommends; a package this Debian lacks is reported and skipped.
TOOLCHAIN_PACKAGES=(gcc g++ gfortran            # c, cpp17, cpp20, fortran, executable
                    python3 pypy3               # python3, pypy3
                    openjdk-17-jdk-headless kotlin  # java, kotlin
                    nodejs golang-go rustc      # javascript, go, rust
                    fp-compiler ghc ocaml-nox   # pascal, haskell, ocaml
                    ruby php-cli perl lua5.4 bash  # ruby, php, perl, lua, bash
                    mono-mcs mono-runtime       # csharp
                    clang libgnustep-base-dev   # c-clang, cpp-clang, objc
                    nasm gnucobol3 sbcl ldc     # nasm, cobol, lisp, d
                    erlang-base elixir          # erlang, elixir
                    clojure groovy scala        # clojure, groovy, scala (on the JDK above)
                    octave r-base-core          # octave, r
                    gprolog swi-prolog-nox      # prolog, swiprolog
                    node-typescript sqlite3     # typescript, sql
                    gawk tcl rakudo gnat        # awk, tcl, raku, ada
                    chicken-bin racket nim crystal)  # scheme, racket, nim, crystal

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "dev.sh: judgebox runs boxes with namespaces and cgroups: run me as root" >&2
    exit 1
  fi
}

missing_of() {  # the named Debian packages that are not installed
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_apt() {
  local missing lean
  missing=$(missing_of "${APT_PACKAGES[@]}")
  lean=$(missing_of "${APT_PACKAGES_LEAN[@]}")
  [ -z "$missing$lean" ] && return 0
  echo "dev.sh: installing Debian packages: $missing $lean"
  "${APT[@]}" update -qq
  # shellcheck disable=SC2086  # word splitting of the package lists is wanted
  [ -z "$missing" ] || DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq $missing >/dev/null
  # shellcheck disable=SC2086
  [ -z "$lean" ] || DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq \
    --no-install-recommends $lean >/dev/null
}

install_toolchains() {
  local missing=() p
  mapfile -t missing < <(missing_of "${TOOLCHAIN_PACKAGES[@]}")
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "dev.sh: installing language toolchains (a few minutes the first time): ${missing[*]}"
  "${APT[@]}" update -qq
  if ! DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq --no-install-recommends \
       "${missing[@]}" >/dev/null; then
    for p in "${missing[@]}"; do  # one by one: skip what this Debian cannot install
      DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq --no-install-recommends "$p" \
        >/dev/null 2>&1 || echo "dev.sh: could not install $p: its language stays disabled" >&2
    done
  fi
}

# tests/vm's kernel: Debian's own (linux-image-amd64's, 6.1 on Debian 12), unpacked into .vm/
# with its modules and their modules.dep; nothing is installed into /boot or /lib/modules.
install_vm_kernel() {
  local package deb
  compgen -G ".vm/kernel/lib/modules/*/modules.dep" >/dev/null && return 0
  package=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  if [ -z "$package" ]; then
    "${APT[@]}" update -qq
    package=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  fi
  echo "dev.sh: unpacking Debian's kernel $package into .vm/ (tests/vm)"
  rm -rf .vm/download .vm/kernel
  mkdir -p .vm/download
  # (as root apt warns that its _apt user cannot write here, and downloads anyway)
  (cd .vm/download && "${APT[@]}" download "$package" 2>&1 | grep -v unsandboxed || true)
  deb=$(ls .vm/download/*.deb)
  dpkg-deb -x "$deb" .vm/kernel
  depmod -b .vm/kernel "${package#linux-image-}"
  rm -rf .vm/download
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

# The pages' code editor: CodeMirror 6 from npm (web/editor/package-lock.json), bundled by
# esbuild into web/static/editor.js (git-ignored). npm ci runs again when the lock file
# changes, the bundle when any of its inputs do. No package's install script runs.
build_editor() {
  local editor=web/editor installed built
  if ! command -v npm >/dev/null; then
    echo "dev.sh: installing Debian's npm (the code editor is built with it)"
    "${APT[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${APT[@]}" install -y -qq npm >/dev/null
  fi
  installed="$editor/node_modules/.installed-$(cat "$editor/package.json" \
    "$editor/package-lock.json" | sha256sum | cut -c1-16)"
  if [ ! -f "$installed" ]; then
    echo "dev.sh: installing the code editor's npm packages (web/editor)"
    (cd "$editor" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    touch "$installed"
  fi
  built="$editor/node_modules/.built-$(cat "$editor/package-lock.json" "$editor/modes.json" \
    "$editor"/src/*.js | sha256sum | cut -c1-16)"
  [ -f "$built" ] && [ -f web/static/editor.js ] && return 0
  (cd "$editor" && npm run --silent build -- --log-level=warning)
  rm -f "$editor"/node_modules/.built-*
  touch "$built"
}

case "${1:-}" in
  run)
    need_root; install_apt; install_toolchains; install_venv test; build_editor
    shift
    .venv/bin/judgebox doctor
    echo
    echo '$ judgebox languages   # self-tests each language once, then cached'
    .venv/bin/judgebox languages
    echo
    # Redis (started here if none answers), a worker and the web app on 127.0.0.1:2358.
    exec .venv/bin/judgebox serve "$@"
    ;;
  test)
    need_root; install_apt; install_toolchains; install_venv test; install_vm_kernel
    build_editor
    shift
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh run [judgebox serve args] | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
