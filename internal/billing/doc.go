// Package billing is a client for the Talkdesk Billing Insights API.
//
// It knows HTTP, OAuth 2.0 client credentials (secret or signed JWT), the
// organization's rate limit, retries and HAL paging, and returns typed
// records. It deliberately knows nothing about Terraform: the provider
// package maps these records to schema values.
//
// Every request of a Client goes through one shared, adaptive rate limiter
// and one retry policy, and every list goes through one paging routine
// (see list.go), so the five endpoints behave identically under faults.
package billing
