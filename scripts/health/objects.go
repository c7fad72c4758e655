package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// readObjects decodes a stream of JSON values: objects one per line (or pretty-printed one after
// another), and Lists (`kubectl get -o json`), whose items are returned in their place.
func readObjects(r io.Reader) ([]*unstructured.Unstructured, error) {
	dec := json.NewDecoder(r)
	// Numbers as json.Number, then converted the way the API machinery does, so generation and
	// observedGeneration are int64 as they are in Argo CD's and kstatus' own reads.
	dec.UseNumber()
	var out []*unstructured.Unstructured
	for {
		var raw map[string]any
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading objects: %w", err)
		}
		objs, err := expand(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

func expand(raw map[string]any) ([]*unstructured.Unstructured, error) {
	normalized, ok := normalizeNumbers(raw).(map[string]any)
	if !ok {
		return nil, errors.New("an object is not a JSON object")
	}
	kind, _ := normalized["kind"].(string)
	items, isList := normalized["items"].([]any)
	if !isList || !strings.HasSuffix(kind, "List") {
		return []*unstructured.Unstructured{{Object: normalized}}, nil
	}
	out := make([]*unstructured.Unstructured, 0, len(items))
	for i, item := range items {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s item %d is not an object", kind, i)
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
	return out, nil
}

// normalizeNumbers turns json.Number into int64 where it is whole, else float64, as
// unstructured's JSON decoding does.
func normalizeNumbers(v any) any {
	switch value := v.(type) {
	case map[string]any:
		for k, item := range value {
			value[k] = normalizeNumbers(item)
		}
		return value
	case []any:
		for i, item := range value {
			value[i] = normalizeNumbers(item)
		}
		return value
	case json.Number:
		if i, err := value.Int64(); err == nil {
			return i
		}
		f, _ := value.Float64()
		return f
	}
	return v
}
