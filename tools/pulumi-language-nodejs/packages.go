package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// pulumiPackage is one npm package that says, in its package.json, that it is the SDK of a
// Pulumi resource plugin, so the engine must load that plugin for the program.
type pulumiPackage struct {
	name, version, server string
	parameterization      *pulumirpc.PackageParameterization
}

// packageManifest is the part of a package.json this host reads.
type packageManifest struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource         bool   `json:"resource"`
		Name             string `json:"name"`
		Version          string `json:"version"`
		Server           string `json:"server"`
		Parameterization *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Value   string `json:"value"`
		} `json:"parameterization"`
	} `json:"pulumi"`
}

// findNodeModules is the program folder's own node_modules. Like Pulumi's host it does not
// look above the program folder, so a project never asks for the plugins of a parent's
// packages.
func findNodeModules(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("the request names no program directory")
	}
	candidate := filepath.Join(dir, "node_modules")
	if info, err := os.Stat(candidate); err != nil || !info.IsDir() {
		return "", fmt.Errorf("no node_modules folder in %s; "+
			"it looks like the program's dependencies are not installed: run `npm install` or `pulumi install`", dir)
	}
	return candidate, nil
}

// findPulumiPackages walks a node_modules tree (scoped packages, nested node_modules,
// symlinked local packages) and returns each resource plugin's SDK once, sorted by name.
func findPulumiPackages(nodeModules string) ([]pulumiPackage, error) {
	found := map[string]pulumiPackage{}
	visited := map[string]bool{}
	var walk func(dir string) error
	walk = func(dir string) error {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil || visited[real] {
			return nil
		}
		visited[real] = true
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("could not read %s: %w", dir, err)
		}
		for _, entry := range entries {
			path := filepath.Join(dir, entry.Name())
			if strings.HasPrefix(entry.Name(), ".") {
				continue
			}
			if strings.HasPrefix(entry.Name(), "@") {
				if err := walk(path); err != nil {
					return err
				}
				continue
			}
			if pkg, ok := readPulumiPackage(path); ok {
				found[pkg.name+"@"+pkg.version] = pkg
			}
			if err := walk(filepath.Join(path, "node_modules")); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(nodeModules); err != nil {
		return nil, err
	}
	packages := make([]pulumiPackage, 0, len(found))
	for _, pkg := range found {
		packages = append(packages, pkg)
	}
	sort.Slice(packages, func(i, j int) bool {
		if packages[i].name != packages[j].name {
			return packages[i].name < packages[j].name
		}
		return packages[i].version < packages[j].version
	})
	return packages, nil
}

// readPulumiPackage reads dir/package.json; a folder without one, or one that is not valid
// JSON, is not a Pulumi package (npm leaves such folders behind, and Pulumi's host skips them).
func readPulumiPackage(dir string) (pulumiPackage, bool) {
	text, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return pulumiPackage{}, false
	}
	var manifest packageManifest
	if json.Unmarshal(text, &manifest) != nil || !manifest.Pulumi.Resource {
		return pulumiPackage{}, false
	}
	name := manifest.Pulumi.Name
	if name == "" && strings.HasPrefix(manifest.Name, "@pulumi/") {
		// @pulumi/aws is the SDK of the plugin "aws".
		name = strings.TrimPrefix(manifest.Name, "@pulumi/")
	}
	if name == "" {
		// A third-party SDK must name its plugin; Pulumi's host skips one that does not.
		return pulumiPackage{}, false
	}
	version := manifest.Pulumi.Version
	if version == "" {
		version = manifest.Version
	}
	if version != "" && !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	pkg := pulumiPackage{name: name, version: version, server: manifest.Pulumi.Server}
	if p := manifest.Pulumi.Parameterization; p != nil {
		value, err := base64.StdEncoding.DecodeString(p.Value)
		if err != nil {
			return pulumiPackage{}, false
		}
		// A parameterized SDK names the base plugin in pulumi.name and itself in parameterization.
		pkg.parameterization = &pulumirpc.PackageParameterization{Name: p.Name, Version: p.Version, Value: value}
	}
	return pkg, true
}

// programPackages lists the SDKs installed for a program or plugin. Like Pulumi's host it
// never fails: a folder without dependencies needs no plugins, and the Run that follows
// says clearly that the SDK is not installed.
func (h *host) programPackages(info *pulumirpc.ProgramInfo) []pulumiPackage {
	nodeModules, err := findNodeModules(info.GetProgramDirectory())
	if err != nil {
		return nil
	}
	packages, err := findPulumiPackages(nodeModules)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
	}
	return packages
}

// GetRequiredPackages lists the resource plugins whose SDKs the program installed, so the
// engine loads them before it runs the program.
func (h *host) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages := h.programPackages(req.GetInfo())
	resp := &pulumirpc.GetRequiredPackagesResponse{}
	for _, pkg := range packages {
		resp.Packages = append(resp.Packages, &pulumirpc.PackageDependency{
			Name: pkg.name, Kind: "resource", Version: pkg.version, Server: pkg.server,
			Parameterization: pkg.parameterization,
		})
	}
	return resp, nil
}

// GetRequiredPlugins is the older form of GetRequiredPackages, for CLIs that still call it.
func (h *host) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	packages := h.programPackages(req.GetInfo())
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, pkg := range packages {
		if pkg.parameterization != nil {
			continue // A plugin list cannot say which parameterization; GetRequiredPackages can.
		}
		resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{
			Name: pkg.name, Kind: "resource", Version: pkg.version, Server: pkg.server,
		})
	}
	return resp, nil
}
