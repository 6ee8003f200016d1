variable "name" {
  description = "Prefix of the rule and role names."
  type        = string
  default     = "rotor-events-forwarder"
}

variable "target_event_bus_arn" {
  description = "The operator account's event bus (event_bus_arn output of the main module)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
