#!/bin/bash
# The smallest custom job: print a greeting and exit 0 (succeeded).
# On the platform and under cjr alike, the entry point runs from the job's folder.
cd "$(dirname "$0")"
echo "Hello from a custom job!"
echo "job:  ${CURRENT_CUSTOM_JOB_ID:-<not set>}"
echo "run:  ${CURRENT_CUSTOM_JOB_RUN_ID:-<not set>}"
echo "files: $(ls | tr '\n' ' ')"
