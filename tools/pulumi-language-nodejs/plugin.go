package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// analyzerKind is RunPluginRequest.kind for a policy pack (`pulumi preview --policy-pack`);
// every other kind runs as a resource plugin (a component package).
const analyzerKind = "analyzer"

// pluginCommand is how one plugin starts: node's arguments and the folder it runs in.
type pluginCommand struct {
	args []string
	dir  string
}

// pluginCommandLine builds a plugin's node command line in the order Pulumi's host uses: the
// runner first, then nodeargs, then for a policy pack the CLI's arguments and the pack's
// folder, for a resource plugin the plugin's folder and the CLI's arguments. Node never sees
// a plugin's nodeargs: they come after the runner, whose flag parser takes them as its own,
// so only the --flag=value form is safe there (a lone flag would swallow the next argument).
func pluginCommandLine(req *pulumirpc.RunPluginRequest, opts runtimeOptions, runner string) pluginCommand {
	programDir := req.GetInfo().GetProgramDirectory()
	args := append([]string{runner}, opts.nodeargs...)
	if req.GetKind() == analyzerKind {
		args = append(append(args, req.GetArgs()...), programDir)
		return pluginCommand{args: args, dir: programDir}
	}
	args = append(append(args, programDir), req.GetArgs()...)
	return pluginCommand{args: args, dir: req.GetPwd()}
}

// pluginEnvironment is the CLI's environment for the plugin (it sends its whole own) plus
// the TypeScript settings.
func pluginEnvironment(req *pulumirpc.RunPluginRequest, opts runtimeOptions) []string {
	return append(append([]string{}, req.GetEnv()...), typescriptEnvironment(opts)...)
}

// policyPackEnvironment is what a policy pack library reads of the stack it checks: the
// stack's names, whether this is a preview, and its configuration.
func policyPackEnvironment(config *pulumirpc.AnalyzerStackConfigureRequest) ([]string, error) {
	if config == nil {
		return nil, nil
	}
	var env []string
	add := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	add("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
	add("PULUMI_NODEJS_PROJECT", config.GetProject())
	add("PULUMI_NODEJS_STACK", config.GetStack())
	add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(config.GetDryRun()))
	configJSON, err := jsonObject(config.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("could not encode the stack's configuration for the policy pack: %w", err)
	}
	add("PULUMI_CONFIG", configJSON)
	return env, nil
}

// RunPlugin runs a plugin written in Node.js: a component package or a policy pack. Its
// output is streamed back; the first line of stdout is the port the CLI dials.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	ctx := server.Context()
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	node, err := findNode()
	if err != nil {
		return err
	}
	module := "@pulumi/pulumi/cmd/run-plugin"
	if req.GetKind() == analyzerKind {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runner, err := resolveScript(ctx, node, req.GetInfo().GetProgramDirectory(), module)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(&lockedStream[pulumirpc.RunPluginResponse]{
		ServerStreamingServer: server,
	}, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	cmdCtx, cancel := h.commandContext(ctx)
	defer cancel()
	command := pluginCommandLine(req, opts, runner)
	cmd := exec.CommandContext(cmdCtx, node, command.args...)
	cmd.Dir = command.dir
	cmd.Env = pluginEnvironment(req, opts)
	cmd.Stderr = stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = stopGrace
	if req.GetKind() != analyzerKind {
		cmd.Stdout = stdout
		return pluginResult(cmd.Run())
	}
	return runPolicyPack(cmdCtx, cmd, stdout)
}

// lockedStream sends one message at a time: a plugin's stdout and stderr are copied by
// separate goroutines (and a policy pack's stdout by the proxy's own), and a gRPC stream
// must not be sent on from two goroutines at once.
type lockedStream[T any] struct {
	grpc.ServerStreamingServer[T]
	mu sync.Mutex
}

func (s *lockedStream[T]) Send(message *T) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ServerStreamingServer.Send(message)
}

// runPolicyPack starts a policy pack behind the SDK's policy proxy: the proxy's port goes to
// the CLI, the CLI's ConfigureStack gives the stack's names and configuration, and only then
// does node start, with them in its environment, as the policy library expects.
func runPolicyPack(ctx context.Context, cmd *exec.Cmd, stdout io.Writer) error {
	proxy, packStdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start the policy proxy: %w", err)
	}
	config, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("the CLI sent no stack configuration to the policy pack: %w", err)
	}
	env, err := policyPackEnvironment(config)
	if err != nil {
		proxy.Abort(err)
		return err
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = packStdout
	if err := cmd.Start(); err != nil {
		proxy.Abort(err)
		return pluginResult(err)
	}
	return pluginResult(proxy.Attach(ctx, cmd))
}

// pluginResult is how a plugin's end reaches the CLI: a clean exit ends the stream, any
// other end is an error with the exit code, in Pulumi's host's words.
func pluginResult(err error) error {
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Errorf("Program exited with non-zero exit code: %d", exit.ExitCode()) //nolint:stylecheck
	}
	return fmt.Errorf("Problem executing plugin program (could not run language executor): %w", err) //nolint:stylecheck
}
