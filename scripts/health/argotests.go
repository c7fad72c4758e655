package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Argo CD's own test of its built-in checks (util/lua/health_test.go, TestLuaHealthScript): every
// directory with a health.lua has a health_test.yaml whose cases name an input under testdata/ and
// the exact health expected. Each case runs twice here: with the standard libraries (how Argo CD
// runs a built-in script, and its test) and without them (argocd-cm's default).

type healthTests struct {
	Tests []struct {
		InputPath    string       `json:"inputPath"`
		HealthStatus healthStatus `json:"healthStatus"`
	} `json:"tests"`
}

func runArgoTests(dir string, w io.Writer) error {
	var failed, passed int
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "health.lua" {
			return err
		}
		p, f, err := runKindTests(filepath.Dir(path), dir, w)
		passed, failed = passed+p, failed+f
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		return fmt.Errorf("%d of %d Argo CD health cases failed", failed, passed+failed)
	}
	return nil
}

func runKindTests(kindDir, root string, w io.Writer) (passed, failed int, err error) {
	script, err := os.ReadFile(filepath.Join(kindDir, "health.lua"))
	if err != nil {
		return 0, 0, err
	}
	var tests healthTests
	if err := readYAML(filepath.Join(kindDir, "health_test.yaml"), &tests); err != nil {
		return 0, 0, err
	}
	rel, _ := filepath.Rel(root, kindDir)
	for _, tc := range tests.Tests {
		obj := &unstructured.Unstructured{}
		if err := readYAML(filepath.Join(kindDir, tc.InputPath), &obj.Object); err != nil {
			return passed, failed, err
		}
		for _, openLibs := range []bool{true, false} {
			got, runErr := argoHealth(obj, string(script), openLibs)
			if runErr == nil && got != nil && *got == tc.HealthStatus {
				passed++
				continue
			}
			failed++
			fmt.Fprintf(w, "FAIL %s/%s (useOpenLibs=%t): want %+v, got %+v %v\n", rel, tc.InputPath, openLibs, tc.HealthStatus, got, runErr)
		}
	}
	return passed, failed, nil
}

func readYAML(path string, into any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
