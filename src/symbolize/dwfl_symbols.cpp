#include "symbolize/dwfl_symbols.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>

#include <algorithm>
#include <cstdlib>

#include "symbolize/debug_files.hpp"

namespace gops::symbolize {
namespace {

std::string base_name(const char* path) {
  std::string p = path ? path : "";
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

}  // namespace

std::string demangle_cxx(const char* name) {
  std::string plain(name);
  if (auto at = plain.find('@'); at != std::string::npos && at > 0) plain.resize(at);  // symbol version
  int status = 0;
  char* out = abi::__cxa_demangle(plain.c_str(), nullptr, nullptr, &status);
  if (status != 0 || out == nullptr) return plain;
  std::string result(out);
  std::free(out);
  return result;
}

namespace {

const char* string_attr(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  return dwarf_formstring(dwarf_attr_integrate(die, name, &attr));
}

// The DIE that declares what `die` is an instance or definition of.
Dwarf_Die declaration_of(Dwarf_Die* die) {
  Dwarf_Die current = *die;
  for (int hops = 0; hops < 8; ++hops) {  // origin -> specification, bounded
    Dwarf_Attribute attr;
    Dwarf_Die next;
    if ((dwarf_attr(&current, DW_AT_abstract_origin, &attr) == nullptr &&
         dwarf_attr(&current, DW_AT_specification, &attr) == nullptr) ||
        dwarf_formref_die(&attr, &next) == nullptr)
      break;
    current = next;
  }
  return current;
}

// "ns::(anonymous namespace)::Class::name" from the DIE's enclosing scopes,
// for functions without a linkage name (GCC emits none for internal linkage).
std::string qualified_name(Dwarf_Die* die) {
  Dwarf_Die declaration = declaration_of(die);
  const char* name = dwarf_diename(&declaration);
  if (name == nullptr) return {};
  std::string out = name;
  Dwarf_Die* scopes = nullptr;
  int count = dwarf_getscopes_die(&declaration, &scopes);
  for (int i = 1; i < count; ++i) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_namespace && tag != DW_TAG_class_type && tag != DW_TAG_structure_type &&
        tag != DW_TAG_union_type)
      continue;
    const char* scope = dwarf_diename(&scopes[i]);
    out = std::string(scope && *scope ? scope : "(anonymous namespace)") + "::" + out;
  }
  std::free(scopes);
  return out;
}

// A subprogram's or inlined subroutine's name: the linkage name demangled
// (with its parameters, as C++ tools show it), else the qualified name.
void name_of(Dwarf_Die* die, SourceFrame& frame, Demangler demangle) {
  const char* linkage = string_attr(die, DW_AT_linkage_name);
  if (linkage == nullptr) linkage = string_attr(die, DW_AT_MIPS_linkage_name);
  if (linkage != nullptr) {
    frame.function = demangle(linkage);
    frame.system_name = linkage;
  } else {
    frame.function = qualified_name(die);
    frame.system_name = frame.function;
  }
  int line = 0;
  if (dwarf_decl_line(die, &line) == 0) frame.start_line = line;
}

bool udata_attr(Dwarf_Die* die, unsigned name, Dwarf_Word& out) {
  Dwarf_Attribute attr;
  return dwarf_attr(die, name, &attr) != nullptr && dwarf_formudata(&attr, &out) == 0;
}

bool is_holder(int tag) {
  return tag == DW_TAG_namespace || tag == DW_TAG_class_type || tag == DW_TAG_structure_type ||
         tag == DW_TAG_union_type || tag == DW_TAG_module;
}

// The code DIEs inside `parent` that contain `addr`, outermost first: the
// inlined subroutines and lexical blocks of a function (and what a type
// local to it holds). libdw's dwarf_getscopes is not used: it skips
// DW_TAG_namespace trees (where rustc puts functions), and it leaks its
// result when it cannot find an inlined subroutine's abstract origin in
// that origin's unit (Go's DWARF).
bool scopes_at(Dwarf_Die* parent, Dwarf_Addr addr, std::vector<Dwarf_Die>& path, int depth = 0) {
  if (depth > 64) return false;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    bool code = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block;
    if (code && dwarf_haspc(&child, addr) == 1) {
      path.push_back(child);
      scopes_at(&child, addr, path, depth + 1);
      return true;
    }
    if (is_holder(tag) && scopes_at(&child, addr, path, depth + 1)) return true;
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// Every function with code under `parent`: the unit itself and the
// namespaces and types that hold function definitions (clang and rustc put
// them there; GCC at the unit's top).
void collect_functions(Dwarf_Die* parent, RangeTable& table, int depth = 0) {
  if (depth > 64) return;
  Dwarf_Die child;
  if (dwarf_child(parent, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (tag == DW_TAG_subprogram) {
      Dwarf_Addr base = 0, start = 0, end = 0;
      for (ptrdiff_t at = 0; (at = dwarf_ranges(&child, at, &base, &start, &end)) > 0;)
        table.add(start, end, dwarf_dieoffset(&child));
    } else if (is_holder(tag)) {
      collect_functions(&child, table, depth + 1);
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

// The compile unit whose code holds pc. libdw finds it through
// .debug_aranges, which clang leaves out unless asked (-gdwarf-aranges);
// without that table the units' own ranges are searched (a program with
// aranges never pays for this: a pc they miss is code without DWARF, such
// as crt1's).
Dwarf_Die* unit_at(Dwfl_Module* module, Dwarf_Addr pc, Dwarf_Addr* bias, Dwarf_Die& storage, UnitIndex& units) {
  if (Dwarf_Die* cu = dwfl_module_addrdie(module, pc, bias)) return cu;
  Dwarf* dwarf = dwfl_module_getdwarf(module, bias);
  Dwarf_Aranges* aranges = nullptr;
  std::size_t count = 0;
  if (dwarf == nullptr || dwarf_getaranges(dwarf, &aranges, &count) != 0 || count != 0) return nullptr;
  return units.unit_at(dwarf, pc - *bias, storage) ? &storage : nullptr;
}

}  // namespace

void RangeTable::add(Dwarf_Addr start, Dwarf_Addr end, Dwarf_Off die) {
  if (end > start) ranges_.push_back({start, end, die});
}

void RangeTable::finish() {
  std::stable_sort(ranges_.begin(), ranges_.end(), [](const Range& a, const Range& b) { return a.start < b.start; });
  max_end_.clear();
  for (const Range& r : ranges_) max_end_.push_back(std::max(r.end, max_end_.empty() ? 0 : max_end_.back()));
}

bool RangeTable::find(Dwarf_Addr addr, Dwarf_Off& die) const {
  // The last range starting at or before addr, then back while an earlier
  // one may still reach addr; of those that hold it, the first in the tree.
  auto after = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                                [](Dwarf_Addr a, const Range& r) { return a < r.start; });
  bool found = false;
  for (auto i = static_cast<std::size_t>(after - ranges_.begin()); i-- > 0 && max_end_[i] > addr;) {
    if (addr < ranges_[i].end && (!found || ranges_[i].die < die)) {
      die = ranges_[i].die;
      found = true;
    }
  }
  return found;
}

bool UnitIndex::unit_at(Dwarf* dwarf, Dwarf_Addr addr, Dwarf_Die& unit) {
  auto [it, fresh] = units_.try_emplace(dwarf);
  if (fresh) {
    Dwarf_Off offset = 0, next = 0;
    std::size_t header = 0;
    while (dwarf_nextcu(dwarf, offset, &next, &header, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die die;
      if (dwarf_offdie(dwarf, offset + header, &die) != nullptr) {
        Dwarf_Addr base = 0, start = 0, end = 0;
        for (ptrdiff_t at = 0; (at = dwarf_ranges(&die, at, &base, &start, &end)) > 0;)
          it->second.add(start, end, offset + header);
      }
      offset = next;
    }
    it->second.finish();
  }
  Dwarf_Off die = 0;
  return it->second.find(addr, die) && dwarf_offdie(dwarf, die, &unit) != nullptr;
}

bool UnitIndex::function_at(Dwarf_Die* unit, Dwarf_Addr addr, Dwarf_Die& function) {
  auto [it, fresh] = functions_.try_emplace(unit->cu);
  if (fresh) {
    collect_functions(unit, it->second);
    it->second.finish();
  }
  Dwarf_Off die = 0;
  return it->second.find(addr, die) && dwarf_offdie(dwarf_cu_getdwarf(unit->cu), die, &function) != nullptr;
}

std::vector<SourceFrame> lookup_source(Dwfl* dwfl, std::uint64_t pc, Demangler demangle, UnitIndex& units) {
  std::vector<SourceFrame> frames;
  Dwfl_Module* module = dwfl_addrmodule(dwfl, pc);
  if (module == nullptr) return frames;
  SourceFrame symbol;  // from the symbol table: the fallback for code without DWARF
  GElf_Off offset = 0;
  GElf_Sym sym;
  if (const char* fn = dwfl_module_addrinfo(module, pc, &offset, &sym, nullptr, nullptr, nullptr)) {
    symbol.function = demangle(fn);
    symbol.system_name = fn;
  }
  // Line info only from the compile unit that covers pc: code without
  // DWARF (e.g. crt1's _start) must not borrow a neighbour's line.
  prepare_module(module);
  Dwarf_Addr bias = 0;
  Dwarf_Die cu_storage;
  Dwarf_Die* cu = unit_at(module, pc, &bias, cu_storage, units);
  if (cu == nullptr) {
    if (!symbol.function.empty()) frames.push_back(std::move(symbol));
    return frames;
  }
  std::string file;
  int line = 0;
  if (Dwarf_Line* src = dwarf_getsrc_die(cu, pc - bias)) {
    if (const char* name = dwarf_linesrc(src, nullptr, nullptr)) file = name;
    if (dwarf_lineno(src, &line) != 0) line = 0;
  }
  Dwarf_Files* files = nullptr;
  std::size_t file_count = 0;
  if (dwarf_getsrcfiles(cu, &files, &file_count) != 0) files = nullptr;

  // Scopes innermost first: each inlined subroutine, then its caller, up to
  // the subprogram. The line of an outer frame is the inner one's call site.
  std::vector<Dwarf_Die> scopes;
  Dwarf_Die function;
  if (units.function_at(cu, pc - bias, function)) {
    scopes.push_back(function);
    scopes_at(&function, pc - bias, scopes);
  }
  std::reverse(scopes.begin(), scopes.end());
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    SourceFrame frame;
    name_of(&scopes[i], frame, demangle);
    frame.file = file;
    frame.line = line;
    // The symbol of an out-of-line function is its full name (the DWARF
    // name may lack the scopes of a function with internal linkage).
    if (tag == DW_TAG_subprogram && !symbol.function.empty()) {
      frame.function = symbol.function;
      frame.system_name = symbol.system_name;
    }
    frames.push_back(std::move(frame));
    if (tag == DW_TAG_subprogram) break;
    Dwarf_Word call_file = 0, call_line = 0;
    const char* caller_file = nullptr;
    if (files != nullptr && udata_attr(&scopes[i], DW_AT_call_file, call_file))
      caller_file = dwarf_filesrc(files, call_file, nullptr, nullptr);
    file = caller_file ? caller_file : "";
    line = udata_attr(&scopes[i], DW_AT_call_line, call_line) ? static_cast<int>(call_line) : 0;
  }
  // No function of this compile unit covers pc (crt1's _start sits inside
  // a unit's address range without DWARF of its own): the line found is a
  // neighbour's, so only the symbol is told.
  if (frames.empty() && !symbol.function.empty()) frames.push_back(std::move(symbol));
  for (SourceFrame& f : frames)
    if (f.system_name.empty()) f.system_name = f.function;
  return frames;
}


ModuleLocation lookup_module(Dwfl* dwfl, std::uint64_t pc, Demangler demangle) {
  ModuleLocation out;
  Dwfl_Module* module = dwfl_addrmodule(dwfl, pc);
  if (module == nullptr) return out;
  Dwarf_Addr start = 0;
  const char* name = dwfl_module_info(module, nullptr, &start, nullptr, nullptr, nullptr, nullptr, nullptr);
  out.module = base_name(name);
  out.module_offset = pc - start;
  GElf_Off offset = 0;
  GElf_Sym sym;
  if (const char* fn = dwfl_module_addrinfo(module, pc, &offset, &sym, nullptr, nullptr, nullptr)) {
    out.symbol = demangle(fn);
    out.symbol_offset = offset;
  }
  return out;
}

}  // namespace gops::symbolize
