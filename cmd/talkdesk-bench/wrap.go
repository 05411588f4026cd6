package main

import (
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
)

const (
	envWrapReal = "TALKDESK_BENCH_REAL_PROVIDER"
	envRSSFile  = "TALKDESK_BENCH_RSS_FILE"
)

// wrapped runs this program as a transparent wrapper around the real
// provider binary when Terraform starts it, and records the provider's
// peak resident set size (from the kernel's rusage) when it exits.
func wrapped() bool {
	real := os.Getenv(envWrapReal)
	if real == "" {
		return false
	}
	cmd := exec.Command(real, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	signal.Ignore(syscall.SIGINT) // Terraform signals the process group; the provider handles it
	err := cmd.Run()
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			if f := os.Getenv(envRSSFile); f != "" {
				_ = os.WriteFile(f, []byte(strconv.FormatInt(ru.Maxrss*1024, 10)), 0o600)
			}
		}
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		os.Exit(1)
	}
	return true
}
