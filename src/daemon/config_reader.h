// Typed reads from one TOML table of smtpsecd.conf, each problem recorded
// with its line.
//
// Why it exists: every key of every section needs the same things: a type
// check, a syntax check, a range check, the line of the value for the
// message, and at the end the keys nobody asked for (typos), with a
// suggestion. A getter leaves its output untouched (the default stays) when
// the key is absent or wrong, and returns true only when it stored a value.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/config.h"

namespace smtpsec::daemon {

// The problems of one file.
class Problems {
public:
    explicit Problems(std::string file) : file_(std::move(file)) {}
    void add(std::uint32_t line, std::string reason);
    const std::string& file() const { return file_; }
    bool empty() const { return list_.empty(); }
    // Ordered by line (stable), line 0 last.
    std::vector<ConfigProblem> take();

private:
    std::string file_;
    std::vector<ConfigProblem> list_;
};

// "a string", "an integer", ... for type errors.
std::string_view type_phrase(toml::node_type type);

std::uint32_t line_of(const toml::node& node);

class SectionReader {
public:
    // `table` may be null (section absent: every getter leaves its default).
    // `label` names it in messages: "[milter]", "[[signing]]".
    // Relative paths are resolved against `base_dir`.
    SectionReader(const toml::table* table, std::string label, std::string base_dir, Problems& problems);

    using Parser = std::function<Expected<std::string, std::string>(std::string_view)>;

    bool get_string(std::string_view key, std::string& out, const Parser& check = {});
    // Empty stays empty ("not set"); anything else becomes an absolute path.
    bool get_path(std::string_view key, std::string& out);
    bool get_int(std::string_view key, std::uint32_t& out, std::int64_t min, std::int64_t max);
    // A string with a unit, or an integer number of seconds.
    bool get_duration(std::string_view key, Duration& out, Duration min, Duration max);
    // A string with a unit, or an integer number of bytes.
    bool get_size(std::string_view key, std::uint64_t& out, std::uint64_t min, std::uint64_t max);
    // Each element through `parse` (which may normalise it); all or nothing.
    bool get_string_list(std::string_view key, std::vector<std::string>& out, const Parser& parse = {});

    template <class T>
    bool get_choice(std::string_view key, T& out,
                    std::initializer_list<std::pair<std::string_view, T>> choices) {
        std::vector<std::string> names;
        for (const auto& c : choices) names.emplace_back(c.first);
        std::string word;
        if (!get_string(key, word)) return false;
        for (const auto& c : choices) {
            if (c.first == word) {
                out = c.second;
                return true;
            }
        }
        bad_choice(key, word, names);
        return false;
    }

    // A string parsed into any type (sockets, addresses).
    template <class T, class F>
    bool get_parsed(std::string_view key, T& out, F parse) {
        std::string text;
        if (!get_string(key, text)) return false;
        auto value = parse(text);
        if (!value) {
            problem(key, value.error());
            return false;
        }
        out = std::move(*value);
        return true;
    }

    bool has(std::string_view key) const;
    // The line of the key's value, else of the table's header, else 0.
    std::uint32_t line(std::string_view key) const;
    std::uint32_t table_line() const;
    const std::string& label() const { return label_; }
    // The keys the getters asked for so far.
    const std::vector<std::string>& known_keys() const { return known_; }
    std::string resolve_path(const std::string& path) const;

    // "LABEL KEY: reason" at the key's line.
    void problem(std::string_view key, const std::string& reason);
    void problem_at(std::uint32_t line, const std::string& reason);

    // Reports every key no getter asked for, with "did you mean".
    void report_unknown_keys();

private:
    const toml::node* find(std::string_view key);
    void wrong_type(std::string_view key, const toml::node& node, std::string_view expected);
    void bad_choice(std::string_view key, const std::string& word, const std::vector<std::string>& names);

    const toml::table* table_;
    std::string label_;
    std::string base_dir_;
    Problems& problems_;
    std::vector<std::string> known_;
};

}  // namespace smtpsec::daemon
