data "aws_caller_identity" "current" {}

locals {
  event_patterns = jsondecode(file("${path.module}/../../event-patterns.json"))
}

# EventBridge sends to another account's bus with this role (recommended by AWS, required with
# organization-based bus policies).
data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "put_events" {
  statement {
    effect    = "Allow"
    actions   = ["events:PutEvents"]
    resources = [var.target_event_bus_arn]
  }
}

resource "aws_iam_role" "forward" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "put_events" {
  name   = "put-events-on-operator-bus"
  role   = aws_iam_role.forward.id
  policy = data.aws_iam_policy_document.put_events.json
}

resource "aws_cloudwatch_event_rule" "forward" {
  for_each       = local.event_patterns
  name           = "${var.name}-${each.key}"
  description    = "Rotor - forward ${each.key}"
  event_bus_name = "default"
  event_pattern  = jsonencode(each.value)
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "operator_bus" {
  for_each       = aws_cloudwatch_event_rule.forward
  rule           = each.value.name
  event_bus_name = "default"
  target_id      = "operator-bus"
  arn            = var.target_event_bus_arn
  role_arn       = aws_iam_role.forward.arn
}
