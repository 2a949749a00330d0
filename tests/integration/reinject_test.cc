// Re-injection into a real SMTP server: ga.test -> gb.test over SMTPsec, and
// gb.test's listener hands the Email to Postfix's smtp-sink through the SMTP
// injector (SmtpLocalDelivery). smtp-sink dumps each transaction to a file;
// the test reads it back and compares envelope and content. Why: the
// CaptureDelivery of the other tests skips the SMTP client; this proves the
// whole receiving path up to a real MTA's 250 (docs/decisions.md point 18).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "inbound/smtp_local_delivery.h"
#include "sites.h"

extern char** environ;

using namespace smtpsec;
using namespace smtpsec::test;

namespace {

// smtp-sink on 127.0.0.1:port dumping every message into `dir`; stopped
// (SIGTERM, reaped) by the destructor.
class SmtpSink {
public:
    std::filesystem::path dir;
    std::uint16_t port;

    explicit SmtpSink(std::filesystem::path d) : dir(std::move(d)), port(free_port()) {
        std::filesystem::create_directories(dir);
        std::filesystem::permissions(dir, std::filesystem::perms::all);  // smtp-sink runs as nobody
        std::vector<std::string> args = {"/usr/sbin/smtp-sink", "-u", "nobody", "-d", (dir / "%M.").string(),
                                         fmt::format("127.0.0.1:{}", port), "10"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        REQUIRE(::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
        // Ready when it accepts a connection.
        auto at = net::Endpoint::parse("127.0.0.1", port);
        REQUIRE(at);
        for (int i = 0; i < 100; ++i) {
            auto fd = net::start_connect(*at);
            if (fd) {
                ::usleep(20000);
                if (net::connect_result(fd->get()) == 0) return;
            }
        }
        FAIL("smtp-sink did not start");
    }
    ~SmtpSink() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }

    // The dumped transactions (complete files only: they end with a blank line after the body).
    std::vector<std::string> dumps() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            std::ifstream in(e.path(), std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            out.push_back(ss.str());
        }
        return out;
    }

private:
    pid_t pid_ = 0;
};

}  // namespace

TEST_CASE("real TLS, real signed DNS fixture, a real SMTP server behind", "[integration][reinject]") {
    Sites s;
    auto ga = s.pki.leaf({"mx.ga.test"});
    s.add({"ga.test", ga, {}});
    s.add({"gb.test", s.pki.leaf({"mx.gb.test"}), {}});
    SmtpSink sink(s.dir / "sink");
    inbound::InjectorConfig config;
    config.address = "127.0.0.1";
    config.port = sink.port;
    config.helo_name = "mx.gb.test";
    inbound::SmtpInjector injector(s.loop, config);
    inbound::SmtpLocalDelivery next_hop(injector);
    s.site("gb.test").next_hop = &next_hop;
    s.start();

    auto sender = s.sender(ga, "ga");
    outbound::OutboundEmail e;
    e.id = 1;
    e.domain = "gb.test";
    e.recipients = {"bob@gb.test", "carol@gb.test"};
    const std::string body = "Hello Bob.\r\n.a line that starts with a dot\r\n..two\r\n";
    e.message = Bytes::copy_of("SMTPsec-Used:\r\nFrom: Alice <alice@ga.test>\r\nTo: bob@gb.test\r\n"
                               "Subject: re-injected\r\n\r\n" + body);
    auto report = s.deliver(*sender.deliverer, std::move(e));
    INFO("attempts: " << (report.attempts.empty() ? "" : report.attempts.front()));
    REQUIRE(report.recipients.size() == 2);
    INFO(report.recipients[0].detail);
    CHECK(report.recipients[0].status == outbound::RecipientStatus::delivered);
    CHECK(report.recipients[1].status == outbound::RecipientStatus::delivered);

    // The sink answered 250 to the final dot before the gateway answered us,
    // so its dump is complete by now.
    auto dumps = sink.dumps();
    REQUIRE(dumps.size() == 1);
    std::string d = std::regex_replace(dumps[0], std::regex("\r\n"), "\n");
    INFO("dump:\n" << d);
    CHECK_THAT(d, Catch::Contains("X-Mail-Args: <alice@ga.test>"));
    CHECK_THAT(d, Catch::Contains("X-Rcpt-Args: <bob@gb.test>\nX-Rcpt-Args: <carol@gb.test>\n") ||
                  Catch::Contains("X-Rcpt-Args: <bob@gb.test> <carol@gb.test>\n"));
    // After smtp-sink's own Received: ours (two recipients: no "for"), the
    // verdict, the signed message as signed (SMTPsec-Used kept, as in
    // gateway_test), dots intact through dot-stuffing.
    std::regex ours(
        "\nReceived: from mx\\.ga\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\n\tby mx\\.gb\\.test \\(TLS1\\.3\\) with SMTPSEC "
        "id IN[0-9]+-1; [A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} \\+0000\n");
    std::smatch m;
    REQUIRE(std::regex_search(d, m, ours));
    std::string rest = m.suffix();
    CHECK(rest ==
          "Authentication-Results: mx.gb.test;\n\tsmtpsec=pass header.from=ga.test policy.cert-name=mx.ga.test\n"
          "SMTPsec-Used:\nFrom: Alice <alice@ga.test>\nTo: bob@gb.test\nSubject: re-injected\n\n"
          "Hello Bob.\n.a line that starts with a dot\n..two\n"
          // smtp-sink ends each dump with a blank line
          "\n");
}
