// Many receiving gateways on one loop and one DNS fixture, each with its own
// domain, certificate, TLSA records and limits. Why: the negative matrix needs
// a dozen differently broken servers; one nsd for all of them keeps the test
// fast, and each site's listener and CaptureDelivery show exactly what reached
// (or did not reach) that server.
#pragma once

#include <fmt/core.h>

#include "gateway_harness.h"
#include "net/socket.h"

namespace smtpsec::test {

// How one receiving site is built: `leaf` is its TLS chain and key.
struct SiteSpec {
    std::string domain;  // its zone, a child of test.
    testpki::TestPki::Leaf leaf;
    // TLSA lines for _PORT._tcp.mx.<domain>: "3 1 1 <hex>"
    std::vector<std::string> tlsa;
    std::function<void(inbound::InboundSettings&)> tune = [](inbound::InboundSettings&) {};
};

inline std::string hex(const std::vector<std::uint8_t>& bytes) {
    std::string out;
    for (auto b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

// For a server in another process, which must bind the port itself.
inline std::uint16_t free_port() { return net::local_endpoint(reserve_port().get()).port(); }

class Sites {
public:
    testpki::TestPki pki;
    std::filesystem::path dir = temp_dir("sites");
    event::Loop loop;
    std::unique_ptr<DnsFixture> dns;
    std::unique_ptr<dns::Resolver> resolver;
    std::shared_ptr<const tls::AuthPolicy> policy;
    std::map<std::string, std::unique_ptr<Receiver>> sites;

    Sites() {
        auto ca = dir / "ca.pem";
        auto logs = dir / "logs.json";
        testpki::write_file(ca, pki.ca_pem());
        testpki::write_file(logs, pki.log_list_json());
        tls::CtRequirements ct;
        ct.min_logs = 1;
        ct.min_operators = 1;
        policy = std::make_shared<const tls::AuthPolicy>(tls::AuthPolicy::from_files(ca, logs, ct));
    }
    ~Sites() {
        sites.clear();
        std::filesystem::remove_all(dir);
    }

    // Declares a site (before start()): binds its port so the SRV record can name it.
    void add(SiteSpec spec) {
        auto r = std::make_unique<Receiver>();
        r->domain = spec.domain;
        r->host = "mx." + spec.domain;
        auto files = testpki::TestPki::write(spec.leaf, dir, spec.domain);
        r->cert = files.cert;
        r->key = files.key;
        auto creds = tls::Credentials::server(r->cert, r->key);
        REQUIRE(creds);
        r->settings.credentials = *creds;
        r->settings.authserv_id = r->host;
        r->settings.accept_domains = {spec.domain};  // as the daemon: the site's own domain
        spec.tune(r->settings);
        auto reserved = reserve_port();
        r->port = net::local_endpoint(reserved.get()).port();
        reserved_[spec.domain] = std::move(reserved);
        records_ += fmt::format("{0} _smtpsec._tcp.{0}. 3600 IN SRV 0 0 {1} mx.{0}.\n", spec.domain, r->port);
        records_ += fmt::format("{0} mx.{0}. 3600 IN A 127.0.0.1\n", spec.domain);
        for (const auto& t : spec.tlsa)
            records_ += fmt::format("{0} _{1}._tcp.mx.{0}. 3600 IN TLSA {2}\n", spec.domain, r->port, t);
        sites[spec.domain] = std::move(r);
    }
    // Extra zone lines ("ZONE RECORD...") for names that are not sites.
    void add_records(const std::string& lines) { records_ += lines; }

    // Starts DNS, then every site's listener.
    void start() {
        dns = std::make_unique<DnsFixture>(records_);
        resolver = std::make_unique<dns::Resolver>(loop, dns->resolver_config());
        for (auto& [name, r] : sites) {
            Receiver& rr = *r;
            rr.authenticator = std::make_unique<inbound::OriginAuthenticator>(*resolver, policy);
            rr.context = std::make_unique<inbound::InboundContext>(inbound::InboundContext{
                loop, rr.settings, *rr.authenticator, rr.next_hop ? *rr.next_hop : rr.delivery,
                [&rr] { return fmt::format("IN{}", ++rr.next_id); }});
            rr.listener = std::make_unique<inbound::Listener>(*rr.context, 1000);
            REQUIRE(rr.listener->adopt(std::move(reserved_.at(name))).port() == rr.port);
        }
    }

    Receiver& site(const std::string& domain) { return *sites.at(domain); }

    // A sending side for `from_domain` whose ClientHello announces `chain_leaf`
    // and whose Emails are signed with `signing_key` (normally the leaf's own).
    struct Sender {
        SigningIdentity identity;
        std::unique_ptr<outbound::Deliverer> deliverer;
    };
    Sender sender(const testpki::TestPki::Leaf& chain_leaf, const std::string& stem,
                  const testpki::TestPki::Leaf* signing_leaf = nullptr) {
        auto files = testpki::TestPki::write(chain_leaf, dir, stem);
        auto id = SigningIdentity::load(files.cert, files.key);
        REQUIRE(id);
        if (signing_leaf) {
            auto other = testpki::TestPki::write(*signing_leaf, dir, stem + "-other");
            auto forged = SigningIdentity::load(other.cert, other.key);
            REQUIRE(forged);
            id->key = std::move(forged->key);
        }
        Sender s{std::move(*id), nullptr};
        auto creds = tls::Credentials::client();
        REQUIRE(creds);
        outbound::ConnectionSettings settings{*creds, policy, s.identity.chain, {}};
        settings.timeouts.connect = 10;
        s.deliverer = std::make_unique<outbound::Deliverer>(loop, *resolver, s.identity.key, settings);
        return s;
    }

    outbound::DeliveryReport deliver(outbound::Deliverer& d, outbound::OutboundEmail e, double seconds = 30) {
        std::optional<outbound::DeliveryReport> report;
        d.deliver(std::move(e), [&](outbound::DeliveryReport r) { report = std::move(r); });
        REQUIRE(run_until(
            loop, [&] { return report.has_value(); }, seconds));
        return *report;
    }

private:
    std::string records_;
    std::map<std::string, net::UniqueFd> reserved_;  // each site's listening socket, from add() to start()
};

}  // namespace smtpsec::test
