package main

import (
	"testing"
	"time"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/sandbox"
)

func TestParseRateSchedule(t *testing.T) {
	got, err := parseRateSchedule(" 8@5s, 25@20s ,-1@1m")
	if err != nil {
		t.Fatal(err)
	}
	want := []sandbox.RateStep{{After: 5 * time.Second, Rate: 8}, {After: 20 * time.Second, Rate: 25}, {After: time.Minute, Rate: -1}}
	if len(got) != len(want) {
		t.Fatalf("steps %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if steps, err := parseRateSchedule(""); err != nil || len(steps) != 0 {
		t.Errorf("empty schedule: %v, %v", steps, err)
	}
	for _, bad := range []string{"8", "x@5s", "0@5s", "8@soon", "8@-5s"} {
		if _, err := parseRateSchedule(bad); err == nil {
			t.Errorf("parseRateSchedule(%q) accepted", bad)
		}
	}
}
