// Command gotemplate is Rotor's ESO-compatible template engine: Go's text/template with sprig
// and External Secrets Operator's extra functions, plus gjson for `property`, compiled to
// WebAssembly (GOOS=wasip1, -buildmode=c-shared) and called from Node
// (operator/src/sync/gotemplate/). It runs with no file system, environment or network: the
// host gives it only a clock, random bytes and a discarded stderr.
//
// Protocol: the host writes a JSON request into memory from alloc(n) and calls call(ptr, n);
// the answer is JSON, returned as (ptr << 32 | len) and valid until the next call.
package main

import (
	"encoding/json"
	"unsafe"
)

func main() {}

var (
	inbox  []byte
	outbox []byte
)

//go:wasmexport alloc
func alloc(size int32) unsafe.Pointer {
	inbox = make([]byte, size)
	if size == 0 {
		return nil
	}
	return unsafe.Pointer(&inbox[0])
}

//go:wasmexport call
func call(ptr unsafe.Pointer, size int32) int64 {
	_ = ptr // the request is in inbox, which alloc handed out
	outbox = handle(inbox[:size])
	inbox = nil
	if len(outbox) == 0 {
		return 0
	}
	return int64(uintptr(unsafe.Pointer(&outbox[0])))<<32 | int64(len(outbox))
}

type request struct {
	Op string `json:"op"`
	// render / parse
	Templates []templateIn `json:"templates"`
	// Values in scope, base64 (Secret values are bytes, JSON strings are not).
	Data map[string][]byte `json:"data"`
	// Largest rendered output of one template, in bytes.
	MaxOutput int `json:"maxOutput"`
	// gjson
	JSON []byte `json:"json"`
	Path string `json:"path"`
	// transform: Templates[0] executed once per value, with the value as .value
	Values []string `json:"values"`
}

type templateIn struct {
	Text string `json:"text"`
	// Values (the output is the value) or KeysAndValues (the output is a YAML map).
	Scope string `json:"scope"`
	// missingkey=error as ESO's templates; rewrite.transform leaves it off, as ESO does.
	Strict bool `json:"strict"`
}

type templateOut struct {
	Out   []byte            `json:"out,omitempty"`
	Pairs map[string]string `json:"pairs,omitempty"`
	Error string            `json:"error,omitempty"`
}

type response struct {
	Results []templateOut     `json:"results,omitempty"`
	Exists  bool              `json:"exists,omitempty"`
	Value   []byte            `json:"value,omitempty"`
	Map     map[string][]byte `json:"map,omitempty"`
	Error   string            `json:"error,omitempty"`
}

func handle(raw []byte) []byte {
	var req request
	var res response
	if err := json.Unmarshal(raw, &req); err != nil {
		res.Error = "bad request: " + err.Error()
	} else {
		switch req.Op {
		case "render":
			res.Results = renderAll(req)
		case "parse":
			res.Results = parseAll(req)
		case "transform":
			res.Results = transformAll(req)
		case "gjson":
			res.Exists, res.Value = property(req.JSON, req.Path)
		case "extract":
			res.Exists, res.Map, res.Error = extract(req.JSON, req.Path)
		default:
			res.Error = "unknown op " + req.Op
		}
	}
	out, err := json.Marshal(res)
	if err != nil {
		out = []byte(`{"error":"cannot encode the answer"}`)
	}
	return out
}
