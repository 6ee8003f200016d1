// Command hcl-check parses Terraform files with HashiCorp's own HCL parser (the one Terraform
// uses), so the unit tests can check deploy/events/terraform without a terraform binary (which
// no package registry ships). For each directory argument (a Terraform module) it prints one JSON
// object per line: the module's syntax errors, the files whose formatting is not canonical
// (`terraform fmt`), the blocks it declares and every reference its expressions make, e.g.
// "var.name", "local.event_patterns", "aws_sqs_queue.events", "data.aws_iam_policy_document.queue".
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

type module struct {
	Dir          string              `json:"dir"`
	Files        []string            `json:"files"`
	Errors       []string            `json:"errors"`
	NotCanonical []string            `json:"notCanonical"`
	Declared     map[string][]string `json:"declared"`
	References   []string            `json:"references"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: hcl-check MODULE_DIR...")
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	for _, dir := range os.Args[1:] {
		m, err := check(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := out.Encode(m); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func check(dir string) (*module, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	m := &module{Dir: dir, Files: []string{}, Errors: []string{}, NotCanonical: []string{}, Declared: map[string][]string{}}
	refs := map[string]bool{}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, filepath.Base(file))
		parsed, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos)
		if diags.HasErrors() {
			for _, d := range diags {
				m.Errors = append(m.Errors, d.Error())
			}
			continue
		}
		if !bytes.Equal(hclwrite.Format(src), src) {
			m.NotCanonical = append(m.NotCanonical, filepath.Base(file))
		}
		body := parsed.Body.(*hclsyntax.Body)
		for _, block := range body.Blocks {
			declare(m, block)
		}
		collect(body, "", refs)
	}
	for ref := range refs {
		m.References = append(m.References, ref)
	}
	sort.Strings(m.References)
	return m, nil
}

// declare records top-level blocks: variable/output/module by name, resource/data by type.name,
// and each attribute of a locals block.
func declare(m *module, block *hclsyntax.Block) {
	switch block.Type {
	case "locals":
		for name := range block.Body.Attributes {
			m.Declared["locals"] = append(m.Declared["locals"], name)
		}
	case "resource", "data":
		if len(block.Labels) == 2 {
			m.Declared[block.Type] = append(m.Declared[block.Type], block.Labels[0]+"."+block.Labels[1])
		}
	default:
		if len(block.Labels) == 1 {
			m.Declared[block.Type] = append(m.Declared[block.Type], block.Labels[0])
		}
	}
	for _, names := range m.Declared {
		sort.Strings(names)
	}
}

// collect adds the references of every expression in body (nested blocks included). A reference
// is the traversal's root plus the attribute names that identify the object: two parts
// (var.x, local.x, aws_type.name), three for data sources (data.aws_type.name).
func collect(body *hclsyntax.Body, blockType string, refs map[string]bool) {
	for _, attr := range body.Attributes {
		// A variable's type constraint (string, list(string)) is a type expression, not a reference.
		if blockType == "variable" && attr.Name == "type" {
			continue
		}
		for _, traversal := range hclsyntax.Variables(attr.Expr) {
			parts := []string{traversal.RootName()}
			for _, step := range traversal[1:] {
				if a, ok := step.(hcl.TraverseAttr); ok {
					parts = append(parts, a.Name)
				} else {
					break
				}
				if len(parts) == 2 && parts[0] != "data" || len(parts) == 3 {
					break
				}
			}
			refs[strings.Join(parts, ".")] = true
		}
	}
	for _, block := range body.Blocks {
		collect(block.Body, block.Type, refs)
	}
}
