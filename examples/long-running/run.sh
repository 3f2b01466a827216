#!/bin/bash
# A long job that can be cancelled: it works in steps, and on SIGTERM (cancel, timeout)
# it cleans up and exits. cjr sends SIGTERM to every process of the run, then SIGKILL
# after the grace period (`cjr serve --grace`), so even a job that ignores SIGTERM ends.
cd "$(dirname "$0")"
steps=${STEPS%.*}
trap 'echo "received SIGTERM after step $step: cleaning up"; rm -f "$TMPDIR/partial"; exit 143' TERM
for ((step = 1; step <= steps; step++)); do
    echo "step $step of $steps"
    echo "$step" > "$TMPDIR/partial"
    sleep 1 & wait $!
done
echo "all $steps steps done"
