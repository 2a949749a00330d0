// The DNS test world (tests/fixtures/dns/fixture.sh) as a C++ object.
//
// Why: every integration test that needs DNS (discovery, TLSA, the client
// and server, the demo) resolves against real signed zones served by nsd on
// loopback. The constructor starts them in a fresh temporary directory; the
// destructor always stops nsd and removes the directory. The script is also
// told this process's pid, so nsd goes away even if the test binary crashes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "dns/config.h"

namespace smtpsec::test {

class DnsFixture {
public:
    // `extra_records`: lines "ZONE RECORD..." as documented at the top of
    // fixture.sh (new children of test. become new signed zones).
    // Throws std::runtime_error with the script's output if it fails.
    explicit DnsFixture(const std::string& extra_records = {});
    ~DnsFixture();
    DnsFixture(const DnsFixture&) = delete;
    DnsFixture& operator=(const DnsFixture&) = delete;

    // One fixture for the whole test binary, started on first use and
    // stopped at exit. Tests that need their own records construct their own.
    static DnsFixture& shared();

    const std::string& dir() const { return dir_; }
    std::uint16_t port() const { return port_; }
    std::string unbound_config() const { return dir_ + "/unbound.conf"; }
    std::string trust_anchor() const { return dir_ + "/test.ds"; }

    // A resolver set-up that reaches only this fixture: its unbound config
    // (stubs + the test root's trust anchor), no root anchor.
    dns::ResolverConfig resolver_config(
        std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) const;

    // The fixture script, for tests that run it themselves.
    static std::string script();

private:
    std::string dir_;
    std::uint16_t port_ = 0;
};

}  // namespace smtpsec::test
