#!/bin/bash
# A job that fails on purpose: it reports what went wrong on stderr and exits 3.
# A non-zero exit code is how a custom job says "failed", on the platform and under cjr.
cd "$(dirname "$0")"
echo "checking input.csv…"
if [ ! -s input.csv ]; then
    echo "error: input.csv is missing or empty" >&2
    exit 3
fi
echo "input looks fine"
