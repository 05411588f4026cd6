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
	realBinary := os.Getenv(envWrapReal)
	if realBinary == "" {
		return false
	}
	cmd := exec.Command(realBinary, os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	signal.Ignore(syscall.SIGINT) // Terraform signals the process group; the provider handles it
	err := cmd.Run()
	if ps := cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			// Terraform starts the provider several times per run (schema,
			// plan, apply): every instance appends, the bench takes the max.
			if f := os.Getenv(envRSSFile); f != "" {
				if out, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
					_, _ = out.WriteString(strconv.FormatInt(ru.Maxrss*1024, 10) + "\n")
					_ = out.Close()
				}
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
