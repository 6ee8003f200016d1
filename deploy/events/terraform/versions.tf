# Rotor event-driven refresh (issue #16), operator account: the Terraform equivalent of
# ../cloudformation/rotor-events.yaml. Event patterns come from ../event-patterns.json, the
# one source shared with the CloudFormation templates (checked by operator/test/deploy/events-iac.test.ts).
terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}
