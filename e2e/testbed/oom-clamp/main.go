// Command oom-clamp runs runc with the OCI process's oomScoreAdj raised to what this host
// allows. kubelet asks for negative scores (-998 for the pod sandbox, -997 for Guaranteed
// pods); lowering a score needs CAP_SYS_RESOURCE, which some sandboxed hosts (this test bed's
// VMs) do not grant even to root, and runc then fails every container with "can't get final
// child's PID from pipe". node.sh puts this wrapper between containerd and runc only on such
// hosts; everything else passes through unchanged.
//
//	oom-clamp RUNC-PATH runc-args...
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: oom-clamp RUNC-PATH runc-args...")
		os.Exit(2)
	}
	runc, args := os.Args[1], os.Args[2:]
	if path := processSpecPath(args); path != "" {
		if err := clamp(path, floor()); err != nil {
			fmt.Fprintf(os.Stderr, "oom-clamp: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
	argv := append([]string{runc}, args...)
	if err := syscall.Exec(runc, argv, os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "oom-clamp: exec %s: %v\n", runc, err)
		os.Exit(1)
	}
}

// processSpecPath finds the JSON that carries the process to start: the bundle's config.json
// for create/run, the --process file for exec.
func processSpecPath(args []string) string {
	command, bundle, process := "", ".", ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() string {
			if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(k, "--") {
				return v
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch {
		case a == "--bundle" || a == "-b" || strings.HasPrefix(a, "--bundle="):
			bundle = value()
		case a == "--process" || a == "-p" || strings.HasPrefix(a, "--process="):
			process = value()
		case a == "--root" || a == "--log" || a == "--log-format" || a == "--criu" || a == "--pid-file" || a == "--console-socket":
			value()
		case command == "" && !strings.HasPrefix(a, "-"):
			command = a
		}
	}
	switch command {
	case "create", "run":
		return filepath.Join(bundle, "config.json")
	case "exec":
		return process
	}
	return ""
}

// floor is this process's own oom_score_adj: without CAP_SYS_RESOURCE nothing lower is allowed.
func floor() int {
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return n
}

func clamp(path string, min int) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	// config.json nests the process; an exec --process file is the process itself.
	var proc map[string]json.RawMessage
	nested := doc["process"] != nil
	if nested {
		if err := json.Unmarshal(doc["process"], &proc); err != nil {
			return err
		}
	} else {
		proc = doc
	}
	raw, ok := proc["oomScoreAdj"]
	if !ok {
		return nil
	}
	var score int
	if err := json.Unmarshal(raw, &score); err != nil || score >= min {
		return err
	}
	proc["oomScoreAdj"] = json.RawMessage(strconv.Itoa(min))
	if nested {
		if doc["process"], err = json.Marshal(proc); err != nil {
			return err
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o600)
}
