// See config_reader.h.
#include "daemon/config_reader.h"

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>

#include "daemon/config_values.h"

namespace smtpsec::daemon {

void Problems::add(std::uint32_t line, std::string reason) {
    list_.push_back(ConfigProblem{file_, line, std::move(reason)});
}

std::vector<ConfigProblem> Problems::take() {
    std::stable_sort(list_.begin(), list_.end(), [](const ConfigProblem& a, const ConfigProblem& b) {
        const auto key = [](std::uint32_t line) { return line == 0 ? UINT32_MAX : line; };
        return key(a.line) < key(b.line);
    });
    return std::move(list_);
}

std::string_view type_phrase(toml::node_type type) {
    switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number with a fraction";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
    }
    return "nothing";
}

std::uint32_t line_of(const toml::node& node) { return node.source().begin.line; }

SectionReader::SectionReader(const toml::table* table, std::string label, std::string base_dir,
                             Problems& problems)
    : table_(table), label_(std::move(label)), base_dir_(std::move(base_dir)), problems_(problems) {}

const toml::node* SectionReader::find(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
    return table_ ? table_->get(key) : nullptr;
}

bool SectionReader::has(std::string_view key) const { return table_ && table_->get(key); }

std::uint32_t SectionReader::line(std::string_view key) const {
    if (table_) {
        if (const toml::node* node = table_->get(key)) return line_of(*node);
    }
    return table_line();
}

std::uint32_t SectionReader::table_line() const { return table_ ? line_of(*table_) : 0; }

void SectionReader::problem(std::string_view key, const std::string& reason) {
    problems_.add(line(key), fmt::format("{} {}: {}", label_, key, reason));
}

void SectionReader::problem_at(std::uint32_t line, const std::string& reason) { problems_.add(line, reason); }

void SectionReader::wrong_type(std::string_view key, const toml::node& node, std::string_view expected) {
    problem(key, fmt::format("expected {}, not {}", expected, type_phrase(node.type())));
}

void SectionReader::bad_choice(std::string_view key, const std::string& word,
                               const std::vector<std::string>& names) {
    std::string list;
    for (std::size_t i = 0; i < names.size(); ++i)
        list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    std::string reason = fmt::format("\"{}\" is not one of {}", word, list);
    if (auto near = closest_word(word, names)) reason += fmt::format(" (did you mean \"{}\"?)", *near);
    problem(key, reason);
}

bool SectionReader::get_string(std::string_view key, std::string& out, const Parser& check) {
    const toml::node* node = find(key);
    if (!node) return false;
    const auto* s = node->as_string();
    if (!s) {
        wrong_type(key, *node, "a string");
        return false;
    }
    if (!check) {
        out = s->get();
        return true;
    }
    auto checked = check(s->get());
    if (!checked) {
        problem(key, checked.error());
        return false;
    }
    out = std::move(*checked);
    return true;
}

std::string SectionReader::resolve_path(const std::string& path) const {
    if (path.empty() || path.front() == '/') return path;
    return (std::filesystem::path(base_dir_) / path).lexically_normal().string();
}

bool SectionReader::get_path(std::string_view key, std::string& out) {
    std::string text;
    if (!get_string(key, text)) return false;
    out = resolve_path(text);
    return true;
}

bool SectionReader::get_int(std::string_view key, std::uint32_t& out, std::int64_t min, std::int64_t max) {
    const toml::node* node = find(key);
    if (!node) return false;
    const auto* i = node->as_integer();
    if (!i) {
        wrong_type(key, *node, "an integer");
        return false;
    }
    const std::int64_t value = i->get();
    if (value < min || value > max) {
        problem(key, fmt::format("{} is out of range ({} to {})", value, min, max));
        return false;
    }
    out = static_cast<std::uint32_t>(value);
    return true;
}

bool SectionReader::get_duration(std::string_view key, Duration& out, Duration min, Duration max) {
    const toml::node* node = find(key);
    if (!node) return false;
    Duration value{};
    std::string written;
    if (const auto* i = node->as_integer()) {
        // Seconds, like Postfix's time parameters without a unit.
        const std::int64_t seconds = i->get();
        if (seconds < 0 || seconds > max.count() / 1000 + 1) {
            problem(key, fmt::format("{} is out of range ({} to {})", seconds, format_duration(min),
                                     format_duration(max)));
            return false;
        }
        value = std::chrono::seconds(seconds);
        written = std::to_string(seconds);
    } else if (const auto* s = node->as_string()) {
        auto parsed = parse_duration(s->get());
        if (!parsed) {
            problem(key, parsed.error());
            return false;
        }
        value = *parsed;
        written = fmt::format("\"{}\"", s->get());
    } else {
        wrong_type(key, *node, "a duration (a string like \"30s\")");
        return false;
    }
    if (value < min || value > max) {
        problem(key, fmt::format("{} is out of range ({} to {})", written, format_duration(min),
                                 format_duration(max)));
        return false;
    }
    out = value;
    return true;
}

bool SectionReader::get_size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
    const toml::node* node = find(key);
    if (!node) return false;
    std::uint64_t value = 0;
    std::string written;
    if (const auto* i = node->as_integer()) {
        if (i->get() < 0) {
            problem(key, fmt::format("{} is out of range ({} to {})", i->get(), format_size(min),
                                     format_size(max)));
            return false;
        }
        value = static_cast<std::uint64_t>(i->get());
        written = std::to_string(value);
    } else if (const auto* s = node->as_string()) {
        auto parsed = parse_size(s->get());
        if (!parsed) {
            problem(key, parsed.error());
            return false;
        }
        value = *parsed;
        written = fmt::format("\"{}\"", s->get());
    } else {
        wrong_type(key, *node, "a size (a string like \"64M\")");
        return false;
    }
    if (value < min || value > max) {
        problem(key,
                fmt::format("{} is out of range ({} to {})", written, format_size(min), format_size(max)));
        return false;
    }
    out = value;
    return true;
}

bool SectionReader::get_string_list(std::string_view key, std::vector<std::string>& out,
                                    const Parser& parse) {
    const toml::node* node = find(key);
    if (!node) return false;
    const auto* array = node->as_array();
    if (!array) {
        wrong_type(key, *node, "an array of strings");
        return false;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (const toml::node& element : *array) {
        const auto* s = element.as_string();
        if (!s) {
            problems_.add(line_of(element), fmt::format("{} {}: expected an array of strings, found {}",
                                                        label_, key, type_phrase(element.type())));
            ok = false;
            continue;
        }
        if (!parse) {
            values.push_back(s->get());
            continue;
        }
        auto parsed = parse(s->get());
        if (!parsed) {
            problems_.add(line_of(element), fmt::format("{} {}: {}", label_, key, parsed.error()));
            ok = false;
            continue;
        }
        values.push_back(std::move(*parsed));
    }
    if (!ok) return false;
    out = std::move(values);
    return true;
}

void SectionReader::report_unknown_keys() {
    if (!table_) return;
    for (auto&& [key, node] : *table_) {
        const std::string name(key.str());
        if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
        std::string reason = fmt::format("unknown key \"{}\" in {}", name, label_);
        if (auto near = closest_word(name, known_)) reason += fmt::format(" (did you mean \"{}\"?)", *near);
        problems_.add(line_of(node), reason);
    }
}

}  // namespace smtpsec::daemon
