package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// bailExitCode is the exit code with which the SDK's runner says "the error is already
// reported to the user" (nodeJSProcessExitedAfterLoggingUserActionableMessage in
// @pulumi/pulumi/cmd/run); the engine then prints no second message.
const bailExitCode = 32

// stopGrace is how long a program whose Run was cancelled (the CLI went away, or the user
// cancelled) has to end after SIGINT before it is killed.
const stopGrace = 5 * time.Second

// programLocation is where a program is and how it is started.
type programLocation struct {
	// root is the folder of Pulumi.yaml; programDir the folder of the program (`main:`).
	root, programDir string
	// entryPoint is relative to programDir; "." means the package.json `main` there.
	entryPoint string
}

func locateProgram(req *pulumirpc.RunRequest) programLocation {
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		return programLocation{info.GetRootDirectory(), info.GetProgramDirectory(), info.GetEntryPoint()}
	}
	// A CLI without ProgramInfo sends only the working directory and the program.
	return programLocation{req.GetPwd(), req.GetPwd(), req.GetProgram()}
}

// runCommandLine is the node command line of a program: node's own arguments, the SDK's
// runner, its flags, then the entry point and the program's arguments. All flags come
// before the entry point, because the runner stops reading flags at the first positional.
func runCommandLine(
	req *pulumirpc.RunRequest, loc programLocation, opts runtimeOptions, runner, engine, tracing string,
) []string {
	args := append([]string{}, opts.nodeargs...)
	args = append(args, runner)
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engine)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", loc.root)
	flag("stack", req.GetStack())
	flag("pwd", loc.programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flag("parallel", strconv.Itoa(int(req.GetParallel())))
	flag("tracing", tracing)
	entry := loc.entryPoint
	if entry == "" {
		// The CLI always names one, "." at least; an older client may not.
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// programEnvironment is what the SDK reads from the environment rather than from flags:
// the stack's configuration, which of its keys are secret, and the TypeScript settings.
func programEnvironment(req *pulumirpc.RunRequest, opts runtimeOptions) ([]string, error) {
	configJSON, err := jsonObject(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("could not encode the stack's configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("could not encode the stack's secret keys: %w", err)
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+configJSON, "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))
	return append(env, typescriptEnvironment(opts)...), nil
}

// typescriptEnvironment is how the SDK's runners learn the TypeScript settings.
func typescriptEnvironment(opts runtimeOptions) []string {
	env := []string{"PULUMI_NODEJS_TYPESCRIPT=" + strconv.FormatBool(opts.typescript)}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env
}

// Run runs a program once with node: a preview (DryRun) or an update.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	node, err := findNode()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	loc := locateProgram(req)
	runner, err := resolveScript(ctx, node, loc.programDir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := programEnvironment(req, opts)
	if err != nil {
		return nil, err
	}

	cmdCtx, cancel := h.commandContext(ctx)
	defer cancel()
	cmd := exec.CommandContext(cmdCtx, node, runCommandLine(req, loc, opts, runner, h.engineAddress, h.tracing)...)
	// The program starts in the host's own folder, which the CLI made the program's folder
	// (`main:` where it names a folder, else the project's); the runner then changes to --pwd.
	cmd.Env = env
	// The CLI shows the host's output as the program's. Wrapped, so that exec copies through
	// a pipe: node may make an inherited descriptor non-blocking, which would break the
	// host's own writes to it.
	cmd.Stdout, cmd.Stderr = struct{ io.Writer }{os.Stdout}, struct{ io.Writer }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = stopGrace
	return runResult(cmd.Run()), nil
}

// runResult maps how node ended to what the engine reports: nothing for success, a bail
// for exit 32 (the SDK has reported the error already), a message for anything else.
func runResult(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		switch code := exit.ExitCode(); code {
		case bailExitCode:
			return &pulumirpc.RunResponse{Bail: true}
		case 0:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", err)}
		default:
			// A program killed by a signal has no exit code: -1, as Pulumi's host reports it.
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}
		}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}
}

// jsonObject encodes a string map as a JSON object, {} when it is empty.
func jsonObject(values map[string]string) (string, error) {
	if values == nil {
		values = map[string]string{}
	}
	text, err := json.Marshal(values)
	return string(text), err
}
