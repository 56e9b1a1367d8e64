package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	codegenrpc "github.com/pulumi/pulumi/sdk/v3/proto/go/codegen"
)

// codegenTool is the name the generated files say generated them.
const codegenTool = "pulumi-language-nodejs"

// GeneratePackage writes a TypeScript SDK for a package schema (`pulumi package add`,
// `pulumi package gen-sdk`): the schema is bound against the CLI's schema loader, then
// Pulumi's own Node.js code generator writes the files.
func (h *host) GeneratePackage(
	ctx context.Context, req *pulumirpc.GeneratePackageRequest,
) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, fmt.Errorf("could not reach the CLI's schema loader: %w", err)
	}
	defer loader.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("the package schema is not valid JSON: %w", err)
	}
	cached := schema.NewCachedLoader(loader)
	pkg, diags, err := schema.BindSpec(spec, cached, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiagnostics(diags)}, nil
	}
	files, err := nodejs.GeneratePackage(codegenTool, pkg, req.GetExtraFiles(), req.GetLocalDependencies(),
		req.GetLocal(), cached)
	if err != nil {
		return nil, fmt.Errorf("could not generate the TypeScript SDK of %s: %w", spec.Name, err)
	}
	if err := writeFiles(req.GetDirectory(), files); err != nil {
		return nil, err
	}
	return &pulumirpc.GeneratePackageResponse{Diagnostics: rpcDiagnostics(diags)}, nil
}

// writeFiles writes generated files under dir, in a stable order so that a failure names
// the same file every time.
func writeFiles(dir string, files map[string][]byte) error {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("could not create the folder of %s: %w", path, err)
		}
		if err := os.WriteFile(path, files[name], 0o600); err != nil {
			return fmt.Errorf("could not write %s: %w", path, err)
		}
	}
	return nil
}

// rpcDiagnostics turns the binder's diagnostics into the wire form.
func rpcDiagnostics(diags hcl.Diagnostics) []*codegenrpc.Diagnostic {
	out := make([]*codegenrpc.Diagnostic, 0, len(diags))
	for _, d := range diags {
		severity := codegenrpc.DiagnosticSeverity_DIAG_WARNING
		if d.Severity == hcl.DiagError {
			severity = codegenrpc.DiagnosticSeverity_DIAG_ERROR
		}
		out = append(out, &codegenrpc.Diagnostic{Severity: severity, Summary: d.Summary, Detail: d.Detail})
	}
	return out
}

// Link adds generated SDKs to a program's package.json as `file:` dependencies, the way
// Pulumi's host does it for each package manager; `pulumi package add` installs after it.
func (h *host) Link(ctx context.Context, req *pulumirpc.LinkRequest) (*pulumirpc.LinkResponse, error) {
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	dir := req.GetInfo().GetProgramDirectory()
	manager, err := npm.ResolvePackageManager(npm.PackageManagerType(opts.packagemanager), dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, dep := range req.GetPackages() {
		name, err := sdkPackageName(filepath.Join(dir, dep.GetPath()))
		if err != nil {
			return nil, err
		}
		if err := manager.Link(ctx, dir, name, dep.GetPath()); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return &pulumirpc.LinkResponse{ImportInstructions: importInstructions(dir, opts, names)}, nil
}

// sdkPackageName is the npm name the code generator gave an SDK, from its package.json.
func sdkPackageName(sdkDir string) (string, error) {
	text, err := os.ReadFile(filepath.Join(sdkDir, "package.json"))
	if err != nil {
		return "", fmt.Errorf("the generated SDK at %s has no readable package.json: %w", sdkDir, err)
	}
	var manifest packageManifest
	if err := json.Unmarshal(text, &manifest); err != nil || manifest.Name == "" {
		return "", fmt.Errorf("the generated SDK's package.json at %s names no package", sdkDir)
	}
	return manifest.Name, nil
}

// importInstructions tells the user how to use what was linked, in TypeScript or JavaScript
// as the project is written.
func importInstructions(dir string, opts runtimeOptions, names []string) string {
	_, tsconfigErr := os.Stat(filepath.Join(dir, "tsconfig.json"))
	typescript := opts.typescript || opts.tsconfig != "" || tsconfigErr == nil
	var b strings.Builder
	if typescript {
		b.WriteString("You can import the SDK in your TypeScript code with:\n\n")
	} else {
		b.WriteString("You can import the SDK in your JavaScript code with:\n\n")
	}
	for _, name := range names {
		if typescript {
			fmt.Fprintf(&b, "  import * as %s from %q;\n", importName(name), name)
		} else {
			fmt.Fprintf(&b, "  const %s = require(%q);\n", importName(name), name)
		}
	}
	return b.String()
}

// importName is a JavaScript identifier for a package: @pulumi/my-pkg → myPkg.
func importName(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	parts := strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	for i := 1; i < len(parts); i++ {
		parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
	}
	return strings.Join(parts, "")
}
