package main

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
)

// InstallDependencies installs a program's or plugin's npm dependencies with the package
// manager its lock files (or runtime.options.packagemanager) choose, streaming the package
// manager's output to the CLI. `pulumi install`, `pulumi package add` and `get-schema` call it.
func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	dir := req.GetInfo().GetProgramDirectory()
	if dir == "" {
		dir = req.GetDirectory() // a CLI without ProgramInfo
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(
		&lockedStream[pulumirpc.InstallDependenciesResponse]{ServerStreamingServer: server}, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()

	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	// In an npm, yarn or pnpm workspace the install belongs at the workspace's root.
	root, err := npm.FindWorkspaceRoot(dir)
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", root)
		dir = root
	case !errors.Is(err, npm.ErrNotInWorkspace):
		return fmt.Errorf("could not look for a workspace root above %s: %w", dir, err)
	}
	manager := npm.PackageManagerType(opts.packagemanager)
	if _, err := npm.Install(server.Context(), manager, dir, false, stdout, stderr); err != nil {
		return fmt.Errorf("installing dependencies in %s: %w", dir, err)
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return nil
}
