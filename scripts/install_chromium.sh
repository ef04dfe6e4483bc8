#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when we can (root + apt). Never downloads a browser any other way:
# `playwright install` fetches one from the internet, which a classroom machine may not reach.
set -u
if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then exit 0; fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "installing chromium with apt-get (for the browser tests)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "could not install chromium: the browser tests will be skipped"
else
  echo "chromium not found and not root: the browser tests will be skipped (install chromium to run them)"
fi
exit 0
