#!/usr/bin/env bash
# System packages the test suite needs, from Debian's registry: Chromium for the browser tests
# (Playwright drives it; no browser download), Noto CJK fonts so Chinese pages and PDFs render, and
# Pango (with HarfBuzz's subsetter) for WeasyPrint, which renders the written notices as PDF.
# Idempotent: does nothing when everything is present. Needs root (or passwordless sudo).
#
#   scripts/system-deps.sh            everything the test suite needs (what `make test` runs)
#   scripts/system-deps.sh --runtime  only what the running platform needs (fonts and Pango for the
#                                     written notices' PDF; what `make run` runs): without root it
#                                     warns and goes on, since only the PDF download depends on them
set -euo pipefail

runtime=0
[ "${1:-}" = "--runtime" ] && runtime=1

need=()
[ $runtime -eq 1 ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || need+=(libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || need+=(libharfbuzz-subset0)
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "system-deps: need root to install: ${need[*]}" >&2
    if [ $runtime -eq 1 ]; then
      echo "system-deps: going on without them; written notices will be offered as HTML only" >&2; exit 0
    fi
    exit 1
  fi
fi
echo "system-deps: installing ${need[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
# Another install at the same time (a second `make test` or `make run` on a fresh machine) holds apt's
# locks: wait for it rather than fail.
wait_lock=(-o DPkg::Lock::Timeout=600)
$SUDO apt-get "${wait_lock[@]}" update -qq
$SUDO apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
