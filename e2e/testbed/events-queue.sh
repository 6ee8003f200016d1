#!/usr/bin/env bash
# The test bed's event path for event-driven refresh (docs/events.md): one SQS queue and one
# EventBridge rule on LocalStack's default bus that sends Secrets Manager and Parameter Store
# events to it — what docs/events.md has users create in AWS. The operator on the bed consumes
# the queue (operator.sh passes --events-queue, rotor-pod.sh sets events.queues), so every e2e
# test runs with events on, like a cluster configured as the docs recommend.
#   events-queue.sh ensure   # create queue + rule + target if missing (idempotent); print the queue URL
#   events-queue.sh url      # print the queue URL (exit 1 when there is no queue)
#   events-queue.sh delete   # delete rule and queue (the e2e test of a deleted queue does it itself)
# Env: the bed's env.sh (AWS_ENDPOINT_URL, test keys, region); ROTOR_E2E_EVENTS_QUEUE (queue and
#      rule name, default rotor-e2e-events); ROTOR_E2E_EVENTS_VISIBILITY (the queue's visibility
#      timeout in seconds, default 10: short, so the test of an operator killed between receive and
#      delete sees the redelivery soon, yet long enough for a loaded 2-core machine to finish a batch).
set -euo pipefail
STATE="${ROTOR_TESTBED_DIR:-/tmp/rotor-testbed}"
if [[ -z "${AWS_ENDPOINT_URL:-}" ]]; then
  # shellcheck source=/dev/null
  source "$STATE/env.sh"
fi
NAME="${ROTOR_E2E_EVENTS_QUEUE:-rotor-e2e-events}"
VISIBILITY="${ROTOR_E2E_EVENTS_VISIBILITY:-10}"
# aws CLI v1 sends SQS calls to the legacy queue.amazonaws.com host whatever AWS_ENDPOINT_URL
# says (a CLI customization of the sqs commands), so the endpoint is given explicitly.
sqs() { aws sqs --endpoint-url "$AWS_ENDPOINT_URL" --output text "$@"; }

url() { sqs get-queue-url --queue-name "$NAME" --query QueueUrl 2>/dev/null; }

ensure() {
  local q arn
  q="$(sqs create-queue --queue-name "$NAME" --attributes "VisibilityTimeout=$VISIBILITY" --query QueueUrl)"
  arn="$(sqs get-queue-attributes --queue-url "$q" --attribute-names QueueArn --query Attributes.QueueArn)"
  # The pattern docs/events.md gives: every event of the two services; the operator sorts out
  # what it understands (the rest is counted and deleted).
  aws events put-rule --name "$NAME" --event-pattern '{"source":["aws.secretsmanager","aws.ssm"]}' >/dev/null
  aws events put-targets --rule "$NAME" --targets "Id=rotor-queue,Arn=$arn" >/dev/null
  echo "$q"
}

delete() {
  aws events remove-targets --rule "$NAME" --ids rotor-queue >/dev/null 2>&1 || true
  aws events delete-rule --name "$NAME" >/dev/null 2>&1 || true
  local q; q="$(url)" || return 0
  sqs delete-queue --queue-url "$q" >/dev/null
}

case "${1:-}" in
  ensure) ensure ;;
  url) url ;;
  delete) delete ;;
  *) echo "usage: $0 ensure|url|delete" >&2; exit 2 ;;
esac
