cd "$(dirname "$0")"
echo "$GREETING"
