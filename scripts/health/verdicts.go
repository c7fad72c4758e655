package main

import (
	"encoding/json"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// objectVerdicts is one output line: which object, and what each tool says of it.
type objectVerdicts struct {
	APIVersion string        `json:"apiVersion"`
	Kind       string        `json:"kind"`
	Namespace  string        `json:"namespace,omitempty"`
	Name       string        `json:"name"`
	KStatus    *Verdict      `json:"kstatus"`
	ArgoCD     *healthStatus `json:"argocd"`
	Error      string        `json:"error,omitempty"`
}

// printVerdicts writes one JSON line per object read. An object's own error (a script that fails)
// is reported on its line, so one bad object does not hide the verdicts of the others.
func printVerdicts(luaDir string, paths []string, w io.Writer) error {
	readers, closeAll, err := inputs(paths)
	if err != nil {
		return err
	}
	defer closeAll()
	enc := json.NewEncoder(w)
	for _, r := range readers {
		objs, err := readObjects(r)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if err := enc.Encode(verdictsOf(luaDir, obj)); err != nil {
				return err
			}
		}
	}
	return nil
}

func verdictsOf(luaDir string, obj *unstructured.Unstructured) objectVerdicts {
	out := objectVerdicts{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
	ks, err := kstatusVerdict(obj)
	if err != nil {
		out.Error = "kstatus: " + err.Error()
		return out
	}
	out.KStatus = &ks
	if luaDir == "" {
		return out
	}
	script, err := healthScriptFor(luaDir, obj)
	if err == nil && script != "" {
		// As from argocd-cm without useOpenLibs: the stricter of Argo CD's two ways.
		out.ArgoCD, err = argoHealth(obj, script, false)
	}
	if err != nil {
		out.Error = "argocd: " + err.Error()
	}
	return out
}
