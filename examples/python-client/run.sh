#!/bin/bash
# A Python job that calls back into the API with the official `datarobot` client.
# The run receives DATAROBOT_ENDPOINT and DATAROBOT_API_TOKEN; dr.Client() reads both.
cd "$(dirname "$0")"
if ! python3 -c 'import datarobot' 2>/dev/null; then
    echo "skipped: the datarobot package is not installed for $(command -v python3 || echo python3)."
    echo "Run this job in an execution environment that has it, e.g."
    echo "  python3 -m venv ~/dr-venv && ~/dr-venv/bin/pip install datarobot"
    echo "  cjr environments add dr-python --venv ~/dr-venv"
    exit 0
fi
exec python3 job.py
