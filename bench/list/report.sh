# shellcheck shell=bash
# Sourced by bench/run-list-bench.sh: the markdown tables from the rows the
# runs collected. A row (TSV): processes, command name, median wall s, best
# wall s, mean CPU s (user + system), peak RSS KiB.

# One line per count and command; the ratios compare each command with
# the Go gops and with ps -e at the same count (how many times faster this
# command is: their time over its time), medians with medians and best
# with best.
print_table() {
  local rows=$1
  echo "| processes | command | median ms | best ms | CPU ms (user+sys) | peak RSS MiB | Go gops / this (median, best) | ps -e / this (median, best) |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    { n[NR] = $1; cmd[NR] = $2; med[NR] = $3; best[NR] = $4; cpu[NR] = $5; rss[NR] = $6
      if ($2 == "Go gops") { gmed[$1] = $3; gbest[$1] = $4 }
      if ($2 == "ps -e") { pmed[$1] = $3; pbest[$1] = $4 } }
    function ratio(a, b) { return (a == "" || b <= 0) ? "-" : sprintf("%.1fx", a / b) }
    END {
      for (i = 1; i <= NR; i++) {
        c = n[i]
        printf "| %d | %s | %.2f | %.2f | %.2f | %s | %s, %s | %s, %s |\n", c, cmd[i], med[i] * 1000, best[i] * 1000,
          cpu[i] * 1000, rss[i] == "" ? "-" : sprintf("%.1f", rss[i] / 1024),
          ratio(gmed[c], med[i]), ratio(gbest[c], best[i]), ratio(pmed[c], med[i]), ratio(pbest[c], best[i])
      }
    }' "$rows"
}

# The cost of one more process, per command: the slope between the
# smallest and the largest count, which leaves out the fixed start-up cost.
print_marginal() {
  local rows=$1
  awk -F'\t' '
    { if (!($2 in n0) || $1 < n0[$2]) { n0[$2] = $1; m0[$2] = $3; b0[$2] = $4; c0[$2] = $5 }
      if (!($2 in n1) || $1 > n1[$2]) { n1[$2] = $1; m1[$2] = $3; b1[$2] = $4; c1[$2] = $5 }
      if (!($2 in seen)) { seen[$2] = 1; order[++k] = $2 } }
    END {
      for (i = 1; i <= k; i++) {
        c = order[i]
        if (n1[c] == n0[c]) continue
        if (!header) {
          printf "Cost of one more process (slope from %d to %d processes):\n\n", n0[c], n1[c]
          print "| command | µs per process (median) | µs per process (best) | CPU µs per process |"
          print "|---|---:|---:|---:|"
          header = 1
        }
        d = n1[c] - n0[c]
        printf "| %s | %.2f | %.2f | %.2f |\n", c, (m1[c] - m0[c]) * 1e6 / d, (b1[c] - b0[c]) * 1e6 / d, (c1[c] - c0[c]) * 1e6 / d
      }
      if (!header) print "(One count only: no cost per process; pass two counts.)"
    }' "$rows"
}
