#!/bin/bash
# A hosted-custom-metric-style job: compute one value of a metric for a deployment and
# submit it. On the platform DEPLOYMENT_ID, CUSTOM_METRIC_ID, MODEL_ID and DRY_RUN come
# from the deployment the metric belongs to; under cjr from runtime parameters, and
# DRY_RUN is 1 unless set (nothing local can receive the value).
cd "$(dirname "$0")"
value=$(awk -F, 'NR > 1 { total += $2; n++ } END { if (n) printf "%.2f", total / n }' latency.csv)
echo "deployment ${DEPLOYMENT_ID:-<unset>}, metric ${CUSTOM_METRIC_ID:-<unset>}, model ${MODEL_ID:-<unset>}"
echo "mean latency over $(($(wc -l < latency.csv) - 1)) predictions: ${value} ms"
case "${DRY_RUN:-1}" in
    1|True|true)
        echo "dry run: not submitting"
        exit 0 ;;
esac
payload="{\"modelId\": \"$MODEL_ID\", \"buckets\": [{\"value\": $value, \"sampleSize\": 1}]}"
curl --fail --silent --show-error -X POST \
    -H "Authorization: Bearer $DATAROBOT_API_TOKEN" -H "Content-Type: application/json" \
    --data "$payload" \
    "$DATAROBOT_ENDPOINT/deployments/$DEPLOYMENT_ID/customMetrics/$CUSTOM_METRIC_ID/fromJSON/"
