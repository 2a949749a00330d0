// classify(): libunbound results built by hand, one per case of classify.cc,
// including the traps (bogus answers carry rcode 0 and data; a failure must
// never read as secure or insecure).
#include <unbound.h>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dns/answer.h"

using smtpsec::dns::Answer;
using smtpsec::dns::classify;
using smtpsec::dns::Security;

namespace {

// Owns the buffers a ub_result points into.
struct FakeResult {
    std::vector<std::string> records;
    std::vector<char*> data;
    std::vector<int> len;
    std::string why;
    ub_result result{};

    FakeResult(int rcode, bool havedata, bool secure, bool bogus, std::vector<std::string> rdata = {},
               const char* why_bogus = nullptr)
        : records(std::move(rdata)) {
        for (auto& r : records) {
            data.push_back(r.data());
            len.push_back(static_cast<int>(r.size()));
        }
        data.push_back(nullptr);
        len.push_back(0);
        result.qtype = 33;
        result.qclass = 1;
        result.rcode = rcode;
        result.havedata = havedata;
        result.nxdomain = rcode == 3;
        result.secure = secure;
        result.bogus = bogus;
        result.data = data.data();
        result.len = len.data();
        result.ttl = 300;
        if (why_bogus != nullptr) {
            why = why_bogus;
            result.why_bogus = why.data();
        }
    }
};

}  // namespace

TEST_CASE("bogus wins even with rcode 0 and data", "[classify]") {
    FakeResult fake(0, true, false, true, {"rdata"}, "signature expired from 127.0.0.1");
    const Answer a = classify(fake.result);
    CHECK(a.security == Security::bogus);
    CHECK(a.reason == "signature expired from 127.0.0.1");
    CHECK(a.records.empty());
}

TEST_CASE("bogus is bogus even if secure is also set", "[classify]") {
    FakeResult fake(0, true, true, true, {"rdata"});
    const Answer a = classify(fake.result);
    CHECK(a.security == Security::bogus);
    CHECK_FALSE(a.reason.empty());  // a reason even without why_bogus
}

TEST_CASE("secure data keeps every record", "[classify]") {
    FakeResult fake(0, true, true, false, {"one", std::string("t\0o", 3)});
    const Answer a = classify(fake.result);
    CHECK(a.security == Security::secure);
    REQUIRE(a.records.size() == 2);
    CHECK(std::string(a.records[0].begin(), a.records[0].end()) == "one");
    CHECK(a.records[1].size() == 3);
    CHECK(a.ttl == 300);
    CHECK_FALSE(a.nodata());
    CHECK_FALSE(a.nxdomain());
}

TEST_CASE("secure NXDOMAIN and secure NODATA", "[classify]") {
    FakeResult nx(3, false, true, false);
    const Answer a = classify(nx.result);
    CHECK(a.security == Security::secure);
    CHECK(a.nxdomain());
    CHECK_FALSE(a.nodata());

    FakeResult nodata(0, false, true, false);
    const Answer b = classify(nodata.result);
    CHECK(b.security == Security::secure);
    CHECK(b.nodata());
    CHECK(b.records.empty());
}

TEST_CASE("rcode 0 or 3 without validation is insecure", "[classify]") {
    FakeResult data(0, true, false, false, {"x"});
    CHECK(classify(data.result).security == Security::insecure);
    CHECK(classify(data.result).records.size() == 1);
    FakeResult nx(3, false, false, false);
    CHECK(classify(nx.result).security == Security::insecure);
    CHECK(classify(nx.result).nxdomain());
}

TEST_CASE("other rcodes are errors, even when flagged secure", "[classify]") {
    FakeResult servfail(2, false, false, false);
    const Answer a = classify(servfail.result);
    CHECK(a.security == Security::error);
    CHECK(a.reason == "SERVFAIL");

    FakeResult refused(5, false, true, false);
    const Answer b = classify(refused.result);
    CHECK(b.security == Security::error);
    CHECK(b.reason == "REFUSED");

    FakeResult odd(9, false, false, false);
    CHECK(classify(odd.result).reason == "rcode 9");
}

TEST_CASE("data announced but missing is an error, not NODATA", "[classify]") {
    FakeResult fake(0, true, true, false);
    const Answer a = classify(fake.result);
    CHECK(a.security == Security::error);
}

TEST_CASE("failure() answers are errors with their reason", "[classify]") {
    const Answer a = smtpsec::dns::failure("timeout");
    CHECK(a.security == Security::error);
    CHECK(a.reason == "timeout");
    CHECK_FALSE(a.nodata());
    CHECK_FALSE(a.nxdomain());
}
