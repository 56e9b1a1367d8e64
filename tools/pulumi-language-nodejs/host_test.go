package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

func options(t *testing.T, values map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(values)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRuntimeOptionsDefaultToTypeScript(t *testing.T) {
	opts, err := parseRuntimeOptions(nil)
	if err != nil || !opts.typescript || opts.nodeargs != nil {
		t.Fatalf("got %+v, %v; want typescript on and no nodeargs", opts, err)
	}
}

func TestRuntimeOptionsAreRead(t *testing.T) {
	opts, err := parseRuntimeOptions(options(t, map[string]any{
		"typescript":     false,
		"nodeargs":       `--require ./preload.js --title "two words"`,
		"tsconfig":       "tsconfig.pulumi.json",
		"packagemanager": "npm",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := runtimeOptions{
		typescript:     false,
		nodeargs:       []string{"--require", "./preload.js", "--title", "two words"},
		tsconfig:       "tsconfig.pulumi.json",
		packagemanager: "npm",
	}
	if !reflect.DeepEqual(opts, want) {
		t.Fatalf("got %+v, want %+v", opts, want)
	}
}

func TestRuntimeOptionOfTheWrongTypeIsNamed(t *testing.T) {
	for name, value := range map[string]any{"typescript": "no", "nodeargs": 3.0, "tsconfig": true} {
		_, err := parseRuntimeOptions(options(t, map[string]any{name: value}))
		if err == nil || !strings.Contains(err.Error(), "runtime option "+name) {
			t.Errorf("%s=%v: got %v, want an error naming the option", name, value, err)
		}
	}
	_, err := parseRuntimeOptions(options(t, map[string]any{"typescript": "no"}))
	if want := `runtime option typescript must be true or false, not the string "no"`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestRunCommandLinePutsEveryFlagBeforeTheEntryPoint(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1", Project: "p", Stack: "dev", DryRun: true, Parallel: 16,
		Args: []string{"--not-a-runner-flag"},
	}
	loc := programLocation{root: "/proj", programDir: "/proj/app", entryPoint: "."}
	opts := runtimeOptions{nodeargs: []string{"--require", "x.js"}}
	got := runCommandLine(req, loc, opts, "/sdk/cmd/run/index.js", "127.0.0.1:2", "")
	want := []string{
		"--require", "x.js", "/sdk/cmd/run/index.js",
		"--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2", "--project", "p",
		"--root-directory", "/proj", "--stack", "dev", "--pwd", "/proj/app", "--dry-run", "--parallel", "16",
		".", "--not-a-runner-flag",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n  %q\nwant\n  %q", got, want)
	}
}

func TestProgramEnvironmentCarriesConfigurationAndSecretKeys(t *testing.T) {
	req := &pulumirpc.RunRequest{
		Config:           map[string]string{"proj:name": "world", "flashback:token": "t"},
		ConfigSecretKeys: []string{"flashback:token"},
	}
	env, err := programEnvironment(req, runtimeOptions{typescript: false, tsconfig: "tsconfig.x.json"})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for _, entry := range env {
		name, value, _ := strings.Cut(entry, "=")
		values[name] = value
	}
	var config map[string]string
	if err := json.Unmarshal([]byte(values["PULUMI_CONFIG"]), &config); err != nil || !reflect.DeepEqual(config, req.Config) {
		t.Errorf("PULUMI_CONFIG = %q (%v), want %v", values["PULUMI_CONFIG"], err, req.Config)
	}
	if values["PULUMI_CONFIG_SECRET_KEYS"] != `["flashback:token"]` {
		t.Errorf("PULUMI_CONFIG_SECRET_KEYS = %q", values["PULUMI_CONFIG_SECRET_KEYS"])
	}
	if values["PULUMI_NODEJS_TYPESCRIPT"] != "false" || values["PULUMI_NODEJS_TSCONFIG_PATH"] != "tsconfig.x.json" {
		t.Errorf("TypeScript settings: %q, %q", values["PULUMI_NODEJS_TYPESCRIPT"], values["PULUMI_NODEJS_TSCONFIG_PATH"])
	}
}

func exitWith(t *testing.T, script string) error {
	t.Helper()
	return exec.Command("sh", "-c", script).Run()
}

func TestRunResultReadsAsPulumisHost(t *testing.T) {
	if got := runResult(nil); got.GetError() != "" || got.GetBail() {
		t.Errorf("success: got %v", got)
	}
	if got := runResult(exitWith(t, "exit 32")); !got.GetBail() || got.GetError() != "" {
		t.Errorf("exit 32: got %v, want a bail without a message", got)
	}
	if got := runResult(exitWith(t, "exit 7")); got.GetError() != "Program exited with non-zero exit code: 7" {
		t.Errorf("exit 7: got %q", got.GetError())
	}
	if got := runResult(exitWith(t, "kill -9 $$")); got.GetError() != "Program exited with non-zero exit code: -1" {
		t.Errorf("killed: got %q", got.GetError())
	}
}

func writeJSON(t *testing.T, path string, value any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	text, _ := json.Marshal(value)
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPulumiPackagesAreFoundWhereverNpmPutsThem(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi", "aws", "package.json"),
		map[string]any{"name": "@pulumi/aws", "version": "6.1.0", "pulumi": map[string]any{"resource": true}})
	writeJSON(t, filepath.Join(nm, "plain", "package.json"), map[string]any{"name": "plain", "version": "1.0.0"})
	writeJSON(t, filepath.Join(nm, "plain", "node_modules", "nested", "package.json"), map[string]any{
		"name": "nested", "version": "2.0.0",
		"pulumi": map[string]any{"resource": true, "name": "deep", "version": "v3.0.0", "server": "https://example.test"},
	})
	// A third-party SDK that does not name its plugin is skipped, as Pulumi's host skips it.
	writeJSON(t, filepath.Join(nm, "unnamed", "package.json"),
		map[string]any{"name": "unnamed", "version": "1.0.0", "pulumi": map[string]any{"resource": true}})
	if err := os.MkdirAll(filepath.Join(nm, "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(nm, "broken", "package.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A parameterized SDK: the base plugin in pulumi.name, itself in parameterization.
	writeJSON(t, filepath.Join(nm, "@pulumi", "tf-random", "package.json"), map[string]any{
		"name": "@pulumi/tf-random", "version": "1.0.0",
		"pulumi": map[string]any{"resource": true, "name": "terraform-provider", "version": "0.8.0",
			"parameterization": map[string]any{"name": "random", "version": "3.6.0", "value": "cGFyYW1z"}},
	})
	// A linked local SDK (`file:` dependency), as `pulumi package add` leaves it.
	writeJSON(t, filepath.Join(dir, "sdks", "flashback", "package.json"), map[string]any{
		"name": "@pulumi/flashback", "version": "0.1.0", "pulumi": map[string]any{"resource": true, "name": "flashback"},
	})
	if err := os.Symlink(filepath.Join(dir, "sdks", "flashback"), filepath.Join(nm, "@pulumi", "flashback")); err != nil {
		t.Fatal(err)
	}

	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if found, err := findNodeModules(filepath.Join(dir, "src")); err == nil {
		t.Fatalf("from a subfolder without node_modules: got %q, want none (a parent's are not the program's)", found)
	}
	nodeModules, err := findNodeModules(dir)
	if err != nil || nodeModules != nm {
		t.Fatalf("got %q, %v; want %s", nodeModules, err, nm)
	}
	packages, err := findPulumiPackages(nodeModules)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, 0, len(packages))
	for _, pkg := range packages {
		got = append(got, pkg.name+" "+pkg.version+" "+pkg.server)
	}
	want := []string{"aws v6.1.0 ", "deep v3.0.0 https://example.test", "flashback v0.1.0 ", "terraform-provider v0.8.0 "}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	p := packages[3].parameterization
	if p == nil || p.GetName() != "random" || p.GetVersion() != "3.6.0" || string(p.GetValue()) != "params" {
		t.Fatalf("parameterization: got %v", p)
	}
	// The older RPC cannot say which parameterization, so it leaves that package out.
	plugins, err := newHost("", "").GetRequiredPlugins(context.Background(),
		&pulumirpc.GetRequiredPluginsRequest{Info: &pulumirpc.ProgramInfo{ProgramDirectory: dir}})
	if err != nil || len(plugins.GetPlugins()) != 3 {
		t.Fatalf("GetRequiredPlugins: got %v, %v; want the 3 plugins without parameterization", plugins, err)
	}
}

func TestPluginCommandLinesDifferForPolicyPacksAndComponents(t *testing.T) {
	info := &pulumirpc.ProgramInfo{ProgramDirectory: "/plugins/pack"}
	opts := runtimeOptions{nodeargs: []string{"--stack-size=2000"}}
	pack := pluginCommandLine(&pulumirpc.RunPluginRequest{
		Info: info, Kind: "analyzer", Args: []string{"127.0.0.1:9"}, Pwd: "/project",
	}, opts, "/sdk/run-policy-pack")
	if want := []string{"/sdk/run-policy-pack", "--stack-size=2000", "127.0.0.1:9", "/plugins/pack"}; !reflect.DeepEqual(pack.args, want) || pack.dir != "/plugins/pack" {
		t.Errorf("policy pack: %q in %s, want %q in /plugins/pack", pack.args, pack.dir, want)
	}
	component := pluginCommandLine(&pulumirpc.RunPluginRequest{
		Info: info, Kind: "resource", Args: []string{"127.0.0.1:9"}, Pwd: "/project",
	}, opts, "/sdk/run-plugin")
	if want := []string{"/sdk/run-plugin", "--stack-size=2000", "/plugins/pack", "127.0.0.1:9"}; !reflect.DeepEqual(component.args, want) || component.dir != "/project" {
		t.Errorf("component: %q in %s, want %q in /project", component.args, component.dir, want)
	}
}

func TestPolicyPackEnvironmentNamesTheStack(t *testing.T) {
	env, err := policyPackEnvironment(&pulumirpc.AnalyzerStackConfigureRequest{
		Organization: "org", Project: "proj", Stack: "prod", DryRun: true, Config: map[string]string{"a:b": "c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"PULUMI_NODEJS_ORGANIZATION=org", "PULUMI_NODEJS_PROJECT=proj", "PULUMI_NODEJS_STACK=prod",
		"PULUMI_NODEJS_DRY_RUN=true", `PULUMI_CONFIG={"a:b":"c"}`,
	}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("got %q, want %q", env, want)
	}
	if env, err := policyPackEnvironment(nil); env != nil || err != nil {
		t.Fatalf("no configuration: got %q, %v", env, err)
	}
}

func TestImportInstructionsFollowTheProjectsLanguage(t *testing.T) {
	dir := t.TempDir()
	js := importInstructions(dir, runtimeOptions{typescript: false}, []string{"@pulumi/my-pkg"})
	if !strings.Contains(js, "JavaScript") || !strings.Contains(js, `const myPkg = require("@pulumi/my-pkg");`) {
		t.Errorf("JavaScript project: %q", js)
	}
	ts := importInstructions(dir, runtimeOptions{typescript: true}, []string{"@pulumi/flashback"})
	if !strings.Contains(ts, "TypeScript") || !strings.Contains(ts, `import * as flashback from "@pulumi/flashback";`) {
		t.Errorf("TypeScript project: %q", ts)
	}
}

func TestUnimplementedCallsNameThemselves(t *testing.T) {
	_, err := newHost("", "").About(context.Background(), &pulumirpc.AboutRequest{})
	if err == nil || !strings.Contains(err.Error(), "About is not implemented by this test host") {
		t.Fatalf("got %v", err)
	}
}

func TestCancelEndsTheContextOfEveryRunningCommand(t *testing.T) {
	h := newHost("", "")
	first, stopFirst := h.commandContext(context.Background())
	defer stopFirst()
	second, stopSecond := h.commandContext(context.Background())
	defer stopSecond()
	if first.Err() != nil || second.Err() != nil {
		t.Fatal("a command's context ended before Cancel")
	}
	if _, err := h.Cancel(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	<-first.Done()
	<-second.Done()
}

func TestTheDefaultVersionIsMarkedAsOurs(t *testing.T) {
	// scripts/ensure-language-host.sh must never take a plain `go build` of ours for Pulumi's own.
	if !strings.HasPrefix(version, "0.0.0-flashback.") {
		t.Fatalf("version %q lacks the 0.0.0-flashback. prefix", version)
	}
}

func TestPluginEnvironmentIsTheCLIsPlusTheTypeScriptSettings(t *testing.T) {
	env := pluginEnvironment(&pulumirpc.RunPluginRequest{Env: []string{"PATH=/bin", "HOME=/home/u"}},
		runtimeOptions{typescript: false})
	want := []string{"PATH=/bin", "HOME=/home/u", "PULUMI_NODEJS_TYPESCRIPT=false"}
	if !reflect.DeepEqual(env, want) {
		t.Fatalf("got %q, want %q (the host's own environment is not added)", env, want)
	}
}
