// Command pulumi-language-nodejs is this repository's own Node.js language host for the
// pulumi CLI: enough of the LanguageRuntime service to run the repository's CLI-project
// tests (TypeScript, CommonJS and ESM programs, policy packs, component plugins, SDK
// generation and linking) where no Pulumi install is available. It is not a substitute
// for Pulumi's own host, which always wins where one is installed
// (scripts/ensure-language-host.sh).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// version is set at build time (-X main.version=...) from the hash of this folder, so that
// `pulumi about` and the plugin logs tell which build of the host ran. Every version of ours
// starts with 0.0.0-flashback., which is how scripts/ensure-language-host.sh tells it from
// Pulumi's own.
var version = "0.0.0-flashback.dev"

// engineHealthInterval is how often the host checks that the engine is still there. A CD
// runner that kills the CLI leaves the host behind in its own process group; the check
// makes it stop serving then (a program still running gets stopGrace more to end).
const engineHealthInterval = 2 * time.Second

func main() {
	// The CLI's --logtostderr and -v are the SDK's logging flags, registered by its logging package.
	showVersion := flag.Bool("version", false, "print the host's version and exit")
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint, passed on to programs")
	// Hosts before v3.259.0 were started with -root; accept it so an older CLI gets a clear run.
	flag.String("root", "", "accepted for compatibility with older pulumi CLIs; unused")
	flag.Parse()
	logging.InitLogging(false, 0, false)
	if *showVersion {
		fmt.Println(version)
		return
	}

	engineAddress := ""
	if flag.NArg() > 0 {
		engineAddress = flag.Arg(0)
	}
	if err := serve(engineAddress, *tracing); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

// serve starts the LanguageRuntime service on a loopback port, prints the port on the first
// line of stdout (which the CLI reads), and blocks until the engine goes away or the host
// is interrupted.
func serve(engineAddress, tracing string) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()

	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, engineHealthInterval, cancel); err != nil {
			return fmt.Errorf("could not watch the engine at %s: %w", engineAddress, err)
		}
	}

	stop := make(chan bool)
	go func() {
		<-ctx.Done()
		// A second interrupt then ends the host at once, as it would without a handler.
		cancel()
		close(stop)
	}()
	host := newHost(engineAddress, tracing)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the language runtime service: %w", err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil && !rpcutil.IsBenignCloseErr(err) {
		return err
	}
	return nil
}
