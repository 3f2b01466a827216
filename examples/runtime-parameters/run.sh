#!/bin/bash
# Prints every runtime parameter as the run received it (secrets masked).
cd "$(dirname "$0")"
echo "GREETING=$GREETING"
echo "THRESHOLD=$THRESHOLD"
echo "DRY_RUN=$DRY_RUN"
echo "STORAGE_USER=${STORAGE_USER:-<no credential set>}"
echo "STORAGE_PASSWORD=${STORAGE_PASSWORD:+<set, ${#STORAGE_PASSWORD} characters>}"
echo "TARGET_DEPLOYMENT=$TARGET_DEPLOYMENT"
echo "MODEL_PACKAGE=$MODEL_PACKAGE"
echo "LATENCY_METRIC=$LATENCY_METRIC"
echo "DATAROBOT_ENDPOINT=$DATAROBOT_ENDPOINT"
if [ "$DRY_RUN" = "True" ]; then echo "dry run: nothing changed"; fi
