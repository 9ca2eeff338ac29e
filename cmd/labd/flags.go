package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// newFlagSet makes a flag set whose -h output a newcomer can read.
func newFlagSet(name, argsUsage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: labd %s [flags] %s\n\n%s\n\nFlags (each also from the environment, e.g. --%s → %s):\n",
			name, argsUsage, summary, "data-dir", envName("data-dir"))
		fs.PrintDefaults()
	}
	return fs
}

// envName maps a flag name to its environment fallback: data-dir → LABD_DATA_DIR.
func envName(flagName string) string {
	return "LABD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then fills every flag not given on the command line from
// its LABD_* environment variable, so the command line always wins.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", envName(f.Name), v, e)
			}
		}
	})
	return err
}
