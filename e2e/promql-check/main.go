// promql-check evaluates PromQL expressions (Grafana panel queries, alert rules) against
// metrics scraped from a running Rotor, with Prometheus's own query engine and TSDB, so a
// query that names a metric or label Rotor does not export fails a test instead of showing
// an empty panel in production.
//
//	promql-check -queries queries.json scrape1.prom@1700000000000 scrape2.prom@1700000015000 ...
//
// Each scrape file (Prometheus text format) is ingested at its Unix-millisecond timestamp;
// queries are evaluated at the last one. queries.json is [{"id", "expr", "mode"}] where mode
// "data" requires the whole expression to return at least one series and "selectors"
// (alerts, which are empty while all is well) requires every series selector in it to
// match. One JSON result per line on stdout; exit 1 when any query fails.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/util/teststorage"
)

type query struct {
	ID   string `json:"id"`
	Expr string `json:"expr"`
	Mode string `json:"mode"`
}

type result struct {
	ID             string   `json:"id"`
	OK             bool     `json:"ok"`
	Series         int      `json:"series"`
	Error          string   `json:"error,omitempty"`
	EmptySelectors []string `json:"emptySelectors,omitempty"`
	// Selectors of metrics that are exported (a # TYPE line) but have no series yet, e.g. a
	// failure counter in a healthy run: accepted in "selectors" mode.
	DeclaredOnly []string `json:"declaredOnly,omitempty"`
	// Up to 200 result series with their value at the evaluation time (for rendering and tests).
	Values []sample `json:"values,omitempty"`
}

type sample struct {
	Metric map[string]string `json:"metric"`
	// nil when the value is NaN or infinite (e.g. a quantile over no observations): JSON has no such numbers.
	Value *float64 `json:"value"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// declared holds the metric family names seen in # TYPE lines.
var declared = map[string]bool{}

func main() {
	queriesPath := flag.String("queries", "", "JSON file with [{id, expr, mode}]")
	flag.Parse()
	if *queriesPath == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: promql-check -queries FILE scrape.prom@unixms...")
		os.Exit(2)
	}
	if err := run(*queriesPath, flag.Args(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "promql-check:", err)
		os.Exit(1)
	}
}

func run(queriesPath string, scrapes []string, out io.Writer) error {
	raw, err := os.ReadFile(queriesPath)
	if err != nil {
		return err
	}
	var queries []query
	if err := json.Unmarshal(raw, &queries); err != nil {
		return fmt.Errorf("%s: %w", queriesPath, err)
	}
	db, err := teststorage.NewWithError()
	if err != nil {
		return err
	}
	defer db.Close()
	var last int64
	for _, arg := range scrapes {
		at := strings.LastIndex(arg, "@")
		if at < 0 {
			return fmt.Errorf("%s: want FILE@unixms", arg)
		}
		ts, err := strconv.ParseInt(arg[at+1:], 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %w", arg, err)
		}
		if err := ingest(db, arg[:at], ts); err != nil {
			return fmt.Errorf("%s: %w", arg[:at], err)
		}
		last = max(last, ts)
	}
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 10_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	p := parser.NewParser(parser.Options{})
	failed := 0
	enc := json.NewEncoder(out)
	for _, q := range queries {
		r := check(engine, p, db, q, time.UnixMilli(last))
		if !r.OK {
			failed++
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d queries failed", failed, len(queries))
	}
	return nil
}

// ingest appends every sample of one scrape (classic histograms as _bucket/_sum/_count series).
func ingest(db storage.Appendable, path string, ts int64) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	p := textparse.NewPromParser(body, labels.NewSymbolTable(), false)
	app := db.Appender(context.Background())
	for {
		entry, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if entry == textparse.EntryType {
			name, _ := p.Type()
			declared[string(name)] = true
			continue
		}
		if entry != textparse.EntrySeries {
			continue
		}
		_, _, value := p.Series()
		var lset labels.Labels
		p.Labels(&lset)
		if _, err := app.Append(0, lset, ts, value); err != nil {
			return fmt.Errorf("%s: %w", lset, err)
		}
	}
	return app.Commit()
}

func check(engine *promql.Engine, p parser.Parser, db storage.Queryable, q query, at time.Time) result {
	r := result{ID: q.ID}
	values, err := eval(engine, db, q.Expr, at)
	r.Series = len(values)
	if len(values) > 200 {
		values = values[:200]
	}
	r.Values = values
	if err != nil {
		r.Error = err.Error()
		return r
	}
	switch q.Mode {
	case "data":
		r.OK = r.Series > 0
		if !r.OK {
			r.Error = "the query returned no data"
		}
	case "selectors":
		expr, err := p.ParseExpr(q.Expr)
		if err != nil {
			r.Error = err.Error()
			return r
		}
		var problems []string
		parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
			vs, ok := node.(*parser.VectorSelector)
			if !ok {
				return nil
			}
			plain := (&parser.VectorSelector{Name: vs.Name, LabelMatchers: vs.LabelMatchers}).String()
			if got, err := eval(engine, db, plain, at); err == nil && len(got) > 0 {
				return nil
			}
			if problem := declaredOnly(engine, db, vs, at); problem != "" {
				r.EmptySelectors = append(r.EmptySelectors, plain)
				problems = append(problems, plain+": "+problem)
			} else {
				r.DeclaredOnly = append(r.DeclaredOnly, plain)
			}
			return nil
		})
		r.OK = len(problems) == 0
		if !r.OK {
			r.Error = "selectors without data: " + strings.Join(problems, "; ")
		}
	default:
		r.Error = fmt.Sprintf("mode must be data or selectors, got %q", q.Mode)
	}
	return r
}

// declaredOnly explains why an empty selector is wrong, or returns "" when its metric is
// exported and every label it filters on is one that metric carries (just no matching value now).
func declaredOnly(engine *promql.Engine, db storage.Queryable, vs *parser.VectorSelector, at time.Time) string {
	family := vs.Name
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		family = strings.TrimSuffix(family, suffix)
	}
	if !declared[vs.Name] && !declared[family] {
		return "metric not exported"
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == labels.MetricName {
			continue
		}
		got, err := eval(engine, db, fmt.Sprintf(`{__name__=%q, %s!=""}`, vs.Name, m.Name), at)
		if err != nil {
			return err.Error()
		}
		if len(got) == 0 {
			all, _ := eval(engine, db, fmt.Sprintf(`{__name__=%q}`, vs.Name), at)
			if len(all) > 0 {
				return fmt.Sprintf("label %q is never set on it", m.Name)
			}
		}
	}
	return ""
}

// eval runs an instant query and returns its series (a scalar as one unlabelled sample).
func eval(engine *promql.Engine, db storage.Queryable, expr string, at time.Time) ([]sample, error) {
	qry, err := engine.NewInstantQuery(context.Background(), db, nil, expr, at)
	if err != nil {
		return nil, err
	}
	defer qry.Close()
	res := qry.Exec(context.Background())
	if res.Err != nil {
		return nil, res.Err
	}
	switch v := res.Value.(type) {
	case promql.Vector:
		out := make([]sample, 0, len(v))
		for _, s := range v {
			out = append(out, sample{Metric: s.Metric.Map(), Value: finite(s.F)})
		}
		return out, nil
	case promql.Scalar:
		return []sample{{Metric: map[string]string{}, Value: finite(v.V)}}, nil
	default:
		return nil, fmt.Errorf("unexpected result type %T", v)
	}
}
