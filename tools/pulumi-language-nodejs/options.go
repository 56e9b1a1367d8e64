package main

import (
	"fmt"
	"strings"

	"github.com/google/shlex"
	"google.golang.org/protobuf/types/known/structpb"
)

// runtimeOptions are the `runtime.options` of a Pulumi.yaml, PulumiPlugin.yaml or
// PulumiPolicy.yaml with `runtime: nodejs`, as the CLI passes them in ProgramInfo.options.
type runtimeOptions struct {
	// typescript: false runs the entry point as JavaScript, without ts-node. Default true.
	typescript bool
	// nodeargs are extra arguments to node itself, e.g. `--import tsx` or `--max-old-space-size`.
	nodeargs []string
	// tsconfig is the tsconfig.json the SDK's ts-node uses instead of the project's.
	tsconfig string
	// packagemanager is npm, yarn, pnpm or bun; empty picks from the lock files, as npm.go does.
	packagemanager string
}

// parseRuntimeOptions reads the options this host honours and refuses a value of the wrong
// type with the option's name, as a user who wrote `typescript: "no"` needs to see.
func parseRuntimeOptions(options *structpb.Struct) (runtimeOptions, error) {
	parsed := runtimeOptions{typescript: true}
	if options == nil {
		return parsed, nil
	}
	fields := options.GetFields()
	if value, ok := fields["typescript"]; ok {
		b, isBool := value.GetKind().(*structpb.Value_BoolValue)
		if !isBool {
			return parsed, fmt.Errorf("runtime option typescript must be true or false, not %s", describe(value))
		}
		parsed.typescript = b.BoolValue
	}
	if value, ok := fields["nodeargs"]; ok {
		text, err := stringOption("nodeargs", value)
		if err != nil {
			return parsed, err
		}
		// nodeargs is one string in Pulumi.yaml, split as a shell would split it.
		args, err := shlex.Split(text)
		if err != nil {
			return parsed, fmt.Errorf("runtime option nodeargs %q cannot be split into arguments: %w", text, err)
		}
		parsed.nodeargs = args
	}
	var err error
	if value, ok := fields["tsconfig"]; ok {
		if parsed.tsconfig, err = stringOption("tsconfig", value); err != nil {
			return parsed, err
		}
	}
	if value, ok := fields["packagemanager"]; ok {
		if parsed.packagemanager, err = stringOption("packagemanager", value); err != nil {
			return parsed, err
		}
	}
	return parsed, nil
}

func stringOption(name string, value *structpb.Value) (string, error) {
	s, ok := value.GetKind().(*structpb.Value_StringValue)
	if !ok {
		return "", fmt.Errorf("runtime option %s must be a string, not %s", name, describe(value))
	}
	return s.StringValue, nil
}

// describe names a value's kind and shows it, for error messages.
func describe(value *structpb.Value) string {
	text, err := value.MarshalJSON()
	if err != nil {
		return "a value of unknown kind"
	}
	kind := strings.TrimPrefix(fmt.Sprintf("%T", value.GetKind()), "*structpb.Value_")
	return fmt.Sprintf("the %s %s", strings.ToLower(strings.TrimSuffix(kind, "Value")), text)
}
