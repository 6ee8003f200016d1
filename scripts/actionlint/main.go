// actionlint checks the GitHub Actions workflows in .github/workflows (syntax, expressions,
// job needs, action inputs, shell in run: steps where shellcheck exists) with rhysd/actionlint
// from the Go module pinned in go.mod, so a broken release workflow fails the tests here
// instead of on the first tag. Same flags and exit codes as the upstream command:
//
//	actionlint [-format TEMPLATE] [FILE...]   (no file: every workflow of the repository)
package main

import (
	"os"

	"github.com/rhysd/actionlint"
)

func main() {
	cmd := actionlint.Command{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	os.Exit(cmd.Main(os.Args))
}
