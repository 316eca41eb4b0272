package main

import (
	"github.com/spf13/cobra"

	"github.com/ktrace-linux/ktrace/internal/cli"
)

// setupCLI gives cmd, about to run with args, --version, the completion
// command, and shell completion for flag values and the traced command.
func setupCLI(cmd *cobra.Command, args []string) {
	cli.Setup(cmd, args)
	cmd.ValidArgsFunction = cli.CompleteCommand
	for flag, f := range map[string]cobra.CompletionFunc{
		"trace":      cli.CompleteFacilities,
		"pid":        cli.CompletePIDs,
		"pgrp":       cli.CompletePgrps,
		"genio-size": cobra.NoFileCompletions,
	} {
		if err := cmd.RegisterFlagCompletionFunc(flag, f); err != nil {
			panic(err) // a flag was renamed: tests catch it
		}
	}
}
