# Rotor event-driven refresh, cross-account: apply in each account that OWNS secrets or parameters
# (same region as the operator account). The Terraform equivalent of
# ../../cloudformation/rotor-events-forwarder.yaml: rules with the patterns of ../../event-patterns.json
# forward to the operator account's default bus (list this account in the main module's
# source_account_ids there).
terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
