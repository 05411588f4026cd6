package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

// TestProviderCacheSettings: cache_max_age that is not a positive
// duration is refused at validate time naming it; an unsafe cache_dir is
// refused naming cache_dir; a safe one is created 0700 and holds entries.
func TestProviderCacheSettings(t *testing.T) {
	t.Parallel()
	srv := startTestSandbox(t, sandbox.Options{Accounts: 2, UsageMonths: 4, UsagePerAccountMonth: 1})
	unsafe := t.TempDir()
	if err := os.Chmod(unsafe, 0o777); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cache")
	usage := func(lines string) string {
		return fmt.Sprintf("provider \"talkdesk\" {\n  api_base_url = %q\n  token_url = %q\n  %s\n  %s\n}\ndata \"talkdesk_usage\" \"u\" {}\n",
			srv.URL, srv.TokenURL, credentials, lines)
	}
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testProviders(),
		Steps: []resource.TestStep{
			{Config: usage(`cache_max_age = "-1h"`), PlanOnly: true, ExpectError: errorText(`Invalid cache_max_age`)},
			{Config: usage(`cache_max_age = "0s"`), PlanOnly: true, ExpectError: errorText(`"0s" is not a positive duration`)},
			{Config: usage(`cache_max_age = "a month"`), PlanOnly: true, ExpectError: errorText(`"a month" is not a duration`)},
			{Config: usage(fmt.Sprintf("cache_dir = %q", unsafe)), PlanOnly: true, ExpectError: errorText(`Unsafe cache_dir`)},
			{Config: usage(fmt.Sprintf("cache_dir = %q\n  cache_max_age = \"168h\"", dir)), Check: func(*terraform.State) error {
				fi, err := os.Stat(dir)
				if err != nil || fi.Mode().Perm() != 0o700 {
					return fmt.Errorf("cache_dir %s: %v %v", dir, fi, err)
				}
				entries, _ := os.ReadDir(dir)
				for _, e := range entries {
					if strings.HasSuffix(e.Name(), ".rows") {
						return nil
					}
				}
				return fmt.Errorf("no entry written in %s", dir)
			}},
		},
	})
}
