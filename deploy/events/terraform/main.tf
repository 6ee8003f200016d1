data "aws_cloudwatch_event_bus" "default" {
  name = "default"
}

locals {
  # Same file, same rules as the CloudFormation template: one rule per pattern.
  event_patterns = jsondecode(file("${path.module}/../event-patterns.json"))
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "events" {
  name                      = var.name
  message_retention_seconds = var.message_retention_seconds
  # Rotor asks for 20 s long polls itself; the queue default makes other readers long-poll too.
  receive_wait_time_seconds = 20
  sqs_managed_sse_enabled   = var.kms_key_arn == null ? true : null
  kms_master_key_id         = var.kms_key_arn
  # One KMS data key per hour instead of per 5 minutes: fewer kms:Decrypt calls by Rotor.
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 3600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "events" {
  for_each       = local.event_patterns
  name           = "${var.name}-${each.key}"
  description    = "Rotor - ${each.key}"
  event_bus_name = "default"
  event_pattern  = jsonencode(each.value)
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "queue" {
  for_each       = aws_cloudwatch_event_rule.events
  rule           = each.value.name
  event_bus_name = "default"
  target_id      = "rotor-queue"
  arn            = aws_sqs_queue.events.arn

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 20
  }
}

# Only EventBridge, and only on behalf of these rules, may send to the queues.
data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "EventBridgeRulesOnly"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn, aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [for rule in aws_cloudwatch_event_rule.events : rule.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.queue.json
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.queue.json
}

# Cross-account: the secret-owner accounts may put Secrets Manager / Parameter Store events on
# this account's default bus, where the rules above send them to the queue.
data "aws_iam_policy_document" "bus" {
  count = length(var.source_account_ids) > 0 ? 1 : 0

  statement {
    sid       = "${var.name}-forwarders"
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [data.aws_cloudwatch_event_bus.default.arn]

    principals {
      type        = "AWS"
      identifiers = var.source_account_ids
    }

    condition {
      test     = "StringEquals"
      variable = "events:source"
      values   = ["aws.secretsmanager", "aws.ssm"]
    }
  }
}

# Note: aws_cloudwatch_event_bus_policy owns the WHOLE policy of the default bus; merge it with
# statements you already have there (or manage them here).
resource "aws_cloudwatch_event_bus_policy" "forwarders" {
  count          = length(var.source_account_ids) > 0 ? 1 : 0
  event_bus_name = "default"
  policy         = data.aws_iam_policy_document.bus[0].json
}
