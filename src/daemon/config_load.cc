// load_config: the TOML parse (toml++), the sections, the [[signing]]
// identities, and the keys and sections nobody knows.
#include <toml++/toml.h>
#include <unistd.h>

#include <fmt/core.h>
#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <map>

#include "crypto/read_file.h"
#include "daemon/config.h"
#include "daemon/config_reader.h"
#include "daemon/config_sections.h"
#include "daemon/config_values.h"
#include "daemon/trust_age.h"

namespace smtpsec::daemon {
namespace {

std::string local_hostname() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
    return name.data();
}

// The directory relative paths in the file are taken from.
std::string directory_of(const std::string& path) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(path, ec);
    if (ec) return "/";
    return absolute.lexically_normal().parent_path().string();
}

constexpr std::array<std::string_view, 9> kSections = {"milter", "listener", "reinject", "queue", "dns",
                                                       "tls",    "log",      "control",  "daemon"};

void read_signing_array(const toml::node* node, Config& config, const std::string& base_dir,
                        Problems& problems, Problems& warnings,
                        std::map<std::string, std::vector<std::string>>& known) {
    known["signing"] = {"domain", "certificate", "key"};
    if (!node) return;
    const auto* array = node->as_array();
    if (!array) {
        problems.add(line_of(*node),
                     fmt::format("\"signing\" must be an array of tables ([[signing]]), not {}",
                                 type_phrase(node->type())));
        return;
    }
    std::map<std::string, std::uint32_t> first_line;  // domain -> line of its [[signing]]
    for (const toml::node& element : *array) {
        const auto* table = element.as_table();
        if (!table) {
            problems.add(line_of(element),
                         fmt::format("\"signing\" must be an array of tables ([[signing]]), found {}",
                                     type_phrase(element.type())));
            continue;
        }
        SectionReader reader(table, "[[signing]]", base_dir, problems);
        SigningConfig signing;
        const bool ok = read_signing(reader, signing, warnings);
        reader.report_unknown_keys();
        if (signing.domain.empty()) continue;
        if (auto [it, fresh] = first_line.emplace(signing.domain, reader.line("domain")); !fresh) {
            reader.problem("domain", fmt::format("\"{}\" already has a signing identity (line {})",
                                                 signing.domain, it->second));
            continue;
        }
        if (ok) config.signing.push_back(std::move(signing));
    }
}

// Top-level keys: the sections, [[signing]], and anything else (a typo).
void report_unknown_top_level(const toml::table& root, Problems& problems,
                              const std::map<std::string, std::vector<std::string>>& known) {
    std::vector<std::string> sections(kSections.begin(), kSections.end());
    sections.emplace_back("signing");
    for (auto&& [key, node] : root) {
        const std::string name(key.str());
        if (name == "signing") continue;  // read_signing_array reports its type
        if (std::find(sections.begin(), sections.end(), name) != sections.end()) {
            if (!node.is_table())
                problems.add(line_of(node), fmt::format("\"{}\" must be a section ([{}]), not {}", name, name,
                                                        type_phrase(node.type())));
            continue;
        }
        if (node.is_table() || node.is_array_of_tables()) {
            std::string reason = fmt::format("unknown section [{}]", name);
            if (auto near = closest_word(name, sections))
                reason += fmt::format(" (did you mean [{}]?)", *near);
            problems.add(line_of(node), reason);
            continue;
        }
        std::string reason = fmt::format("unknown key \"{}\" outside any section", name);
        // Every section that has the key ("socket": [control] or [milter]).
        std::vector<std::string> homes;
        for (const auto& [section, keys] : known)
            if (std::find(keys.begin(), keys.end(), name) != keys.end()) homes.push_back("[" + section + "]");
        if (!homes.empty()) reason += fmt::format(" (it belongs in {})", fmt::join(homes, " or "));
        problems.add(line_of(node), reason);
    }
}

}  // namespace

Expected<Config, std::vector<ConfigProblem>> load_config(const std::string& path) {
    Problems problems(path);
    auto text = crypto::read_file(path);
    if (!text) {
        const std::string prefix = path + ": ";
        std::string why = text.error();
        if (why.compare(0, prefix.size(), prefix) == 0) why = why.substr(prefix.size());
        problems.add(0, "cannot read: " + why);
        return Unexpected{problems.take()};
    }
    toml::table root;
    try {
        root = toml::parse(*text, path);
    } catch (const toml::parse_error& e) {
        std::string why(e.description());
        // "socket_mode = 0660": TOML has no leading-zero integers; the mode is a string.
        if (why.find("leading zero") != std::string::npos)
            why +=
                " (a number cannot start with 0 in TOML: write a file mode as a string, e.g. "
                "socket_mode = \"0660\")";
        problems.add(e.source().begin.line, why);
        return Unexpected{problems.take()};
    }

    Config config;
    config.file = path;
    Problems warnings(path);
    const std::string base_dir = directory_of(path);
    const ReadContext ctx{local_hostname()};
    std::map<std::string, std::vector<std::string>> known;  // section -> its keys, for hints

    auto section = [&](std::string_view name, auto read) {
        const toml::node* node = root.get(name);
        const toml::table* table = node ? node->as_table() : nullptr;
        SectionReader reader(table, fmt::format("[{}]", name), base_dir, problems);
        read(reader);
        reader.report_unknown_keys();
        known[std::string(name)] = reader.known_keys();
    };
    section("milter", [&](SectionReader& r) { read_milter(r, config.milter, warnings); });
    read_signing_array(root.get("signing"), config, base_dir, problems, warnings, known);
    section("listener", [&](SectionReader& r) { read_listener(r, config.listener, ctx, warnings); });
    section("reinject", [&](SectionReader& r) { read_reinject(r, config.reinject, ctx); });
    section("queue", [&](SectionReader& r) { read_queue(r, config.queue, ctx, warnings); });
    section("dns", [&](SectionReader& r) { read_dns(r, config.dns); });
    section("tls", [&](SectionReader& r) { read_tls(r, config.tls, warnings); });
    section("log", [&](SectionReader& r) { read_log(r, config.log); });
    section("control", [&](SectionReader& r) { read_control(r, config.control, warnings); });
    section("daemon", [&](SectionReader& r) { read_daemon(r, config.daemon); });
    report_unknown_top_level(root, problems, known);

    if (!problems.empty()) return Unexpected{problems.take()};
    if (config.signing.empty())
        warnings.add(0,
                     "no [[signing]] identity: the milter can sign nothing and leaves all mail to the MTA");
    if (config.signing.empty() && config.listener.accept_domains.empty() &&
        !config.listener.addresses.empty())
        warnings.add(
            0,
            "the listener accepts no recipient: no [[signing]] domain and no [listener] accept_domains, "
            "so every recipient is answered unknown_address");
    config.warnings = warnings.take();
    // Trust material growing old (daemon/trust_age.h): at start-up, reload and -n.
    for (auto& w : trust_material_warnings(config, std::chrono::system_clock::now()))
        config.warnings.push_back(std::move(w));
    return config;
}

}  // namespace smtpsec::daemon
