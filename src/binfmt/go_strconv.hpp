// The parts of Go's strconv that `go version -m` applies to build settings:
// QuotedPrefix/Unquote to read a quoted key or value, Quote to print one. The
// module text is re-printed by Go (debug.BuildInfo.String), so matching its
// output byte for byte needs Go's exact quoting rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gops::binfmt {

// Length of the Go quoted string ("..." or `...`) at the start of s; nothing
// if s does not start with a valid one (strconv.QuotedPrefix).
std::optional<std::size_t> go_quoted_prefix(std::string_view s);

// The value of a Go quoted string that is all of s (strconv.Unquote, for
// double- and back-quoted strings).
std::optional<std::string> go_unquote(std::string_view s);

// strconv.Quote. Non-ASCII code points use an approximation of
// unicode.IsPrint (documented in the .cpp); ASCII and invalid UTF-8 are exact.
std::string go_quote(std::string_view s);

}  // namespace gops::binfmt
