// Command health prints, for each Kubernetes object it reads, the verdict of kstatus
// (sigs.k8s.io/cli-utils/pkg/kstatus, what Flux, kpt and `kubectl wait`-style tools use) and the
// verdict of the Argo CD health check shipped for its kind (deploy/argocd/), run the way Argo CD
// runs a custom health script. Tessera's tests feed it objects whose status the operator's own
// builders made, so "Tessera follows kstatus" and "the Argo CD checks say Degraded when a run
// failed" are checked by those tools' code, not by a re-implementation.
//
//	health --lua DIR [FILE...]       objects as JSON (one per line, a List, or a stream) from FILEs or stdin
//	health --argocd-tests DIR        run every health_test.yaml under DIR as Argo CD's own test does
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	luaDir := flag.String("lua", "", "resource_customizations directory: <group>/<Kind>/health.lua")
	testsDir := flag.String("argocd-tests", "", "run the health_test.yaml cases under this directory and exit")
	flag.Parse()
	var err error
	switch {
	case *testsDir != "":
		err = runArgoTests(*testsDir, os.Stdout)
	default:
		err = printVerdicts(*luaDir, flag.Args(), os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "health:", err)
		os.Exit(1)
	}
}

// inputs opens the named files, or stdin when there are none.
func inputs(paths []string) ([]io.Reader, func(), error) {
	if len(paths) == 0 {
		return []io.Reader{os.Stdin}, func() {}, nil
	}
	var readers []io.Reader
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		readers = append(readers, f)
	}
	return readers, closeAll, nil
}
