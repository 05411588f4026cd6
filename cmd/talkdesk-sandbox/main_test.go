package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteEnvFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "talkdesk.env")
	env := [][2]string{{"TALKDESK_API_BASE_URL", "http://127.0.0.1:1234"}, {"TALKDESK_CLIENT_SECRET", "it's"}}
	if err := writeEnvFile(path, env); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "export TALKDESK_API_BASE_URL='http://127.0.0.1:1234'\nexport TALKDESK_CLIENT_SECRET='it'\\''s'\n"
	if string(b) != want {
		t.Errorf("env file:\n%s\nwant:\n%s", b, want)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
	if sh, err := exec.LookPath("sh"); err == nil {
		out, err := exec.Command(sh, "-c", ". "+path+" && printf %s \"$TALKDESK_CLIENT_SECRET\"").Output()
		if err != nil || strings.TrimSpace(string(out)) != "it's" {
			t.Errorf("sourcing the file: %q %v", out, err)
		}
	}
}
