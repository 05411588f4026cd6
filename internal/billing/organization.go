package billing

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Organization names the organization a Config reads, from what is not
// secret: the API base URL, the token URL (or, with a ready access token,
// the account name) and the client id. What outlives a run — the cache of
// closed usage months, the pace shared by the provider processes of one
// host — is kept per Organization, so two organizations never share an
// entry or a quota, and no secret, token or key is ever part of a name on
// disk, hashed or not.
type Organization struct {
	APIBaseURL  string
	TokenURL    string
	AccountName string
	ClientID    string
}

// Organization returns the organization cfg reads. ok is false when it
// cannot be named without a secret: a ready access token with neither a
// client id nor an account name (then nothing is kept across runs).
func (c Config) Organization() (org Organization, ok bool) {
	apiBase, tokenURL, err := c.ResolvedURLs()
	if err != nil {
		return Organization{}, false
	}
	org = Organization{APIBaseURL: apiBase, TokenURL: tokenURL, ClientID: c.ClientID}
	if c.AccessToken != "" {
		org.TokenURL = ""
		org.AccountName = strings.ToLower(c.AccountName)
		if org.AccountName == "" && org.ClientID == "" {
			return Organization{}, false
		}
	}
	return org, true
}

// Key is a stable, file-name-safe identifier of the organization: the
// SHA-256 of its fields (none of them secret), in hex.
func (o Organization) Key() string {
	h := sha256.New()
	for _, f := range []string{"talkdesk-organization/v1", o.APIBaseURL, o.TokenURL, o.AccountName, o.ClientID} {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
