// Command terraform-provider-talkdesk serves the talkdesk provider to
// Terraform and OpenTofu over plugin protocol 6.
package main

import (
	"flag"
	"log"
	"os"
	rtdebug "runtime/debug"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/talkdesk/terraform-provider-talkdesk/internal/provider"
)

// version is stamped by the release build (-ldflags "-X main.version=...")
// and reported in the user agent.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run with support for debuggers like delve")
	flag.Parse()
	// The provider's heap is mostly one run's snapshot, held to the end,
	// and transient page buffers around it: collecting at half the live
	// heap instead of all of it keeps the peak near 1.5x what is held (a
	// million usage rows under 512 MiB) for a little more GC work, which
	// the API's rate limit leaves room for. GOGC, when set, decides.
	if os.Getenv("GOGC") == "" {
		rtdebug.SetGCPercent(50)
	}

	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	}
	newServer := provider.NewServer(version)
	err := tf6server.Serve(provider.Address, func() tfprotov6.ProviderServer {
		s, err := newServer()
		if err != nil {
			log.Fatal(err)
		}
		return s
	}, opts...)
	if err != nil {
		log.Fatal(err.Error())
	}
}
