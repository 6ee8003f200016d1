output "forward_role_arn" {
  value = aws_iam_role.forward.arn
}

output "rule_arns" {
  value = { for key, rule in aws_cloudwatch_event_rule.forward : key => rule.arn }
}
