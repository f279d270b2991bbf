// /metrics as promhttp serves it: the text format, gzipped when the client
// accepts gzip (Prometheus does).
#include "agent/http/handlers.hpp"
#include "pprof/gzip.hpp"

namespace gops::agent::http {

Response metrics(const Request& request, const CommandContext& context) {
  Response r;
  r.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = metrics_text(*context.options, *context.counters);
  if (request.accepts_gzip) {
    if (auto zipped = pprof::gzip(r.body)) {
      r.body = std::move(*zipped);
      r.set("Content-Encoding", "gzip");
    }
  }
  return r;
}

}  // namespace gops::agent::http
