package main

import (
	"bytes"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// writeHTML writes one self-contained HTML5 page (inline CSS and SVG, no
// script, nothing fetched) reporting results: a header with title and
// machine, a table with a row per workload, then for each result a
// latency-percentile plot (if it has Percentiles) and a throughput-over-time
// chart (if it has a Timeline).
//
// All text goes through html/template; the SVG coordinates and path data
// are numbers formatted here, never NaN or Inf. Values that cannot be
// plotted (NaN, ±Inf, beyond ±1e15) are left out of the charts and shown as
// "–" in the table. The page is also well-formed XML (every element closed),
// which the tests rely on.
func writeHTML(w io.Writer, title string, machine string, results []workloadResult) error {
	title = reportText(title)
	if strings.TrimSpace(title) == "" {
		title = "xmppbench report"
	}
	page := reportPage{Title: title, Machine: reportText(machine)}
	for i := range results {
		r := &results[i]
		page.Rows = append(page.Rows, reportRowOf(r))
		if len(r.Percentiles) > 0 {
			page.Charts = append(page.Charts, reportPercentileChart(r))
		}
		if len(r.Timeline) > 0 {
			page.Charts = append(page.Charts, reportTimelineChart(r))
		}
	}
	var buf bytes.Buffer
	if err := reportTemplate.Execute(&buf, page); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

type reportPage struct {
	Title   string
	Machine string
	Rows    []reportRow
	Charts  []reportChart
}

// reportRow is a table row; Cells follow the template's column order.
type reportRow struct {
	Workload string
	Note     string // the offered rate of an open-loop run
	Cells    []reportCell
}

type reportCell struct {
	Text string
	Bad  bool // errors > 0
}

// reportMissing is shown for a value not measured or not a number.
const reportMissing = "–"

func reportRowOf(r *workloadResult) reportRow {
	row := reportRow{Workload: reportText(r.Workload)}
	if reportPlottable(r.Rate) && r.Rate > 0 {
		row.Note = "offered " + reportNum(r.Rate) + "/s"
	}
	num := func(v float64) reportCell { return reportCell{Text: reportNum(v)} }
	// Zero per-connection memory means "not measured" (only idle runs
	// measure it).
	perConn := func(v float64) reportCell {
		if v == 0 {
			return reportCell{Text: reportMissing}
		}
		return num(v)
	}
	row.Cells = []reportCell{
		{Text: strconv.Itoa(r.Connections)},
		{Text: strconv.FormatInt(r.Stanzas, 10)},
		num(r.Seconds),
		num(r.StanzasPerS),
	}
	if l := r.Latency; l != nil {
		row.Cells = append(row.Cells, num(l.P50), num(l.P99), num(l.P999), num(l.Max))
	} else {
		m := reportCell{Text: reportMissing}
		row.Cells = append(row.Cells, m, m, m, m)
	}
	row.Cells = append(row.Cells,
		num(r.AllocsPerStanza),
		num(r.BytesPerStanza),
		num(r.CPUSPer100k),
		num(r.RSSMiB),
		perConn(r.MemPerConnKiB),
		perConn(r.HeapPerConnKiB),
		reportCell{Text: strconv.FormatInt(r.Errors, 10), Bad: r.Errors != 0},
	)
	return row
}

// reportNum formats a table value: whole numbers from 1000 up, at most one
// decimal from 10, three significant digits below.
func reportNum(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return reportMissing
	case a == 0:
		return "0"
	case a >= 1e15:
		return strings.Replace(strconv.FormatFloat(v, 'e', 3, 64), "e+", "e", 1)
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// reportText makes s safe to put in the page as text: valid UTF-8 without
// the control characters HTML and XML refuse. (Escaping is the template's.)
func reportText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}

// Chart geometry, in SVG user units.
const (
	reportW      = 720
	reportH      = 360
	reportLeft   = 76 // room for the y tick labels and the y axis label
	reportRight  = 24
	reportTop    = 16
	reportBottom = 56 // room for the x tick labels and the x axis label
)

// reportChart is one SVG chart; every number is already formatted.
type reportChart struct {
	Heading, Caption string
	XLabel, YLabel   string
	XTicks, YTicks   []reportTick
	Path             string // "M x y L x y ..."; empty without points
	Points           []reportPoint
	Empty            bool // no plottable point

	// Geometry for the template.
	W, H, L, T, PW, PH, Right, Bottom int
	XTickY, YTickX, XLabelY, YLabelX  int
	MidX, MidY                        int
}

type reportTick struct{ Pos, Label string }

type reportPoint struct{ X, Y string }

func reportNewChart() reportChart {
	c := reportChart{
		W: reportW, H: reportH,
		L: reportLeft, T: reportTop,
		Right: reportW - reportRight, Bottom: reportH - reportBottom,
	}
	c.PW = c.Right - c.L
	c.PH = c.Bottom - c.T
	c.XTickY = c.Bottom + 18
	c.XLabelY = reportH - 12
	c.YTickX = c.L - 6
	c.YLabelX = 18
	c.MidX = c.L + c.PW/2
	c.MidY = c.T + c.PH/2
	return c
}

// reportScale maps data values to pixels; out-of-range values are clamped
// to the plot's edge.
type reportScale struct {
	lo, hi float64 // data range (both > 0 when log)
	log    bool
	p0, p1 float64 // pixels of lo and hi
}

func (s reportScale) px(v float64) float64 {
	var f float64
	if s.log {
		if v > 0 {
			f = (math.Log10(v) - math.Log10(s.lo)) / (math.Log10(s.hi) - math.Log10(s.lo))
		}
	} else {
		f = (v - s.lo) / (s.hi - s.lo)
	}
	if math.IsNaN(f) {
		f = 0
	}
	f = math.Max(0, math.Min(1, f))
	return s.p0 + f*(s.p1-s.p0)
}

// reportMaxAbs bounds the values plotted: beyond it (or NaN, Inf) a point
// is left out.
const reportMaxAbs = 1e15

func reportPlottable(v float64) bool {
	return !math.IsNaN(v) && math.Abs(v) <= reportMaxAbs
}

// reportCoord formats a pixel coordinate; never NaN or Inf.
func reportCoord(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	v = math.Max(-1e6, math.Min(1e6, v))
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// reportNines is the x of a percentile on the "nines" scale,
// -log10(1 - p/100): 90% is 1, 99% is 2, 99.9% is 3. 100% is +Inf.
func reportNines(p float64) float64 {
	switch {
	case p <= 0:
		return 0
	case p >= 100:
		return math.Inf(1)
	}
	return 2 - math.Log10(100-p)
}

// reportNinesLabel labels the tick at k nines: 0%, 90%, 99%, 99.9%...
func reportNinesLabel(k int) string {
	switch k {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", k-2) + "%"
}

// reportNinesMin and reportNinesMax bound the percentile axis: it always
// shows 99.99%, and at most 99.99999%; points beyond (100% itself) sit on
// the right edge.
const (
	reportNinesMin = 4
	reportNinesMax = 7
)

type reportXY struct{ x, y float64 }

func reportPercentileChart(r *workloadResult) reportChart {
	c := reportNewChart()
	c.Heading = "Latency percentiles: " + reportText(r.Workload)
	c.Caption = reportCaption(r)
	c.XLabel = "percentile (nines scale)"

	var pts []reportXY
	maxNines := 0.0
	for _, p := range r.Percentiles {
		if math.IsNaN(p.Percentile) || !reportPlottable(p.Micros) {
			continue
		}
		n := reportNines(p.Percentile)
		if !math.IsInf(n, 0) && n > maxNines {
			maxNines = n
		}
		pts = append(pts, reportXY{n, math.Max(0, p.Micros)})
	}
	xMax := math.Ceil(maxNines - 1e-9) // 99.9 is 2.9999999999999996
	xMax = math.Max(reportNinesMin, math.Min(reportNinesMax, xMax))
	for i := range pts {
		if pts[i].x > xMax {
			pts[i].x = xMax
			c.XLabel = "percentile (nines scale; points beyond the last tick, such as the max, on the right edge)"
		}
	}
	sx := reportScale{lo: 0, hi: xMax, p0: float64(c.L), p1: float64(c.Right)}
	for k := 0; k <= int(xMax); k++ {
		c.XTicks = append(c.XTicks, reportTick{reportCoord(sx.px(float64(k))), reportNinesLabel(k)})
	}

	var ys []float64
	for _, p := range pts {
		ys = append(ys, p.y)
	}
	sy, yticks, logY := reportYScale(ys, &c)
	c.YTicks = yticks
	c.YLabel = "latency (µs)"
	if logY {
		c.YLabel = "latency (µs, log scale)"
	}
	reportPlot(&c, pts, sx, sy)
	return c
}

func reportTimelineChart(r *workloadResult) reportChart {
	c := reportNewChart()
	c.Heading = "Throughput over time: " + reportText(r.Workload)
	c.Caption = reportCaption(r)
	c.XLabel = "time (s)"
	c.YLabel = "stanzas/s"

	var pts []reportXY
	for _, p := range r.Timeline {
		if !reportPlottable(p.Seconds) || !reportPlottable(p.StanzasPerS) {
			continue
		}
		pts = append(pts, reportXY{p.Seconds, math.Max(0, p.StanzasPerS)})
	}
	lo, hi := 0.0, 0.0
	for _, p := range pts {
		lo = math.Min(lo, p.x)
		hi = math.Max(hi, p.x)
	}
	xlo, xhi, xt := reportLinearTicks(lo, hi)
	sx := reportScale{lo: xlo, hi: xhi, p0: float64(c.L), p1: float64(c.Right)}
	for _, v := range xt {
		c.XTicks = append(c.XTicks, reportTick{reportCoord(sx.px(v)), reportTickLabel(v)})
	}
	var ys []float64
	for _, p := range pts {
		ys = append(ys, p.y)
	}
	sy, yticks, _ := reportLinearY(ys, &c)
	c.YTicks = yticks
	reportPlot(&c, pts, sx, sy)
	return c
}

func reportCaption(r *workloadResult) string {
	conns := " connections, "
	if r.Connections == 1 {
		conns = " connection, "
	}
	s := strconv.Itoa(r.Connections) + conns +
		strconv.FormatInt(r.Stanzas, 10) + " stanzas in " + reportNum(r.Seconds) + " s, " +
		reportNum(r.StanzasPerS) + " stanzas/s"
	if reportPlottable(r.Rate) && r.Rate > 0 {
		s += " (offered " + reportNum(r.Rate) + "/s)"
	}
	return s
}

// reportYScale picks a y scale for values ≥ 0: linear from 0, or log when
// the positive values span more than 100×.
func reportYScale(ys []float64, c *reportChart) (reportScale, []reportTick, bool) {
	const minPos = 1e-6 // smaller positive values count as 0 here
	lo, hi := math.Inf(1), 0.0
	for _, y := range ys {
		if y >= minPos {
			lo = math.Min(lo, y)
		}
		hi = math.Max(hi, y)
	}
	if math.IsInf(lo, 0) || hi/lo <= 100 {
		return reportLinearY(ys, c)
	}
	e0, e1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if e1 <= e0 {
		e1 = e0 + 1
	}
	stride := math.Max(1, math.Ceil((e1-e0)/10))
	e1 = e0 + math.Ceil((e1-e0)/stride)*stride
	s := reportScale{lo: math.Pow(10, e0), hi: math.Pow(10, e1), log: true,
		p0: float64(c.Bottom), p1: float64(c.T)}
	var ticks []reportTick
	for e := e0; e <= e1; e += stride {
		v := math.Pow(10, e)
		ticks = append(ticks, reportTick{reportCoord(s.px(v)), reportTickLabel(v)})
	}
	return s, ticks, true
}

// reportLinearY is a linear y scale from 0 to a round number above the
// largest value.
func reportLinearY(ys []float64, c *reportChart) (reportScale, []reportTick, bool) {
	hi := 0.0
	for _, y := range ys {
		hi = math.Max(hi, y)
	}
	lo, hi, vs := reportLinearTicks(0, hi)
	s := reportScale{lo: lo, hi: hi, p0: float64(c.Bottom), p1: float64(c.T)}
	var ticks []reportTick
	for _, v := range vs {
		ticks = append(ticks, reportTick{reportCoord(s.px(v)), reportTickLabel(v)})
	}
	return s, ticks, false
}

// reportLinearTicks widens [lo, hi] to multiples of a round step (1, 2 or
// 5 × 10^k, about 5 of them) and returns the ticks. lo and hi must be
// finite and within ±reportMaxAbs.
func reportLinearTicks(lo, hi float64) (float64, float64, []float64) {
	if !(hi-lo >= 1e-9) {
		hi = lo + 1
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	switch n := raw / mag; {
	case n <= 1:
		step = mag
	case n <= 2:
		step = 2 * mag
	case n <= 5:
		step = 5 * mag
	}
	k0 := math.Floor(lo/step + 1e-9)
	k1 := math.Ceil(hi/step - 1e-9)
	if k1 <= k0 {
		k1 = k0 + 1
	}
	var ticks []float64
	for k := k0; k <= k1 && len(ticks) < 50; k++ {
		ticks = append(ticks, k*step)
	}
	return k0 * step, k1 * step, ticks
}

// reportTickLabel is a short label for a round axis value: 250, 0.2, 10k,
// 1.5M.
func reportTickLabel(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return ""
	case a < 1e-12:
		return "0"
	case a < 1e-4 || a >= 1e12:
		return strings.Replace(strconv.FormatFloat(v, 'g', 3, 64), "e+", "e", 1)
	}
	suffix := ""
	switch {
	case a >= 1e9:
		v, suffix = v/1e9, "G"
	case a >= 1e6:
		v, suffix = v/1e6, "M"
	case a >= 1e4:
		v, suffix = v/1e3, "k"
	}
	// Round to 9 significant digits to drop the noise of k*step.
	p := math.Pow(10, 8-math.Floor(math.Log10(math.Abs(v))))
	v = math.Round(v*p) / p
	return strconv.FormatFloat(v, 'f', -1, 64) + suffix
}

// reportPlot draws pts (sorted here by x) as a line, with markers when
// there are few.
func reportPlot(c *reportChart, pts []reportXY, sx, sy reportScale) {
	if len(pts) == 0 {
		c.Empty = true
		return
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].x < pts[j].x })
	var b strings.Builder
	for i, p := range pts {
		if i == 0 {
			b.WriteString("M")
		} else {
			b.WriteString(" L")
		}
		x, y := reportCoord(sx.px(p.x)), reportCoord(sy.px(p.y))
		b.WriteString(x)
		b.WriteString(" ")
		b.WriteString(y)
		if len(pts) <= 64 {
			c.Points = append(c.Points, reportPoint{x, y})
		}
	}
	c.Path = b.String()
}

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// reportHTML is polyglot: HTML5, and well-formed XML as well.
const reportHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--bg:#ffffff;--grid:#d8dee4;--rule:#d1d9e0;--head:#f6f8fa;--line:#0969da;--bad:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--grid:#30363d;--rule:#3d444d;--head:#151b23;--line:#4493f8;--bad:#f85149}}
body{margin:2rem auto;max-width:1200px;padding:0 1rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:0 0 .3rem}
h2{font-size:1.15rem;margin:2rem 0 .6rem}
.machine{margin:0;color:var(--muted);white-space:pre-wrap;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .6rem;border-bottom:1px solid var(--rule);white-space:nowrap}
thead th{background:var(--head);font-weight:600;text-align:right;vertical-align:bottom}
thead th:first-child,tbody th{text-align:left}
tbody th{font-weight:600}
td{text-align:right}
td.bad{color:var(--bad);font-weight:600}
.note{display:block;color:var(--muted);font-weight:normal;font-size:12px}
figure{margin:1.5rem 0}
figcaption{margin-bottom:.3rem}
figcaption .sub{color:var(--muted)}
svg.chart{display:block;max-width:100%;height:auto}
svg .plot{fill:none}
svg .grid{stroke:var(--grid);stroke-width:1}
svg .axis{stroke:var(--fg);stroke-width:1}
svg text{fill:var(--fg);font-size:11px}
svg .label{font-size:12px}
svg .line{fill:none;stroke:var(--line);stroke-width:1.75;stroke-linejoin:round}
svg .pt{fill:var(--line)}
svg .empty{fill:var(--muted);font-size:13px}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{if .Machine}}<p class="machine">{{.Machine}}</p>
{{end}}</header>
<main>
<section>
<h2>Results</h2>
{{if .Rows}}<div class="scroll">
<table>
<thead><tr><th scope="col">workload</th><th scope="col">connections</th><th scope="col">stanzas</th><th scope="col">seconds</th><th scope="col">stanzas/s</th><th scope="col">p50 µs</th><th scope="col">p99 µs</th><th scope="col">p99.9 µs</th><th scope="col">max µs</th><th scope="col">allocs/stanza</th><th scope="col">bytes/stanza</th><th scope="col">CPU s/100k</th><th scope="col">RSS MiB</th><th scope="col">KiB/conn</th><th scope="col">heap KiB/conn</th><th scope="col">errors</th></tr></thead>
<tbody>
{{range .Rows}}<tr><th scope="row">{{.Workload}}{{if .Note}}<span class="note">{{.Note}}</span>{{end}}</th>{{range .Cells}}<td{{if .Bad}} class="bad"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
{{else}}<p>No results.</p>
{{end}}</section>
{{if .Charts}}<section>
<h2>Charts</h2>
{{range .Charts}}{{template "chart" .}}{{end}}</section>
{{end}}</main>
</body>
</html>
{{define "chart"}}<figure>
<figcaption><strong>{{.Heading}}</strong>{{if .Caption}} <span class="sub">{{.Caption}}</span>{{end}}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" role="img" aria-label="{{.Heading}}">
<rect class="plot" x="{{.L}}" y="{{.T}}" width="{{.PW}}" height="{{.PH}}"/>
{{range .XTicks}}<line class="grid" x1="{{.Pos}}" y1="{{$.T}}" x2="{{.Pos}}" y2="{{$.Bottom}}"/><text class="tick" x="{{.Pos}}" y="{{$.XTickY}}" text-anchor="middle">{{.Label}}</text>
{{end}}{{range .YTicks}}<line class="grid" x1="{{$.L}}" y1="{{.Pos}}" x2="{{$.Right}}" y2="{{.Pos}}"/><text class="tick" x="{{$.YTickX}}" y="{{.Pos}}" dy="0.32em" text-anchor="end">{{.Label}}</text>
{{end}}<line class="axis" x1="{{.L}}" y1="{{.Bottom}}" x2="{{.Right}}" y2="{{.Bottom}}"/>
<line class="axis" x1="{{.L}}" y1="{{.T}}" x2="{{.L}}" y2="{{.Bottom}}"/>
<text class="label" x="{{.MidX}}" y="{{.XLabelY}}" text-anchor="middle">{{.XLabel}}</text>
<text class="label" x="{{.YLabelX}}" y="{{.MidY}}" text-anchor="middle" transform="rotate(-90 {{.YLabelX}} {{.MidY}})">{{.YLabel}}</text>
{{if .Path}}<path class="line" d="{{.Path}}"/>
{{end}}{{range .Points}}<circle class="pt" cx="{{.X}}" cy="{{.Y}}" r="2.5"/>
{{end}}{{if .Empty}}<text class="empty" x="{{.MidX}}" y="{{.MidY}}" text-anchor="middle">no plottable data points</text>
{{end}}</svg>
</figure>
{{end}}`
