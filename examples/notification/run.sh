#!/bin/bash
# A notification-style job: build a message and post it to a webhook (Slack, Teams or
# any HTTP endpoint that takes JSON). Without WEBHOOK_URL it prints what it would send.
cd "$(dirname "$0")"
text="${SUBJECT}: job ${CURRENT_CUSTOM_JOB_ID} run ${CURRENT_CUSTOM_JOB_RUN_ID} on $(hostname) at $(date -u +%FT%TZ)"
payload=$(printf '{"text": "%s"}' "${text//\"/\\\"}")
if [ -z "$WEBHOOK_URL" ]; then
    echo "no WEBHOOK_URL set; would post: $payload"
    exit 0
fi
curl --fail --silent --show-error --max-time 10 -H "Content-Type: application/json" --data "$payload" "$WEBHOOK_URL"
echo "posted to the webhook: $payload"
