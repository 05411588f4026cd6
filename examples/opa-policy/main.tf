# The contract end-date policy in OPA (Rego): ./policy/contract_end_dates.rego
# judges the plan of this configuration, which only reads the contracts.
# Terraform itself enforces nothing here: HCP Terraform or Terraform
# Enterprise (a policy set), conftest or `opa eval` does, on the plan's JSON.
#
#   terraform plan -out=tfplan
#   terraform show -json tfplan >plan.json
#   conftest test --policy policy --namespace terraform.policies.contract_end_dates plan.json
#   # or: opa eval --data policy --input plan.json --format pretty \
#   #       'data.terraform.policies.contract_end_dates.deny'
#
# Against the sandbox, with the fixtures beside this file:
#
#   talkdesk-sandbox -fixture fixtures/breached.json -env-file talkdesk.env &
#   . ./talkdesk.env && terraform plan -out=tfplan
#
# No provider-defined function here, so it runs on Terraform 1.5 too.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    talkdesk = {
      source = "talkdesk/talkdesk"
    }
  }
}

provider "talkdesk" {}

# Every activated contract: the policy, not this filter, decides which end
# too soon, as of the plan's timestamp. A narrower read (ends_after,
# ends_before, account_ids) works too, as long as it keeps the contracts
# ending within the policy's 60 days.
data "talkdesk_contracts" "activated" {
  status = "ACTIVATED"
}

output "activated_contracts" {
  description = "Number of activated contracts read for the policy."
  value       = length(data.talkdesk_contracts.activated.contracts)
}
