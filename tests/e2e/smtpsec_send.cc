// A hand-made SMTPsec sender for the end-to-end tests: one Email signed with
// a gateway's key, delivered over real TLS to the SMTPsec servers that the
// world's signed DNS names for DOMAIN, with whatever recipients the test
// lists (a domain literal, another domain...). Why: a hostile gateway is not
// bound by what our milter would take over; this is the simplest honest way
// to send what it would, through the same client code as smtpsecd.
//
//   smtpsec_send UNBOUND_CONF CERT KEY DOMAIN MESSAGE_FILE RCPT...
// Prints "RCPT STATUS DETAIL" per recipient; exit 0 when a server answered.
#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "dns/resolver.h"
#include "event/loop.h"
#include "event/timer.h"
#include "outbound/deliverer.h"
#include "smtpsec/signature.h"

using namespace smtpsec;

int main(int argc, char** argv) {
    if (argc < 7) {
        std::cerr << "usage: smtpsec_send UNBOUND_CONF CERT KEY DOMAIN MESSAGE_FILE RCPT...\n";
        return 2;
    }
    std::ifstream in(argv[5], std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto identity = SigningIdentity::load(argv[2], argv[3]);
    auto creds = tls::Credentials::client();
    if (!in || !identity || !creds) {
        std::cerr << "smtpsec_send: cannot read the message, the identity or the TLS credentials\n";
        return 2;
    }
    event::Loop loop;
    dns::ResolverConfig dns_config;
    dns_config.trust_anchor_file = "";
    dns_config.unbound_config = argv[1];
    dns::Resolver resolver(loop, dns_config);
    // No CA file and no CT log list: the world's gateways are DANE-EE.
    auto policy = std::make_shared<const tls::AuthPolicy>(tls::AuthPolicy::from_files("", "", {}));
    outbound::ConnectionSettings settings{*creds, policy, identity->chain, {}};
    outbound::Deliverer deliverer(loop, resolver, identity->key, settings);

    outbound::OutboundEmail email;
    email.id = 1;
    email.domain = argv[4];
    for (int i = 6; i < argc; ++i) email.recipients.emplace_back(argv[i]);
    email.message = Bytes::copy_of(text.str());
    std::optional<outbound::DeliveryReport> report;
    deliverer.deliver(std::move(email), [&](outbound::DeliveryReport r) { report = std::move(r); });
    bool timed_out = false;
    event::Timer guard(loop, [&] { timed_out = true; });
    guard.start(event::Timer::Seconds(30));
    while (!report && !timed_out) loop.run_once();
    if (!report) {
        std::cerr << "smtpsec_send: no report within 30 s\n";
        return 1;
    }
    for (const auto& r : report->recipients)
        std::cout << fmt::format("{} {} {}\n", r.recipient, outbound::name_of(r.status), r.detail);
    for (const auto& a : report->attempts) std::cout << "attempt: " << a << "\n";
    return report->server.empty() ? 1 : 0;
}
