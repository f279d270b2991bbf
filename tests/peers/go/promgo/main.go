// promgo: client_golang (Debian's golang-github-prometheus-client-golang-dev)
// as the reference for the agent's /metrics. `promgo metrics` prints the
// process collector's families for this process as promhttp would;
// `promgo float V...` prints each value as the text format writes numbers;
// `promgo serve` serves promhttp's /metrics (process and Go collectors, as
// a Go program does) on a kernel-chosen loopback port and prints
// "port=N" (the HTTP benchmark's reference).
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "float" {
		for _, a := range os.Args[2:] {
			v, _ := strconv.ParseFloat(a, 64)
			fmt.Println(strconv.FormatFloat(v, 'g', -1, 64))
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		fmt.Printf("port=%d\n", l.Addr().(*net.TCPAddr).Port)
		http.Handle("/metrics", promhttp.Handler())
		panic(http.Serve(l, nil))
	}
	r := prometheus.NewRegistry()
	r.MustRegister(prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	mfs, err := r.Gather()
	if err != nil {
		panic(err)
	}
	for _, mf := range mfs {
		expfmt.MetricFamilyToText(os.Stdout, mf)
	}
}
