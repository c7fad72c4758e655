package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	luajson "layeh.com/gopher-json"
)

// How Argo CD v3.6 runs a health script (util/lua/lua.go: runLuaWithResourceActionParameters and
// ExecuteHealthLua), mirrored step by step: the same gopher-lua and gopher-json versions, the same
// libraries, the same `obj` global, the same one-second limit and the same reading of the result.

// healthStatus is gitops-engine's health.HealthStatus: what a script's table is decoded into.
type healthStatus struct {
	Status          string `json:"status,omitempty"`
	Message         string `json:"message,omitempty"`
	DeletionMessage string `json:"deletionMessage,omitempty"`
}

// The codes Argo CD accepts (isValidHealthStatusCode); any other becomes Unknown.
var validHealthCodes = map[string]bool{"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true, "Degraded": true, "Missing": true}

const invalidHealthStatus = "Lua returned an invalid health status"

// newArgoState opens what Argo CD opens. A script from argocd-cm runs with SkipOpenLibs unless
// resource.customizations.useOpenLibs.<group>_<kind> is true (built-in scripts always get them):
// then only package, base, table and a safe os (time, date) exist — no string, math or io.
func newArgoState(useOpenLibs bool) *lua.LState {
	l := lua.NewState(lua.Options{SkipOpenLibs: !useOpenLibs})
	for _, pair := range []struct {
		n string
		f lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.OsLibName, OpenSafeOs},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(pair.f), NRet: 0, Protect: true}, lua.LString(pair.n)); err != nil {
			panic(err)
		}
	}
	l.PreloadModule(lua.OsLibName, SafeOsLoader)
	return l
}

// argoHealth runs script on obj as Argo CD's ExecuteHealthLua does; nil means the script returned
// nil (Argo CD then has no health for the object).
func argoHealth(obj *unstructured.Unstructured, script string, useOpenLibs bool) (*healthStatus, error) {
	l := newArgoState(useOpenLibs)
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 1*time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("actionParams", l.CreateTable(0, 0))
	l.SetGlobal("obj", decodeValue(l, obj.Object))
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	return readHealth(l.Get(-1))
}

func readHealth(returned lua.LValue) (*healthStatus, error) {
	switch returned.Type() {
	case lua.LTNil:
		return nil, nil
	case lua.LTTable:
	default:
		return nil, fmt.Errorf("expect table output from Lua script, not %s", returned.Type().String())
	}
	jsonBytes, err := luajson.Encode(returned)
	if err != nil {
		return nil, err
	}
	hs := &healthStatus{}
	if err := json.Unmarshal(jsonBytes, hs); err != nil {
		// An empty table encodes as [], which Argo CD reads as an empty status.
		typeError := &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[*healthStatus]()}
		if errors.As(err, &typeError) {
			return &healthStatus{}, nil
		}
		return nil, err
	}
	if !validHealthCodes[hs.Status] {
		return &healthStatus{Status: "Unknown", Message: invalidHealthStatus}, nil
	}
	return hs, nil
}

// decodeValue is Argo CD's: how the object becomes the `obj` table (numbers are Lua numbers).
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch converted := value.(type) {
	case bool:
		return lua.LBool(converted)
	case float64:
		return lua.LNumber(converted)
	case string:
		return lua.LString(converted)
	case json.Number:
		return lua.LString(converted)
	case int:
		return lua.LNumber(converted)
	case int32:
		return lua.LNumber(converted)
	case int64:
		return lua.LNumber(converted)
	case []any:
		arr := l.CreateTable(len(converted), 0)
		for _, item := range converted {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(converted))
		for key, item := range converted {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// healthScriptFor reads <dir>/<group>/<Kind>/health.lua, the layout of Argo CD's
// resource_customizations; "" when the kind has none.
func healthScriptFor(dir string, obj *unstructured.Unstructured) (string, error) {
	gvk := obj.GroupVersionKind()
	key := gvk.Kind
	if gvk.Group != "" {
		key = filepath.Join(gvk.Group, gvk.Kind)
	}
	data, err := os.ReadFile(filepath.Join(dir, key, "health.lua"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return string(data), err
}
