// Package e2e holds end-to-end tests that run the real Terraform CLI
// against the provider binary (built once by TestMain) and the local
// sandbox API: secrets in TRACE logs, private_key_jwt through Terraform,
// interrupting a plan, and faults through the whole stack; and a sandbox
// fixture read back exactly through the API client.
//
// The tests need a Terraform CLI: TF_ACC_TERRAFORM_PATH, or terraform on
// PATH. Nothing is downloaded: the provider is found through dev_overrides
// in a CLI configuration file the tests write themselves.
package e2e
