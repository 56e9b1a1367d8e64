package main

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// host is the LanguageRuntime service. Each RPC the repository's tests need has its own
// file (run.go, packages.go, plugin.go, install.go, sdkgen.go); everything else answers
// Unimplemented by name, which the CLI treats as "this host does not do that" where the
// RPC is optional.
type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	// engineAddress is the engine's gRPC address from the command line, passed to programs
	// as --engine.
	engineAddress string
	// tracing is the CLI's tracing endpoint, passed to programs as --tracing.
	tracing string

	// cancelled ends when the CLI calls Cancel (the user pressed Ctrl-C): every program and
	// plugin this host started is then interrupted, as Pulumi's host does.
	cancelled context.Context
	cancel    context.CancelFunc
}

func newHost(engineAddress, tracing string) *host {
	cancelled, cancel := context.WithCancel(context.Background())
	return &host{engineAddress: engineAddress, tracing: tracing, cancelled: cancelled, cancel: cancel}
}

// commandContext is the context of a process started for one RPC: it ends with the RPC
// (the CLI went away) or when the CLI cancels the whole operation.
func (h *host) commandContext(rpc context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(rpc)
	stop := context.AfterFunc(h.cancelled, cancel)
	return ctx, func() {
		stop()
		cancel()
	}
}

// notImplemented is the answer of every RPC this host leaves out.
func notImplemented(rpc string) error {
	return status.Errorf(codes.Unimplemented,
		"%s is not implemented by this test host (pulumi-flashback's pulumi-language-nodejs); "+
			"install the Pulumi CLI with its language hosts for it", rpc)
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (h *host) Handshake(
	context.Context, *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return nil, notImplemented("Handshake")
}

func (h *host) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return nil, notImplemented("RuntimeOptionsPrompts")
}

func (h *host) Template(context.Context, *pulumirpc.TemplateRequest) (*pulumirpc.TemplateResponse, error) {
	return nil, notImplemented("Template")
}

func (h *host) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	return nil, notImplemented("About")
}

func (h *host) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return nil, notImplemented("GetProgramDependencies")
}

func (h *host) GenerateProgram(
	context.Context, *pulumirpc.GenerateProgramRequest,
) (*pulumirpc.GenerateProgramResponse, error) {
	return nil, notImplemented("GenerateProgram")
}

func (h *host) GenerateProject(
	context.Context, *pulumirpc.GenerateProjectRequest,
) (*pulumirpc.GenerateProjectResponse, error) {
	return nil, notImplemented("GenerateProject")
}

func (h *host) Pack(context.Context, *pulumirpc.PackRequest) (*pulumirpc.PackResponse, error) {
	return nil, notImplemented("Pack")
}

// Cancel interrupts every program and plugin this host is running.
func (h *host) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}
