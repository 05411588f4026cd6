package billing

import (
	"strings"
	"testing"
)

// TestResolveLinkKeepsTheTokenOnTheAPIHost: links to another host keep
// their path and query but go to the configured host, under its prefix.
func TestResolveLinkKeepsTheTokenOnTheAPIHost(t *testing.T) {
	for _, tc := range []struct{ base, href, want string }{
		{"https://api.example.com", "/express/usage/month?page=2", "https://api.example.com/express/usage/month?page=2"},
		{"https://api.example.com", "https://api.example.com/express/accounts?page=3", "https://api.example.com/express/accounts?page=3"},
		{"http://127.0.0.1:8080", "https://api.talkdeskapp.com/express/accounts?page=2&per_page=250", "http://127.0.0.1:8080/express/accounts?page=2&per_page=250"},
		{"https://proxy.example.com/talkdesk", "https://api.talkdeskapp.com/express/accounts?page=2", "https://proxy.example.com/talkdesk/express/accounts?page=2"},
		{"https://proxy.example.com/talkdesk", "/talkdesk/express/accounts?page=2", "https://proxy.example.com/talkdesk/express/accounts?page=2"},
	} {
		c, err := New(Config{APIBaseURL: tc.base, AccessToken: "t"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.resolveLink(tc.href)
		if err != nil || got != tc.want {
			t.Errorf("base %s, href %s: got %q, %v; want %q", tc.base, tc.href, got, err, tc.want)
		}
	}
}

// TestCheckURLNeverEchoesCredentials: a password in a rejected URL must
// not reach the error message, whatever the reason for the rejection.
func TestCheckURLNeverEchoesCredentials(t *testing.T) {
	for _, raw := range []string{
		"ftp://user:hunter2@host/x",
		"https://user:hunter2@api.example.com",
		"http://user:hunter2@api.example.com",
		"https://user:hunter2@api.example.com/%zz",
	} {
		err := CheckURL(raw)
		if err == nil {
			t.Errorf("%s: accepted", raw)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", raw, err)
		}
	}
}
