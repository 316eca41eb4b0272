package main

import (
	"github.com/spf13/cobra"

	"github.com/ktrace-linux/ktrace/internal/cli"
)

// setupCLI gives cmd, about to run with args, --version, the completion
// command, and shell completion for flag values.
func setupCLI(cmd *cobra.Command, args []string) {
	cli.Setup(cmd, args)
	for flag, f := range map[string]cobra.CompletionFunc{
		"types":   cli.CompleteFacilities,
		"pid":     cobra.NoFileCompletions,
		"maxdata": cobra.NoFileCompletions,
	} {
		if err := cmd.RegisterFlagCompletionFunc(flag, f); err != nil {
			panic(err) // a flag was renamed: tests catch it
		}
	}
	if err := completeQuestionFlags(cmd); err != nil {
		panic(err) // a flag was renamed: tests catch it
	}
}
