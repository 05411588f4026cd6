// Package sandbox is a local, self-contained implementation of the Talkdesk
// Billing Insights API (the five /express endpoints plus the OAuth 2.0 token
// endpoint), as described in shared/api/billing-insights.md.
//
// It exists so that the API client and the Terraform provider can be
// developed and tested without Talkdesk credentials: it generates a
// deterministic, realistic data set (or serves exactly the records of a
// fixture, see LoadFixture), enforces authentication, scopes, the
// organization rate limit, paging and filtering, and can inject the transport
// faults a real network produces (503, 500, connection resets and truncated
// bodies) so that retry logic is exercised for real.
//
// Where the contract marks a behaviour as [assumed], the sandbox implements
// the behaviour the contract names; the client must not rely on anything the
// contract leaves open merely because the sandbox happens to do it.
package sandbox
