package main

import (
	"encoding/json"
	"strings"

	"github.com/tidwall/gjson"
)

// property follows ESO's AWS providers: a property with a "." is first tried as one literal
// key (dots escaped), then as a gjson path; the answer is gjson's String() of the result.
func property(doc []byte, path string) (bool, []byte) {
	payload := string(doc)
	if strings.Contains(path, ".") {
		literal := gjson.Get(payload, strings.ReplaceAll(path, ".", `\.`))
		if literal.Exists() {
			return true, []byte(literal.String())
		}
	}
	val := gjson.Get(payload, path)
	if !val.Exists() {
		return false, nil
	}
	return true, []byte(val.String())
}

// extract is ESO's GetSecretMap for AWS: the value (or what property selects) must be a JSON
// object; string members become their text, every other member its raw JSON bytes (and
// null, which unmarshals into a string without error, becomes "").
func extract(doc []byte, path string) (bool, map[string][]byte, string) {
	data := doc
	if path != "" {
		ok, selected := property(doc, path)
		if !ok {
			return false, nil, ""
		}
		data = selected
	}
	kv := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &kv); err != nil {
		return true, nil, "not a JSON object"
	}
	out := make(map[string][]byte, len(kv))
	for k, v := range kv {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = []byte(s)
		} else {
			out[k] = v
		}
	}
	return true, out, ""
}
