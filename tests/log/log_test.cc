// src/log: what each line looks like where it goes (a terminal or file, the
// journal through stderr, syslog), the priority each level gets, how stderr
// is recognised as the journal, and that debug lines exist only when asked.
#include <catch2/catch.hpp>

#include <syslog.h>

#include <string>
#include <vector>

#include "log/log.h"

using namespace smtpsec::log;

TEST_CASE("each level has its syslog priority", "[log]") {
    CHECK(syslog_priority(Level::debug) == LOG_DEBUG);
    CHECK(syslog_priority(Level::info) == LOG_INFO);
    CHECK(syslog_priority(Level::notice) == LOG_NOTICE);
    CHECK(syslog_priority(Level::warning) == LOG_WARNING);
    CHECK(syslog_priority(Level::error) == LOG_ERR);
}

TEST_CASE("syslog text: Postfix's 'warning: ' prefixes, plain information", "[log]") {
    CHECK(message_text(Level::info, "4Q1x: to=<b@b.test> taken") == "4Q1x: to=<b@b.test> taken");
    CHECK(message_text(Level::warning, "reload: [dns] changed") == "warning: reload: [dns] changed");
    CHECK(message_text(Level::error, "x") == "error: x");
    CHECK(message_text(Level::debug, "x") == "debug: x");
}

TEST_CASE("a terminal or a file gets the identifier, the pid and the level", "[log]") {
    CHECK(stderr_line(Level::warning, "disk full", 42) == "smtpsecd[42]: warning: disk full\n");
    CHECK(stderr_line(Level::info, "started", 7) == "smtpsecd[7]: info: started\n");
}

TEST_CASE("the journal through stderr gets <N> priorities and no identifier of ours", "[log]") {
    CHECK(journal_line(Level::error, "cannot bind") == "<3>error: cannot bind\n");
    CHECK(journal_line(Level::warning, "w") == "<4>warning: w\n");
    CHECK(journal_line(Level::notice, "n") == "<5>notice: n\n");
    CHECK(journal_line(Level::info, "4Q1x: taken over") == "<6>4Q1x: taken over\n");
    CHECK(journal_line(Level::debug, "d") == "<7>debug: d\n");
}

TEST_CASE("stderr is the journal only when JOURNAL_STREAM names its device and inode", "[log]") {
    CHECK(journal_stream_matches("8:12345", 8, 12345));
    CHECK_FALSE(journal_stream_matches("8:12345", 8, 12346));
    CHECK_FALSE(journal_stream_matches("9:12345", 8, 12345));
    CHECK_FALSE(journal_stream_matches(nullptr, 8, 12345));
    CHECK_FALSE(journal_stream_matches("", 8, 12345));
    CHECK_FALSE(journal_stream_matches("8:12345x", 8, 12345));
    CHECK_FALSE(journal_stream_matches("8", 8, 12345));
}

TEST_CASE("facility names", "[log]") {
    CHECK(facility_value("mail") == LOG_MAIL);
    CHECK(facility_value("local7") == LOG_LOCAL7);
    CHECK(facility_value("daemon") == LOG_DAEMON);
    CHECK(facility_value("kern") == -1);
}

TEST_CASE("debug lines are written only at level debug", "[log]") {
    std::vector<std::pair<Level, std::string>> lines;
    set_sink([&](Level level, std::string_view line) { lines.emplace_back(level, std::string(line)); });
    set_min_level(Level::info);
    debug("not wanted {}", 1);
    info("wanted");
    CHECK(lines == std::vector<std::pair<Level, std::string>>{{Level::info, "wanted"}});
    set_min_level(Level::debug);
    debug("verdict {}", "smtpsec");
    CHECK(lines.back() == std::pair<Level, std::string>{Level::debug, "verdict smtpsec"});
    set_min_level(Level::warning);
    info("dropped");
    CHECK(lines.size() == 2);
    set_min_level(Level::info);
    set_sink({});
}
