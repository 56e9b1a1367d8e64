//go:build tools

// Package tools pins the commands this module builds, so go mod tidy keeps them.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
