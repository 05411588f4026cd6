# Contract end-date policy wired to the Talkdesk provider. The policy itself
# lives in ./end-date-policy (plain HCL). Two test suites:
#
#   end_date_policy.tftest.hcl   the module alone, with hand-written contracts:
#                                no provider, no credentials
#   sandbox.tftest.hcl           this whole configuration, applied against
#                                the sandbox serving fixtures/contracts.json
#
#   talkdesk-sandbox -fixture fixtures/contracts.json -env-file talkdesk.env &
#   . ./talkdesk.env && terraform get && terraform test
#
# Against a real organization it warns like ../contract-policy:
#
#   terraform apply -var days=90

terraform {
  required_version = ">= 1.7.0"
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

provider "talkdesk" {}

variable "days" {
  type        = number
  default     = 60
  description = "Warn about activated contracts ending within this many days without auto-renewal."
}

variable "now" {
  type        = string
  default     = null
  description = "Start of the window (RFC 3339); defaults to plantimestamp(). Set it to replay the policy at a given date."
}

variable "account_ids" {
  type        = list(string)
  default     = null
  description = "Check only these instances (account ids); null checks every instance of the organization."
}

locals {
  now = coalesce(var.now, plantimestamp())
}

# The provider groups the contract lines into contracts and narrows the read
# to the window; the module checks the window again, so the policy does not
# depend on the provider's filters.
data "talkdesk_contracts" "ending" {
  account_ids = var.account_ids
  status      = "ACTIVATED"
  ends_after  = local.now
  ends_before = timeadd(local.now, "${var.days * 24}h")
}

module "end_date_policy" {
  source = "./end-date-policy"

  contracts = data.talkdesk_contracts.ending.contracts
  days      = var.days
  now       = local.now
}

# The policy: warns on every plan and apply (a check block does not block
# them); `terraform test` fails a run when it fails, unless the run expects
# it with expect_failures = [check.contract_end_dates].
check "contract_end_dates" {
  assert {
    condition     = length(module.end_date_policy.violations) == 0
    error_message = module.end_date_policy.message
  }
}

output "violations" {
  description = "Numbers of the activated contracts ending within var.days days without auto-renewal, sorted."
  value       = module.end_date_policy.violations
}

output "window" {
  description = "The window checked."
  value       = module.end_date_policy.window
}
