# HCP Terraform / Terraform Enterprise OPA policy set: this directory (with
# ./policy) is the policy set; the query names the package's deny set.
policy "contract_end_dates" {
  description       = "Activated Talkdesk contracts ending within 60 days must have auto_renewal = true."
  query             = "data.terraform.policies.contract_end_dates.deny"
  enforcement_level = "mandatory"
}
