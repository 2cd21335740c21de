#!/usr/bin/env bash
# The system packages referat needs beside Python: Tesseract with its Danish data (OCR of scanned
# minutes), and for the tests also Chromium (the browser test of `minutes browse`).
#
#   scripts/system-packages.sh run    # what `make run` needs
#   scripts/system-packages.sh test   # what `make test` needs
#
# Missing packages are installed with apt-get where that can be done (as root, or with sudo that
# asks no password); otherwise the script stops and prints the command to run. REFERAT_NO_SYSTEM=1
# goes on without them: OCR is off and the tests that need them are skipped, each with its reason.
set -euo pipefail
purpose="${1:-run}"
need=()
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx dan; then
  need+=(tesseract-ocr tesseract-ocr-dan)
fi
if [ "$purpose" = test ] && ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium fonts-liberation)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if [ "${REFERAT_NO_SYSTEM:-}" = 1 ]; then
  echo "referat: going on without ${need[*]} (REFERAT_NO_SYSTEM=1): OCR is off and the tests that need them are skipped" >&2
  exit 0
fi
echo "referat: missing system packages: ${need[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo"
    else
      echo "referat: install them with:" >&2
      echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
      echo "or go on without them (OCR off, those tests skipped): REFERAT_NO_SYSTEM=1 make $purpose" >&2
      exit 1
    fi
  fi
  echo "referat: installing them with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
  exit 0
fi
echo "referat: no apt-get here: install Tesseract with Danish language data$([ "$purpose" = test ] && echo " and Chromium")" >&2
echo "    (macOS: brew install tesseract tesseract-lang$([ "$purpose" = test ] && echo " chromium"))" >&2
echo "or go on without them (OCR off, those tests skipped): REFERAT_NO_SYSTEM=1 make $purpose" >&2
exit 1
