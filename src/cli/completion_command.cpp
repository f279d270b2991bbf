// `gops completion bash|zsh|fish`: a completion script for the shell,
// generated from the subcommands and options registered on the CLI11 app,
// so it never falls behind the commands themselves.
//
// Arguments complete to PIDs: for the agent commands the PIDs that have a
// port file in the gops config dir, for the other commands all PIDs.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "cli/cli.hpp"

namespace gops::cli {
namespace {

struct CommandInfo {
  std::vector<std::string> names;  // name, then aliases
  std::string help;
  std::vector<std::string> options;  // "--timeout", "-o", ...
};

// The agent commands take a PID with a port file (see agent_commands.cpp).
const std::set<std::string> kAgentCommands = {"stack", "gc",       "setgc",      "memstats",  "stats",
                                              "trace", "pprof-cpu", "pprof-heap", "version"};

std::vector<CommandInfo> collect(const CLI::App& app) {
  std::vector<CommandInfo> out;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    CommandInfo c;
    c.names.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) c.names.push_back(alias);
    c.help = sub->get_description();
    for (const CLI::Option* opt : sub->get_options()) {
      for (const auto& l : opt->get_lnames()) c.options.push_back("--" + l);
      for (const auto& s : opt->get_snames()) c.options.push_back("-" + s);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string join(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

// For text inside single quotes in all three shells.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// The shell code that lists PIDs with a port file, in each shell's syntax.
constexpr const char* kBashAgentPids =
    R"(ls "${GOPS_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/gops}" 2>/dev/null)";

std::string bash_script(const std::vector<CommandInfo>& cmds) {
  std::vector<std::string> all_names;
  for (const auto& c : cmds) all_names.insert(all_names.end(), c.names.begin(), c.names.end());
  all_names.push_back("help");
  std::string s;
  s += "# bash completion for gops: source <(gops completion bash)\n";
  s += "_gops_agent_pids() { " + std::string(kBashAgentPids) + "; }\n";
  s += "_gops_pids() { local d; for d in /proc/[0-9]*; do echo \"${d#/proc/}\"; done; }\n";
  s += "_gops() {\n";
  s += "  local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n";
  s += "  if [[ $COMP_CWORD -eq 1 ]]; then\n";
  s += "    COMPREPLY=($(compgen -W " + quoted(join(all_names)) + " -- \"$cur\"))\n";
  s += "    return\n";
  s += "  fi\n";
  s += "  case \"${COMP_WORDS[1]}\" in\n";
  for (const auto& c : cmds) {
    s += "    " + join(c.names, "|") + ")\n";
    if (c.names.front() == "completion") {
      s += "      COMPREPLY=($(compgen -W 'bash zsh fish' -- \"$cur\")) ;;\n";
      continue;
    }
    s += "      if [[ $cur == -* ]]; then\n";
    s += "        COMPREPLY=($(compgen -W " + quoted(join(c.options)) + " -- \"$cur\"))\n";
    if (kAgentCommands.count(c.names.front())) {
      s += "      else\n        COMPREPLY=($(compgen -W \"$(_gops_agent_pids)\" -- \"$cur\"))\n";
    } else if (c.names.front() == "modules") {
      s += "      else\n        COMPREPLY=($(compgen -f -W \"$(_gops_pids)\" -- \"$cur\"))\n";
    } else {
      s += "      else\n        COMPREPLY=($(compgen -W \"$(_gops_pids)\" -- \"$cur\"))\n";
    }
    s += "      fi ;;\n";
  }
  s += "  esac\n";
  s += "}\n";
  s += "complete -F _gops gops\n";
  return s;
}

std::string zsh_script(const std::vector<CommandInfo>& cmds) {
  std::string s;
  s += "#compdef gops\n";
  s += "# zsh completion for gops: source <(gops completion zsh), or save as _gops in $fpath\n";
  s += "_gops() {\n";
  s += "  local -a commands\n";
  s += "  commands=(\n";
  for (const auto& c : cmds)
    for (const auto& n : c.names) {
      std::string help = c.help;
      for (std::size_t i = 0; (i = help.find(':', i)) != std::string::npos; i += 2) help.insert(i, "\\");
      s += "    " + quoted(n + ":" + help) + "\n";
    }
  s += "  )\n";
  s += "  if (( CURRENT == 2 )); then\n";
  s += "    _describe 'command' commands\n";
  s += "    return\n";
  s += "  fi\n";
  s += "  local -a pids\n";
  s += "  case ${words[2]} in\n";
  for (const auto& c : cmds) {
    s += "    " + join(c.names, "|") + ")\n";
    if (c.names.front() == "completion") {
      s += "      compadd bash zsh fish ;;\n";
      continue;
    }
    if (kAgentCommands.count(c.names.front()))
      s += "      pids=(${(f)\"$(" + std::string(kBashAgentPids) + ")\"})\n";
    else
      s += "      pids=(/proc/<->(N:t))\n";
    s += "      if [[ $PREFIX == -* ]]; then compadd -- " + join(c.options) + "; else compadd -a pids";
    if (c.names.front() == "modules") s += "; _files";
    s += "; fi ;;\n";
  }
  s += "  esac\n";
  s += "}\n";
  s += "if [[ \"${funcstack[1]}\" == _gops ]]; then _gops \"$@\"; else compdef _gops gops; fi\n";
  return s;
}

std::string fish_script(const std::vector<CommandInfo>& cmds) {
  std::vector<std::string> all_names;
  for (const auto& c : cmds) all_names.insert(all_names.end(), c.names.begin(), c.names.end());
  std::string s;
  s += "# fish completion for gops: gops completion fish | source\n";
  s += "function __gops_agent_pids\n";
  s += "    set -l dir $GOPS_CONFIG_DIR\n";
  s += "    test -n \"$dir\"; or begin; set -q XDG_CONFIG_HOME; and test -n \"$XDG_CONFIG_HOME\"; "
       "and set dir $XDG_CONFIG_HOME/gops; or set dir $HOME/.config/gops; end\n";
  s += "    command ls $dir 2>/dev/null\n";
  s += "end\n";
  s += "function __gops_pids\n";
  s += "    string replace /proc/ '' /proc/[0-9]*\n";
  s += "end\n";
  s += "complete -c gops -f\n";
  for (const auto& c : cmds)
    for (const auto& n : c.names)
      s += "complete -c gops -n __fish_use_subcommand -a " + quoted(n) + " -d " + quoted(c.help) + "\n";
  for (const auto& c : cmds) {
    std::string when = "-n " + quoted("__fish_seen_subcommand_from " + join(c.names));
    if (c.names.front() == "completion") {
      s += "complete -c gops " + when + " -a 'bash zsh fish'\n";
      continue;
    }
    const char* pids = kAgentCommands.count(c.names.front()) ? "(__gops_agent_pids)" : "(__gops_pids)";
    s += "complete -c gops " + when + " -a " + quoted(pids) + "\n";
    if (c.names.front() == "modules") s += "complete -c gops " + when + " -F\n";
    for (const auto& o : c.options) {
      if (o.rfind("--", 0) == 0)
        s += "complete -c gops " + when + " -l " + o.substr(2) + "\n";
      else
        s += "complete -c gops " + when + " -s " + o.substr(1) + "\n";
    }
  }
  return s;
}

}  // namespace

void add_completion_command(Cli& cli) {
  static std::string shell;
  CLI::App* sub = cli.add_command("completion", "Prints a completion script for bash, zsh or fish.", [](CLI::App& app) {
    app.add_option("shell", shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  });
  sub->callback([&cli] {
    cli.action = [&cli] {
      auto cmds = collect(cli.app);
      std::string script = shell == "bash" ? bash_script(cmds) : shell == "zsh" ? zsh_script(cmds) : fish_script(cmds);
      std::fwrite(script.data(), 1, script.size(), stdout);
      return 0;
    };
  });
}

}  // namespace gops::cli
