package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// findNode returns the node on PATH, the one Pulumi's host runs programs with.
func findNode() (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	return node, nil
}

// sdkMissingExitCode is how resolveScriptSource says that the module is not installed.
const sdkMissingExitCode = 3

// resolveScriptSource prints where node resolves argv[1] from the folder argv[2], or, when
// it is not installed there, says so in the words of Pulumi's own host.
const resolveScriptSource = `try {
  process.stdout.write(require.resolve(process.argv[1], { paths: [process.argv[2]] }));
} catch (e) {
  if (e && e.code !== "MODULE_NOT_FOUND") throw e;
  process.stderr.write("It looks like the Pulumi SDK has not been installed. Have you run pulumi install?\n");
  process.exit(3);
}`

// resolveScript is node's own require.resolve of one of the SDK's runner scripts (say
// "@pulumi/pulumi/cmd/run") from dir, so that the runner comes from the SDK the program
// installed, wherever its package manager put it (hoisted, nested, pnpm's store).
func resolveScript(ctx context.Context, node, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", resolveScriptSource, module, dir)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == sdkMissingExitCode {
			// Pulumi's host's words, then what exactly is missing where.
			return "", fmt.Errorf("%s (%s cannot be resolved from %s: run `npm install` there)",
				strings.TrimSpace(stderr.String()), module, dir)
		}
		return "", fmt.Errorf("could not locate %s from %s: %w: %s", module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
