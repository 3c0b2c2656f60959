#!/bin/sh
# Chromium started without the right to raise its own priority. Run as root (CI, containers), it puts its GPU
# process at nice -8; with WebGL drawn in software (SwiftShader) that process then takes the CPU from the page's own
# main thread and from the sidecar on a small machine, and the stream and the clock pings arrive tens of ms late.
# A desktop user's browser has no such right, so the tests run it the way users do.
exec setpriv --bounding-set -sys_nice --inh-caps -sys_nice "${CHROMIUM_BINARY:-/usr/bin/chromium}" "$@"
