package testutil

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ktrace-linux/ktrace/format"
)

// CheckVersion runs "bin --version" and fails tb unless it exits 0 and
// prints exactly one line "name version V (trace format N)", N being
// format.Version. It returns V.
func CheckVersion(tb testing.TB, bin, name string) string {
	tb.Helper()
	res := Run(tb, 0, exec.Command(bin, "--version"))
	if res.Err != nil {
		tb.Fatalf("%s --version: %s", name, res)
	}
	re := regexp.MustCompile(fmt.Sprintf(`^%s version (\S+) \(trace format %d\)\n$`, regexp.QuoteMeta(name), format.Version))
	m := re.FindSubmatch(res.Stdout)
	if m == nil {
		tb.Fatalf("%s --version printed %q, want a match for %v", name, res.Stdout, re)
	}
	if len(res.Stderr) > 0 {
		tb.Errorf("%s --version wrote to stderr: %q", name, res.Stderr)
	}
	return string(m[1])
}

// completionChecks says, per shell, what a script for the program name
// must hold and how the shell checks its syntax.
var completionChecks = []struct {
	shell, mark string
	check       []string // the shell's syntax check, the file appended
}{
	{"bash", "complete -o default -F __start_%s %[1]s", []string{"bash", "-n"}},
	{"zsh", "#compdef %s", []string{"zsh", "-n"}},
	{"fish", "complete -c %s ", []string{"fish", "--no-execute"}},
}

// CheckCompletionScripts runs "bin completion SHELL" for bash, zsh and
// fish, checks that each script is for name, and has the shell check its
// syntax; a shell that is not installed is skipped (bash must be). It
// returns the directory holding the scripts, as name.bash, name.zsh and
// name.fish.
func CheckCompletionScripts(t *testing.T, bin, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, c := range completionChecks {
		t.Run(c.shell, func(t *testing.T) {
			res := Run(t, 0, exec.Command(bin, "completion", c.shell))
			if res.Err != nil {
				t.Fatalf("%s completion %s: %s", name, c.shell, res)
			}
			if mark := fmt.Sprintf(c.mark, name); !bytes.Contains(res.Stdout, []byte(mark)) {
				t.Fatalf("%s completion %s: no %q in the script:\n%s", name, c.shell, mark, Clip(res.Stdout, 1000))
			}
			file := filepath.Join(dir, name+"."+c.shell)
			if err := os.WriteFile(file, res.Stdout, 0o644); err != nil {
				t.Fatal(err)
			}
			sh, err := exec.LookPath(c.check[0])
			if err != nil {
				if c.shell == "bash" {
					t.Fatalf("no bash to check the script with: %v", err)
				}
				t.Skipf("%s is not installed: script not checked", c.shell)
			}
			chk := Run(t, 0, exec.Command(sh, append(c.check[1:], file)...))
			if chk.Err != nil || len(chk.Stderr) > 0 {
				t.Errorf("%s %s rejects the script of %s completion %s: %s", sh, strings.Join(c.check[1:], " "), name, c.shell, chk)
			}
		})
	}
	return dir
}

// BashComplete loads the bash completion script into bash and returns
// what it completes on the command line "bin args...", the last argument
// being the word completed ("" for a new word).
func BashComplete(tb testing.TB, script, bin string, args ...string) []string {
	tb.Helper()
	// Cobra's script needs bash-completion's _get_comp_words_by_ref: the
	// real one where installed, else a stand-in enough for plain words.
	const prog = `if [ -r /usr/share/bash-completion/bash_completion ]; then
	source /usr/share/bash-completion/bash_completion
else
	_get_comp_words_by_ref() {
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	}
fi
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
fn=$(complete -p "$(basename "$1")" | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
"$fn" 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"`
	res := Run(tb, 0, exec.Command("bash", append([]string{"-c", prog, "bash", script, bin}, args...)...))
	if res.Err != nil {
		tb.Fatalf("bash completion of %q: %s", args, res)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(res.Stdout)), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
