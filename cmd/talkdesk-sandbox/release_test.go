package main

import (
	"os"
	"reflect"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// goreleaserConfig is the part of .goreleaser.yml the release layout
// depends on.
type goreleaserConfig struct {
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID     string
		Main   string
		Binary string
		Goos   []string
		Goarch []string
		Ignore []map[string]string
	}
	Archives []struct {
		ID           string
		IDs          []string `yaml:"ids"`
		Formats      []string
		NameTemplate string `yaml:"name_template"`
	}
	Checksum struct {
		IDs          []string `yaml:"ids"`
		NameTemplate string   `yaml:"name_template"`
	}
	Signs []struct {
		ID        string
		Artifacts string
		IDs       []string `yaml:"ids"`
	}
}

// TestReleaseShipsSandbox guards what `goreleaser check` cannot see: the
// sandbox ships for exactly the provider's platforms, in archives of its
// own, and the files the Terraform Registry reads keep their layout
// (terraform-provider-talkdesk_VERSION_OS_ARCH.zip, listed alone in
// SHA256SUMS, which is signed). `make release-snapshot` builds them all.
func TestReleaseShipsSandbox(t *testing.T) {
	b, err := os.ReadFile("../../.goreleaser.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.ProjectName != "terraform-provider-talkdesk" || len(c.Builds) != 2 || len(c.Archives) != 2 {
		t.Fatalf("unexpected layout: %+v", c)
	}
	provider, sandbox := c.Builds[0], c.Builds[1]
	if provider.ID != "provider" || provider.Main != "" || provider.Binary != "{{ .ProjectName }}_v{{ .Version }}" {
		t.Errorf("provider build %+v", provider)
	}
	if sandbox.ID != "sandbox" || sandbox.Main != "./cmd/talkdesk-sandbox" || sandbox.Binary != "talkdesk-sandbox" {
		t.Errorf("sandbox build %+v", sandbox)
	}
	if len(provider.Goos) < 4 || !reflect.DeepEqual(provider.Goos, sandbox.Goos) || !reflect.DeepEqual(provider.Goarch, sandbox.Goarch) ||
		!reflect.DeepEqual(provider.Ignore, sandbox.Ignore) {
		t.Errorf("platforms differ: provider %v %v %v, sandbox %v %v %v",
			provider.Goos, provider.Goarch, provider.Ignore, sandbox.Goos, sandbox.Goarch, sandbox.Ignore)
	}
	pa, sa := c.Archives[0], c.Archives[1]
	if pa.ID != "provider" || !slices.Equal(pa.IDs, []string{"provider"}) || !slices.Equal(pa.Formats, []string{"zip"}) ||
		pa.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("provider archives %+v", pa)
	}
	if sa.ID != "sandbox" || !slices.Equal(sa.IDs, []string{"sandbox"}) || sa.NameTemplate != "talkdesk-sandbox_{{ .Version }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("sandbox archives %+v", sa)
	}
	if !slices.Equal(c.Checksum.IDs, []string{"provider"}) || c.Checksum.NameTemplate != "{{ .ProjectName }}_{{ .Version }}_SHA256SUMS" {
		t.Errorf("checksum %+v: SHA256SUMS must list the provider's archives only", c.Checksum)
	}
	signed := map[string]bool{}
	for _, s := range c.Signs {
		signed[s.Artifacts+":"+s.ID] = true
		if s.Artifacts == "archive" && !slices.Equal(s.IDs, []string{"sandbox"}) {
			t.Errorf("archive signing %+v must be limited to the sandbox", s)
		}
	}
	if !signed["checksum:provider"] || !signed["archive:sandbox"] {
		t.Errorf("signs %+v: want SHA256SUMS and every sandbox archive signed", c.Signs)
	}
}
