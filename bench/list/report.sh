# shellcheck shell=bash
# Sourced by bench/run-list-bench.sh: the markdown table from the rows the
# runs collected. A row (TSV): processes, gops s, ps s, stand-in s,
# gops RSS KiB, ps RSS KiB, stand-in RSS KiB; "-" where gops was not run.

print_table() {
  local rows=$1
  echo "| processes | gops median ms | ps -e median ms | gops / ps | Go stand-in median ms | gops / stand-in | gops µs per process | CPU ms, user+sys (gops / ps / stand-in) | peak RSS MiB (gops / ps / stand-in) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|---|"
  awk -F'\t' '
    function ms(s) { return sprintf("%.2f", s * 1000) }
    function mib(k) { return k == "-" || k == "" ? "-" : sprintf("%.1f", k / 1024) }
    {
      n = $1; g = $2; p = $3; s = $4
      if (g == "-") {
        printf "| %d | - | %s | - | %s | - | - | - / %s / %s | - / %s / %s |\n",
          n, ms(p), ms(s), ms($6), ms($7), mib($9), mib($10)
      } else {
        printf "| %d | %s | %s | %.2f | %s | %.2f | %.1f | %s / %s / %s | %s / %s / %s |\n",
          n, ms(g), ms(p), g / p, ms(s), g / s, g * 1e6 / n, ms($5), ms($6), ms($7), mib($8), mib($9), mib($10)
      }
    }' "$rows"
}

# The cost of one more process: the slope between the smallest and the
# largest count, which leaves out the fixed start-up cost.
print_marginal() {
  local rows=$1
  awk -F'\t' '
    NR == 1 { n0 = $1; g0 = $2; p0 = $3; s0 = $4 }
    { n1 = $1; g1 = $2; p1 = $3; s1 = $4 }
    END {
      if (NR < 2 || n1 == n0) exit
      d = n1 - n0
      printf "Marginal cost per process (%d -> %d processes): ", n0, n1
      if (g0 != "-") printf "gops %.1f µs, ", (g1 - g0) * 1e6 / d
      printf "ps -e %.1f µs, Go stand-in %.1f µs.\n", (p1 - p0) * 1e6 / d, (s1 - s0) * 1e6 / d
    }' "$rows"
}
