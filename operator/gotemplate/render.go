package main

import (
	"bytes"
	"errors"
	"fmt"
	"text/template"

	"sigs.k8s.io/yaml"
)

var errTooLarge = errors.New("the output is larger than the limit")

// limitedBuffer stops a template as soon as its output passes the limit, so a runaway range
// cannot fill memory before the host's deadline.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

func newTemplate(t templateIn) (*template.Template, error) {
	tpl := template.New("t").Funcs(funcMap)
	if t.Strict {
		tpl = tpl.Option("missingkey=error")
	}
	return tpl.Parse(t.Text)
}

func parseAll(req request) []templateOut {
	out := make([]templateOut, len(req.Templates))
	for i, t := range req.Templates {
		if _, err := newTemplate(t); err != nil {
			out[i].Error = err.Error()
		}
	}
	return out
}

func renderAll(req request) []templateOut {
	// ESO executes templates over map[string]string of the fetched values.
	scope := make(map[string]string, len(req.Data))
	for k, v := range req.Data {
		scope[k] = string(v)
	}
	max := req.MaxOutput
	if max <= 0 {
		max = 1 << 20
	}
	out := make([]templateOut, len(req.Templates))
	for i, t := range req.Templates {
		out[i] = renderOne(t, scope, max)
	}
	return out
}

func renderOne(t templateIn, scope map[string]string, max int) (res templateOut) {
	defer func() {
		// A function that panics (sprig has a few) fails this template, not the module.
		if r := recover(); r != nil {
			res = templateOut{Error: fmt.Sprintf("template panicked: %v", r)}
		}
	}()
	tpl, err := newTemplate(t)
	if err != nil {
		return templateOut{Error: err.Error()}
	}
	buf := &limitedBuffer{max: max}
	if err := tpl.Execute(buf, scope); err != nil {
		if errors.Is(err, errTooLarge) {
			return templateOut{Error: errTooLarge.Error()}
		}
		return templateOut{Error: err.Error()}
	}
	if t.Scope == "KeysAndValues" {
		// As ESO: the output is a YAML map of key to string value.
		pairs := map[string]string{}
		if err := yaml.Unmarshal(buf.Bytes(), &pairs); err != nil {
			return templateOut{Error: "the rendered text is not a YAML map of strings: " + err.Error()}
		}
		return templateOut{Pairs: pairs}
	}
	return templateOut{Out: append([]byte{}, buf.Bytes()...)}
}

// transformAll is ESO's rewrite.transform: the template runs once per key name, with the
// name as .value, and without missingkey=error (as ESO's transform).
func transformAll(req request) []templateOut {
	out := make([]templateOut, len(req.Values))
	if len(req.Templates) != 1 {
		for i := range out {
			out[i].Error = "transform needs exactly one template"
		}
		return out
	}
	t := req.Templates[0]
	t.Strict = false
	t.Scope = "Values"
	max := req.MaxOutput
	if max <= 0 {
		max = 1 << 20
	}
	for i, v := range req.Values {
		out[i] = renderOne(t, map[string]string{"value": v}, max)
	}
	return out
}
