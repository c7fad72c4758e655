package main

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// Verdict is a status and its message, as one tool reports it.
type Verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// kstatusVerdict is status.Compute, unchanged: Current, InProgress, Failed, Terminating, …
func kstatusVerdict(obj *unstructured.Unstructured) (Verdict, error) {
	res, err := status.Compute(obj)
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Status: res.Status.String(), Message: res.Message}, nil
}
