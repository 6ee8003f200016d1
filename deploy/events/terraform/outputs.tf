output "queue_url" {
  description = "Put this in the chart value events.queues[].url."
  value       = aws_sqs_queue.events.id
}

output "queue_arn" {
  description = "Resource of Rotor's sqs:ReceiveMessage / DeleteMessage / GetQueueAttributes statement."
  value       = aws_sqs_queue.events.arn
}

output "dead_letter_queue_url" {
  description = "Events EventBridge could not deliver, and messages received too often without a delete."
  value       = aws_sqs_queue.dead_letter.id
}

output "dead_letter_queue_arn" {
  value = aws_sqs_queue.dead_letter.arn
}

output "rule_arns" {
  value = { for key, rule in aws_cloudwatch_event_rule.events : key => rule.arn }
}

output "event_bus_arn" {
  description = "target_event_bus_arn for ./forwarder in the secret-owner accounts."
  value       = data.aws_cloudwatch_event_bus.default.arn
}
