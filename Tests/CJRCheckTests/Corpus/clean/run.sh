cd "$(dirname "$0")"
echo "hello from $CURRENT_CUSTOM_JOB_ID"
