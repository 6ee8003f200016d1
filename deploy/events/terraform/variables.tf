variable "name" {
  description = "Prefix of the queue and rule names."
  type        = string
  default     = "rotor-events"
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN for the queues (SSE-KMS). null (default) uses SQS-managed encryption. The key policy must let events.amazonaws.com call kms:GenerateDataKey and kms:Decrypt (docs/events.md)."
  type        = string
  default     = null
}

variable "source_account_ids" {
  description = "Optional account IDs that own secrets and forward their events to this account's default event bus (see ./forwarder)."
  type        = list(string)
  default     = []
}

variable "message_retention_seconds" {
  description = "How long an unconsumed event stays in the queue. Polling catches up on anything older."
  type        = number
  default     = 86400
}

variable "max_receive_count" {
  description = "Receives without a delete before a message moves to the dead-letter queue."
  type        = number
  default     = 5
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
